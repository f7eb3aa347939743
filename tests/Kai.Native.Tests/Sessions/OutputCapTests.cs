using System.Diagnostics;
using Kai.Native.Sessions;
using Xunit;

namespace Kai.Native.Tests.Sessions;

public sealed class OutputCapTests
{
    [Fact]
    public async Task A_multi_gigabyte_output_is_capped_drained_and_held_in_bounded_memory()
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("s");
        GC.Collect();
        var before = Process.GetCurrentProcess().WorkingSet64;
        var chunks = new ChunkCollector();
        var result = await host.RunAsync(new ExecRequest("s", "echo begin; head -c 3G /dev/zero; echo; echo end; head -c 1G /dev/zero >&2; echo err-end >&2",
            Timeout: TimeSpan.FromSeconds(120)), chunks);
        var growth = Process.GetCurrentProcess().WorkingSet64 - before;
        Assert.Equal(0, result.ExitCode);
        Assert.False(result.TimedOut);
        Assert.True(result.Truncated);
        Assert.InRange(result.Output.Length, 1000, 15_000);
        Assert.InRange(result.Error.Length, 1000, 15_000);
        Assert.StartsWith("begin\n\0\0", result.Output);
        Assert.EndsWith("\0\nend\n", result.Output);
        Assert.EndsWith("\0err-end\n", result.Error);
        Assert.Contains("bytes of output omitted", result.Output);
        // 3 GiB went through; the process did not keep it (loose bound: captures are ~120 KiB per stream).
        Assert.True(growth < 256L * 1024 * 1024, $"working set grew by {growth / (1024 * 1024)} MiB");
        // The live stream showed the same bounded view: head, a marker, the tail.
        var streamed = chunks.Text(OutputStream.StandardOutput);
        Assert.InRange(streamed.Length, 1000, 16_000);
        Assert.StartsWith("begin\n", streamed);
        Assert.EndsWith("end\n", streamed);
        var after = await host.RunAsync("s", "echo fine");
        Assert.Equal("fine\n", after.Output);
    }

    [Fact]
    public async Task Each_stream_is_capped_separately_with_a_visible_marker_and_its_tail()
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("s");
        var result = await host.RunAsync(new ExecRequest("s", "seq 1 5000; seq 1 10 >&2", OutputCap: 2000));
        Assert.True(result.Truncated);
        Assert.InRange(result.Output.Length, 1500, 2000);
        Assert.StartsWith("1\n2\n3\n", result.Output);
        Assert.EndsWith("4999\n5000\n", result.Output);
        Assert.Contains("kai:", result.Output);
        Assert.Equal(string.Concat(Enumerable.Range(1, 10).Select(i => i + "\n")), result.Error);
        var small = await host.RunAsync(new ExecRequest("s", "seq 1 100", OutputCap: 2000));
        Assert.False(small.Truncated);
    }

    [Fact]
    public async Task Streaming_delivers_output_as_it_arrives()
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("s");
        var seen = new List<(string Text, long At)>();
        var clock = Stopwatch.StartNew();
        var progress = new SyncProgress(chunk => { lock (seen) seen.Add((chunk.Text, clock.ElapsedMilliseconds)); });
        var result = await host.RunAsync(new ExecRequest("s", "echo one; sleep 0.5; echo two"), progress);
        Assert.Equal("one\ntwo\n", result.Output);
        Assert.Equal(2, seen.Count);
        Assert.Equal("one\n", seen[0].Text);
        Assert.True(seen[1].At - seen[0].At >= 300, "the first line came before the command ended");
    }

    private sealed class SyncProgress(Action<OutputChunk> report) : IProgress<OutputChunk>
    {
        public void Report(OutputChunk value) => report(value);
    }
}
