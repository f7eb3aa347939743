using System.Diagnostics;
using Kai.Bench;
using Kai.Native;
using Kai.Native.Platform;
using Kai.Native.Sandbox;
using Kai.Native.Sessions;

// Kai's sessions against raw baselines measured in the same run. ./bench/run.sh runs it in Release.
var quick = args.Contains("--quick");
var roundTrips = quick ? 1000 : 5000;
var spawns = quick ? 15 : 40;
var streamBytes = quick ? 256L << 20 : 512L << 20;
var concurrentSessions = 100;
var commandsEach = quick ? 5 : 20;

var data = Directory.CreateTempSubdirectory("kai-bench-").FullName;
var table = new Table();
var bwrapUsable = new BubblewrapBackend().Probe().IsAvailable;
Console.WriteLine($"Kai bench — {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}, bubblewrap {(bwrapUsable ? "usable" : "NOT usable")}");
var total = Stopwatch.StartNew();
try
{
    foreach (var sandboxed in bwrapUsable ? new[] { false, true } : new[] { false })
    {
        var mode = sandboxed ? "bubblewrap" : "no sandbox";
        await using var host = NewHost(Path.Combine(data, sandboxed ? "bwrap" : "none"), sandboxed, acknowledge: false);
        await host.StartSessionAsync(new StartSessionRequest("bench"), default);
        var (backend, policy, environment, directory) = Raw(host, sandboxed);

        // 1. Warm round trip: raw persistent bash vs a warm session, and Kai's framing driven without the engine.
        //    Measured in interleaved blocks, so a busy neighbour weighs on all three alike.
        var request = new ExecRequest("bench", "echo x");
        var rawSamples = new List<double>();
        var floorSamples = new List<double>();
        var uncheckedSamples = new List<double>();
        var kaiSamples = new List<double>();
        using (var shell = new RawShell(backend, policy, directory, environment))
        using (var framed = RawShell.WithKaiFraming(backend, policy, directory, environment, checkMounts: true))
        using (var uncheckedFramed = RawShell.WithKaiFraming(backend, policy, directory, environment, checkMounts: false))
        {
            Measure.Repeat(roundTrips / 5, shell.RoundTrip);
            Measure.Repeat(roundTrips / 5, framed.FramedRoundTrip);
            Measure.Repeat(roundTrips / 5, uncheckedFramed.FramedRoundTrip);
            await Measure.RepeatAsync(roundTrips / 5, () => host.ExecAsync(request, null, default));
            const int blocks = 10;
            for (var block = 0; block < blocks; block++)
            {
                rawSamples.AddRange(Measure.Repeat(roundTrips / blocks, shell.RoundTrip).All);
                floorSamples.AddRange(Measure.Repeat(roundTrips / blocks, framed.FramedRoundTrip).All);
                uncheckedSamples.AddRange(Measure.Repeat(roundTrips / blocks, uncheckedFramed.FramedRoundTrip).All);
                kaiSamples.AddRange((await Measure.RepeatAsync(roundTrips / blocks, async () =>
                {
                    var result = await host.ExecAsync(request, null, default);
                    if (result.Output != "x\n") throw new InvalidOperationException($"cross-talk: {result.Output}");
                })).All);
            }
        }
        var raw = new Samples(rawSamples.ToArray());
        var floor = new Samples(floorSamples.ToArray());
        var kai = new Samples(kaiSamples.ToArray());
        table.Add($"warm round trip ({mode}), p50", Us(kai.Median), Us(raw.Median), Ratio(kai.Median, raw.Median), "≤ 3×", kai.Median <= 3 * raw.Median);
        table.Add($"warm round trip ({mode}), p99", Us(kai.P99), Us(raw.P99), Ratio(kai.P99, raw.P99));
        table.Add($"  framing floor: Kai's shell loop, no engine, p50", Us(floor.Median), Us(raw.Median), Ratio(floor.Median, raw.Median));
        var withoutChecks = new Samples(uncheckedSamples.ToArray());
        table.Add($"  the same loop without its mount checks, p50", Us(withoutChecks.Median), Us(raw.Median), Ratio(withoutChecks.Median, raw.Median));

        // 1b. The same with acknowledge-after-commit (the service's setting: kai.db has the row before the reply).
        await using (var durable = NewHost(Path.Combine(data, (sandboxed ? "bwrap" : "none") + "-durable"), sandboxed, acknowledge: true))
        {
            await durable.StartSessionAsync(new StartSessionRequest("bench"), default);
            await Measure.RepeatAsync(roundTrips / 10, () => durable.ExecAsync(request, null, default));
            var committed = await Measure.RepeatAsync(roundTrips / 2, () => durable.ExecAsync(request, null, default));
            table.Add($"round trip, committed to kai.db ({mode}), p50", Us(committed.Median), Us(raw.Median), Ratio(committed.Median, raw.Median));
        }

        // 2. Fresh: a bare spawn of `true` in the same sandbox vs -Fresh 'true'.
        for (var i = 0; i < 3; i++) RawSpawn.Run(backend, policy, directory, environment, "/bin/true");
        var bare = Measure.Repeat(spawns, () => RawSpawn.Run(backend, policy, directory, environment, "/bin/true"));
        var freshRequest = new ExecRequest("bench", "true", ExecMode.Fresh);
        for (var i = 0; i < 3; i++) await host.ExecAsync(freshRequest, null, default);
        var fresh = await Measure.RepeatAsync(spawns, () => host.ExecAsync(freshRequest, null, default));
        if (sandboxed)
            table.Add($"-Fresh 'true' vs bwrap 'true' ({mode}), p50", Ms(fresh.Median), Ms(bare.Median), Ratio(fresh.Median, bare.Median), "≤ 1.2×", fresh.Median <= 1.2 * bare.Median);
        else // no sandbox: the baseline execs `true` itself, -Fresh starts a bash that runs it
            table.Add($"-Fresh 'true' vs exec 'true' ({mode}), p50", Ms(fresh.Median), Ms(bare.Median), Ratio(fresh.Median, bare.Median));

        // 3. Streaming: the engine draining a command's output vs `cat >/dev/null` of the same bytes
        //    (alternating, best of five each, so a busy neighbour does not decide the ratio).
        var produce = $"head -c {streamBytes} /dev/zero";
        var rawSeconds = double.MaxValue;
        var kaiSeconds = double.MaxValue;
        var stream = new ExecRequest("bench", produce, Timeout: TimeSpan.FromMinutes(5));
        using (var shell = new RawShell(backend, policy, directory, environment))
        {
            shell.Run($"{produce} | cat >/dev/null");
            await host.ExecAsync(stream, null, default);
            for (var i = 0; i < 5; i++)
            {
                var start = Stopwatch.GetTimestamp();
                shell.Run($"{produce} | cat >/dev/null");
                rawSeconds = Math.Min(rawSeconds, Stopwatch.GetElapsedTime(start).TotalSeconds);
                start = Stopwatch.GetTimestamp();
                var streamed = await host.ExecAsync(stream, null, default);
                kaiSeconds = Math.Min(kaiSeconds, Stopwatch.GetElapsedTime(start).TotalSeconds);
                if (!streamed.Truncated || streamed.ExitCode != 0) throw new InvalidOperationException("the stream did not run through");
            }
        }
        double Throughput(double seconds) => streamBytes / seconds / (1 << 30);
        table.Add($"streaming throughput ({mode})", $"{Throughput(kaiSeconds):F2} GiB/s", $"{Throughput(rawSeconds):F2} GiB/s",
            Ratio(Throughput(kaiSeconds), Throughput(rawSeconds)), "≥ 0.8×", Throughput(kaiSeconds) >= 0.8 * Throughput(rawSeconds));

        // 4. Idle session: PSS of every process of the session (launcher, sandbox, bash).
        await host.ExecAsync(new ExecRequest("bench", "true"), null, default);
        await Task.Delay(200);
        var info = (await host.GetSessionsAsync(default)).Single(s => s.Name == "bench");
        var pss = SessionPss(info.ShellProcessId!.Value);
        table.Add($"idle session memory, PSS ({mode})", $"{pss / 1024.0 / 1024:F2} MiB", "", "", "≤ 1.5 MiB", pss <= 1.5 * 1024 * 1024);
    }

    // 5. 100 concurrent sessions on this machine's cores, each echoing its own token.
    {
        var sandboxed = bwrapUsable;
        await using var host = NewHost(Path.Combine(data, "many"), sandboxed, acknowledge: false);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrentSessions).Select(i => host.StartSessionAsync(new StartSessionRequest($"s{i}"), default)));
        var startSeconds = clock.Elapsed.TotalSeconds;
        var latencies = new double[concurrentSessions * commandsEach];
        var crossTalk = 0;
        clock.Restart();
        await Task.WhenAll(Enumerable.Range(0, concurrentSessions).Select(i => Task.Run(async () =>
        {
            for (var n = 0; n < commandsEach; n++)
            {
                var token = $"s{i}-{n}-{Guid.NewGuid():N}";
                var start = Stopwatch.GetTimestamp();
                var result = await host.ExecAsync(new ExecRequest($"s{i}", $"echo {token}"), null, default);
                latencies[i * commandsEach + n] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
                if (result.Output != token + "\n" || result.Session != $"s{i}") Interlocked.Increment(ref crossTalk);
            }
        })));
        var runSeconds = clock.Elapsed.TotalSeconds;
        var samples = new Samples(latencies);
        var mode = sandboxed ? "bubblewrap" : "no sandbox";
        table.Add($"{concurrentSessions} concurrent sessions ({mode}): start all", $"{startSeconds:F2} s");
        table.Add($"{concurrentSessions} sessions × {commandsEach} commands: throughput", $"{latencies.Length / runSeconds:F0} cmd/s");
        table.Add($"{concurrentSessions} sessions: latency p50 / p99", $"{Ms(samples.Median)} / {Ms(samples.P99)}");
        table.Add($"{concurrentSessions} sessions: cross-talk", $"{crossTalk} of {latencies.Length}", "", "", "0", crossTalk == 0);
    }
}
finally
{
    Directory.Delete(data, recursive: true);
}
Console.WriteLine();
table.Print();
if (bwrapUsable)
{
    // The sandbox work's own figures (bwrap `true` and policy rendering vs a plain spawn).
    Console.WriteLine();
    SandboxBench.Run(runs: quick ? 30 : 100, warmup: 5).Print(Console.Out);
}
Console.WriteLine($"\n(total {total.Elapsed.TotalSeconds:F0} s)");
return 0;

static EmbeddedSessionHost NewHost(string directory, bool sandboxed, bool acknowledge) => new(new EmbeddedHostOptions
{
    DataDirectory = directory,
    DefaultSandbox = sandboxed ? SandboxKind.Bubblewrap : SandboxKind.None,
    AcknowledgeAfterCommit = acknowledge,
    Redactor = Redactor.FromEnvironment(),
});

// What the session runs with, for the raw baselines: same backend, same policy, same environment, same directory.
static (ISandboxBackend, SandboxPolicy, IReadOnlyDictionary<string, string>, string) Raw(EmbeddedSessionHost host, bool sandboxed)
{
    var root = Path.Combine(host.Options.DataDirectory, "sessions", "bench");
    var context = new SandboxContext(Path.Combine(root, "home"), Path.Combine(root, "home"), Path.Combine(root, "tmp"), host.Options.DataDirectory,
        host.Options.SecretsDirectory, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));
    var policy = SandboxPolicies.Default(context);
    var backend = SandboxBackends.Resolve(sandboxed ? SandboxKind.Bubblewrap : SandboxKind.None);
    var environment = SandboxEnvironment.Build(policy, SandboxEnvironment.Current());
    return (backend, policy, environment, context.Home);
}

// The session's processes: from the shell up to the launcher we started, plus everything below it.
static long SessionPss(int shellPid)
{
    var launcher = shellPid;
    while (ProcessTree.ReadStat(launcher) is { } stat && ProcessTree.ReadStat(stat.ParentProcessId) is { } parent
           && parent.Command is "bwrap" or "setsid") launcher = stat.ParentProcessId;
    var all = new List<int> { launcher };
    all.AddRange(ProcessTree.Descendants(launcher));
    return all.Sum(pid => ProcessTree.ProportionalSetSize(pid) ?? 0);
}

static string Us(double microseconds) => $"{microseconds:F1} µs";
static string Ms(double microseconds) => $"{microseconds / 1000:F2} ms";
static string Ratio(double value, double baseline) => baseline <= 0 ? "" : $"{value / baseline:F2}×";
