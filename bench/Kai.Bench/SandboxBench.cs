using System.Diagnostics;
using Kai.Native.Sandbox;

namespace Kai.Bench;

/// <summary>One figure: mean and percentiles of a repeated measurement, in milliseconds.</summary>
public sealed record BenchFigure(string Name, double MeanMs, double P50Ms, double P95Ms, int Runs)
{
    public static BenchFigure From(string name, IReadOnlyList<double> samples)
    {
        var sorted = samples.Order().ToArray();
        return new BenchFigure(name, samples.Average(), sorted[sorted.Length / 2], sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * 0.95))], samples.Count);
    }

    public override string ToString() => $"{Name,-44} mean {MeanMs,8:F3} ms   p50 {P50Ms,8:F3} ms   p95 {P95Ms,8:F3} ms   (n={Runs})";
}

/// <summary>What a sandbox spawn costs against a plain process spawn measured in the same run.</summary>
public sealed record SandboxBenchResult(BenchFigure RawSpawn, BenchFigure BareBwrap, BenchFigure Prepare, BenchFigure SandboxSpawn, BenchFigure PrepareAndSpawn)
{
    /// <summary>The default policy's bwrap `true` against a bare `bwrap --ro-bind / / … true`: what the policy itself costs.</summary>
    public double PolicyRatio => SandboxSpawn.P50Ms / BareBwrap.P50Ms;

    /// <summary>bwrap `true` under the default policy (prepared once) against Process.Start("true").</summary>
    public double SpawnRatio => SandboxSpawn.P50Ms / RawSpawn.P50Ms;
    /// <summary>Prepare + bwrap `true` (what a -Fresh command pays) against Process.Start("true").</summary>
    public double PrepareAndSpawnRatio => PrepareAndSpawn.P50Ms / RawSpawn.P50Ms;

    public void Print(TextWriter writer)
    {
        writer.WriteLine("Sandbox spawn (bubblewrap, default policy)");
        writer.WriteLine("  " + RawSpawn);
        writer.WriteLine("  " + BareBwrap);
        writer.WriteLine("  " + Prepare);
        writer.WriteLine("  " + SandboxSpawn);
        writer.WriteLine("  " + PrepareAndSpawn);
        writer.WriteLine($"  ratio bwrap true / raw true (p50):            {SpawnRatio,6:F2}x");
        writer.WriteLine($"  ratio prepare + bwrap true / raw true (p50):  {PrepareAndSpawnRatio,6:F2}x");
        writer.WriteLine($"  ratio policy bwrap true / bare bwrap (p50):   {PolicyRatio,6:F2}x");
    }
}

/// <summary>
/// The sandbox's own bench: a bare `bwrap … true` spawn with the default policy, and the policy rendering
/// (<see cref="ISandboxBackend.Prepare"/>) before it, against `Process.Start("true")` in the same run. Call
/// <see cref="Run"/> from the bench program; nothing here asserts a time.
/// </summary>
public static class SandboxBench
{
    public static SandboxBenchResult Run(int runs = 200, int warmup = 20)
    {
        var root = Path.Combine(Path.GetTempPath(), "kai-bench-sandbox-" + Guid.NewGuid().ToString("N")[..8]);
        var context = new SandboxContext(
            Directory.CreateDirectory(Path.Combine(root, "ws")).FullName,
            Directory.CreateDirectory(Path.Combine(root, "home")).FullName,
            Directory.CreateDirectory(Path.Combine(root, "tmp")).FullName,
            Directory.CreateDirectory(Path.Combine(root, "data")).FullName);
        try
        {
            var backend = SandboxBackends.Resolve(SandboxKind.Bubblewrap);
            var policy = SandboxPolicies.Default(context);
            var environment = SandboxEnvironment.Current();
            SandboxSpawn Spawn() => new(new[] { "/bin/true" }, context.Workspace, environment);

            var raw = Measure("Process.Start(\"true\")", runs, warmup, () => RunToExit(new SandboxedCommand("/bin/true", Array.Empty<string>(), new Dictionary<string, string>())));
            var bwrap = backend.Probe().BinaryPath!;
            var bare = Measure("bare bwrap true (no policy)", runs, warmup, () => RunToExit(new SandboxedCommand(bwrap,
                new[] { "--unshare-all", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "/bin/true" }, new Dictionary<string, string>())));
            var prepare = Measure("Prepare (default policy)", runs, warmup, () => backend.Prepare(policy, Spawn()).Dispose());
            using var prepared = backend.Prepare(policy, Spawn());
            var spawn = Measure("bwrap true (prepared once)", runs, warmup, () => RunToExit(prepared));
            var both = Measure("Prepare + bwrap true", runs, warmup, () =>
            {
                using var command = backend.Prepare(policy, Spawn());
                RunToExit(command);
            });
            return new SandboxBenchResult(raw, bare, prepare, spawn, both);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static BenchFigure Measure(string name, int runs, int warmup, Action action)
    {
        for (var i = 0; i < warmup; i++) action();
        var samples = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            action();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return BenchFigure.From(name, samples);
    }

    private static void RunToExit(SandboxedCommand command)
    {
        var start = new ProcessStartInfo(command.FileName) { UseShellExecute = false };
        foreach (var argument in command.Arguments) start.ArgumentList.Add(argument);
        start.Environment.Clear();
        foreach (var (name, value) in command.Environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{command.FileName} exited with {process.ExitCode}.");
    }
}
