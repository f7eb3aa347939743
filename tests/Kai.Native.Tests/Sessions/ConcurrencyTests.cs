using Kai.Native.Sessions;
using Xunit;

namespace Kai.Native.Tests.Sessions;

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task Many_sessions_at_once_keep_their_own_output_and_state()
    {
        await using var host = SessionTestHost.Create();
        const int sessions = 24;
        await Task.WhenAll(Enumerable.Range(0, sessions).Select(i => host.StartAsync($"c{i}")));
        await Task.WhenAll(Enumerable.Range(0, sessions).Select(async i =>
        {
            var name = $"c{i}";
            await host.RunAsync(name, $"export TOKEN_OF_{i}=t{i}; mkdir -p \"$HOME/d{i}\"; cd \"$HOME/d{i}\"");
            for (var n = 0; n < 15; n++)
            {
                var result = await host.RunAsync(name, $"echo \"{name}:{n}:$TOKEN_OF_{i}:${{PWD##*/}}\"; echo \"{name}-err\" >&2");
                Assert.Equal($"{name}:{n}:t{i}:d{i}\n", result.Output);
                Assert.Equal($"{name}-err\n", result.Error);
                Assert.Equal(name, result.Session);
            }
        }));
        var infos = await host.Host.GetSessionsAsync(default);
        Assert.Equal(sessions, infos.Count);
        Assert.All(infos, info => Assert.Equal(16, info.CommandCount));
    }

    [Fact]
    public async Task Commands_on_one_session_run_one_at_a_time_in_order()
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("s");
        var first = host.RunAsync("s", "sleep 0.3; echo first >> \"$HOME/log\"; export ORDER=1");
        await Task.Delay(50);
        var second = host.RunAsync("s", "echo \"second $ORDER\" >> \"$HOME/log\"; cat \"$HOME/log\"");
        var results = await Task.WhenAll(first, second);
        Assert.Equal("first\nsecond 1\n", results[1].Output);
    }

    [Fact]
    public async Task Cancelling_a_command_that_waits_for_its_turn_runs_nothing()
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("s");
        var busy = host.RunAsync("s", "sleep 0.5");
        await Task.Delay(50);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var waiting = await host.RunAsync("s", "touch \"$HOME/should-not-exist\"", cancellationToken: cts.Token);
        Assert.True(waiting.Cancelled);
        Assert.Null(waiting.ExitCode);
        Assert.Equal(CancelStep.None, waiting.CancelledBy);
        Assert.NotNull(waiting.Notice);
        await busy;
        Assert.Equal("no\n", (await host.RunAsync("s", "test -e \"$HOME/should-not-exist\" && echo yes || echo no")).Output);
    }
}

public sealed class HostLifetimeTests
{
    [Theory]
    [MemberData(nameof(Bubblewrap.Modes), MemberType = typeof(Bubblewrap))]
    public async Task Disposing_the_host_stops_every_shell_and_background_process(bool sandboxed)
    {
        var host = SessionTestHost.Create(sandboxed);
        try
        {
            await host.StartAsync("a");
            await host.StartAsync("b");
            await host.RunAsync(new ExecRequest("a", "sleep 60", ExecMode.Background));
            var pids = (await host.Host.GetSessionsAsync(default)).Select(s => s.ShellProcessId!.Value)
                .Concat((await host.Host.GetProcessesAsync(null, default)).Select(p => p.ProcessId!.Value)).ToList();
            Assert.Equal(3, pids.Count);
            Assert.All(pids, pid => Assert.True(Directory.Exists($"/proc/{pid}")));
            await host.Host.DisposeAsync();
            await DurableTests.WaitUntilAsync(() => pids.All(pid => !Directory.Exists($"/proc/{pid}") || File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ")));
            await Assert.ThrowsAsync<ObjectDisposedException>(() => host.Host.GetSessionsAsync(default));
        }
        finally
        {
            await host.DisposeAsync();
        }
    }
}
