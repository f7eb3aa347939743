using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Kai.Native.Sandbox;
using Kai.Native.Sessions;
using PS = System.Management.Automation.PowerShell;

// Kai.Bench.PowerShell [--quick] [--iterations N] [--sandbox auto|none]
// Warm-session round trip of `Invoke-KaiShell -Command 'echo x'` in a hosted PowerShell engine (the cmdlet
// as a user runs it, timed from inside the script), next to the engine's ExecAsync on an identical session.
var iterations = IntArgument("--iterations", Environment.GetCommandLineArgs().Contains("--quick") ? 500 : 2000);
var sandbox = StringArgument("--sandbox", "auto").Equals("none", StringComparison.OrdinalIgnoreCase) ? SandboxKind.None : SandboxKind.Auto;
var root = Directory.CreateTempSubdirectory("kai-bench-ps-").FullName;
try
{
    var workspace = Directory.CreateDirectory(Path.Combine(root, "ws")).FullName;
    var engine = await EngineRoundTripAsync(Path.Combine(root, "engine-data"), workspace, sandbox, iterations);
    var cmdlet = CmdletRoundTrip(Path.Combine(root, "cmdlet-data"), workspace, sandbox, iterations);

    Console.WriteLine($"Kai bench (PowerShell): warm session, {iterations} round trips of 'echo x', sandbox {engine.Sandbox}, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
    Print("engine ExecAsync", engine.Samples, null);
    Print("Invoke-KaiShell (hosted pwsh)", cmdlet.Samples, engine.Samples);
    Print("floor: Get-Job (core cmdlet)", cmdlet.Floor, null);
    var p50 = Percentile(cmdlet.Samples, 0.50);
    var own = p50 - Percentile(engine.Samples, 0.50) - Percentile(cmdlet.Floor, 0.50);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  Invoke-KaiShell's own cost (p50 - engine - floor): {own:0.0} us"));
    Console.WriteLine($"  target: Invoke-KaiShell p50 <= 1000 us -> {(p50 <= 1000 ? "met" : "NOT met")} ({p50:0} us)");
    return 0;
}
finally
{
    Directory.Delete(root, recursive: true);
}

static async Task<(double[] Samples, string Sandbox)> EngineRoundTripAsync(string dataDirectory, string workspace, SandboxKind sandbox, int iterations)
{
    await using var host = new EmbeddedSessionHost(EmbeddedHostOptions.ForCurrentUser() with { DataDirectory = dataDirectory });
    var session = await host.StartSessionAsync(new StartSessionRequest("bench", workspace, Sandbox: sandbox), CancellationToken.None);
    var request = new ExecRequest("bench", "echo x");
    for (var i = 0; i < Math.Min(200, iterations); i++) await host.ExecAsync(request, null, CancellationToken.None);
    var samples = new double[iterations];
    var clock = new Stopwatch();
    for (var i = 0; i < iterations; i++)
    {
        clock.Restart();
        await host.ExecAsync(request, null, CancellationToken.None);
        samples[i] = clock.Elapsed.TotalMicroseconds;
    }
    await host.RemoveSessionAsync("bench", CancellationToken.None);
    return (samples, session.Sandbox);
}

static (double[] Samples, double[] Floor) CmdletRoundTrip(string dataDirectory, string workspace, SandboxKind sandbox, int iterations)
{
    var state = InitialSessionState.CreateDefault2();
    state.EnvironmentVariables.Add(new SessionStateVariableEntry("KAI_DATA_DIR", dataDirectory, null));
    using var runspace = RunspaceFactory.CreateRunspace(state);
    runspace.Open();
    using var ps = PS.Create();
    ps.Runspace = runspace;
    ps.AddScript("""
        param($Manifest, $Workspace, $Sandbox, $Iterations)
        $ErrorActionPreference = 'Stop'
        Import-Module $Manifest
        $null = Start-KaiSession -Name bench -Workspace $Workspace -Sandbox $Sandbox
        foreach ($i in 1..[Math]::Min(200, $Iterations)) { $null = Invoke-KaiShell -Session bench -Command 'echo x' }
        $samples = [double[]]::new($Iterations)
        $clock = [System.Diagnostics.Stopwatch]::new()
        for ($i = 0; $i -lt $Iterations; $i++) {
            $clock.Restart()
            $result = Invoke-KaiShell -Session bench -Command 'echo x'
            $samples[$i] = $clock.Elapsed.TotalMicroseconds
            if ($result.Output -ne "x`n") { throw "unexpected output: $($result.Output)" }
        }
        # The floor: what invoking any compiled cmdlet costs in this engine (Get-Job, a core one; there are no jobs).
        $floor = [double[]]::new($Iterations)
        for ($i = 0; $i -lt $Iterations; $i++) {
            $clock.Restart()
            $null = Get-Job
            $floor[$i] = $clock.Elapsed.TotalMicroseconds
        }
        Remove-KaiSession -Session bench -Confirm:$false
        , $samples
        , $floor
        """)
        .AddArgument(Path.Combine(RepositoryRoot(), "artifacts", "Kai", "Kai.psd1"))
        .AddArgument(workspace)
        .AddArgument(sandbox.ToString())
        .AddArgument(iterations);
    var output = ps.Invoke();
    if (ps.HadErrors) throw new InvalidOperationException(string.Join("\n", ps.Streams.Error));
    return ((double[])output[0].BaseObject, (double[])output[1].BaseObject);
}

static void Print(string label, double[] samples, double[]? baseline)
{
    var p50 = Percentile(samples, 0.50);
    var p99 = Percentile(samples, 0.99);
    var ratio = baseline is null ? "" : string.Create(CultureInfo.InvariantCulture, $"   {p50 / Percentile(baseline, 0.50):0.00}x engine p50");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {label,-32} p50 {p50,8:0.0} us   p99 {p99,8:0.0} us{ratio}"));
}

static double Percentile(double[] samples, double quantile)
{
    var sorted = samples.Order().ToArray();
    return sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
}

static string RepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "Kai.sln"))) return dir.FullName;
    throw new InvalidOperationException("Kai.sln not found above " + AppContext.BaseDirectory);
}

static int IntArgument(string name, int fallback) =>
    int.TryParse(StringArgument(name, ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;

static string StringArgument(string name, string fallback)
{
    var args = Environment.GetCommandLineArgs();
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}
