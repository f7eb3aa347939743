using System.Globalization;
using Kai.Native;
using Kai.Native.Sandbox;
using Kai.Native.Service;
using Kai.Native.Sessions;
using Kai.Native.Store;
using Kai.Bench.Service;

// Load and fault bench for `kai serve`, loopback only, bounded in count and time.
//   dotnet bench/Kai.Bench.Service/bin/Release/net10.0/Kai.Bench.Service.dll [--clients 50] [--commands 200] [--sessions 20] [--sandbox auto|none] [--no-baseline] [--no-kill]
var options = Options.Parse(args);
var root = Directory.CreateTempSubdirectory("kai-bench-service-").FullName;
var failures = new List<string>();
try
{
    Console.WriteLine($"Kai service bench: {options.Clients} clients x {options.Commands} commands over {options.Sessions} sessions (sandbox {options.Sandbox}), loopback Unix socket");
    var sessions = Enumerable.Range(0, options.Sessions).Select(i => $"load-{i:D2}").ToList();

    // 1. The load against a real `kai serve`.
    using var serve = new ServeProcess(Path.Combine(root, "service"), "rules:\n  - id: bench-hold\n    pattern: '^hold-me'\n");
    await serve.StartAsync(new Dictionary<string, string>());
    var clients = Enumerable.Range(0, options.Clients).Select(_ => ServiceSessionHost.ForSocket(serve.SocketPath, null, "kai-bench")).ToArray();
    await StartSessionsAsync(clients[0], sessions, serve.Workspace, options.Sandbox);
    var load = await Workload.RunAsync(1, i => clients[i], sessions, options.Clients, options.Commands);
    Report("service", load);
    failures.AddRange(load.Problems.Take(5));
    if (load.Acknowledged != load.Commands) failures.Add($"service: {load.Commands - load.Acknowledged} command(s) not acknowledged");
    failures.AddRange(CheckTranscripts(serve.Database, sessions, load.AcknowledgedMarkers, inFlight: Array.Empty<string>(), interruptedFromAudit: Array.Empty<string>()));

    // 2. Baseline: the same load through the embedded host in this process (no HTTP, no service).
    if (options.Baseline)
    {
        // Same durability as the service (each answer after its row is committed), so the ratio is the service's own cost.
        await using var embedded = new EmbeddedSessionHost(new EmbeddedHostOptions { DataDirectory = Directory.CreateDirectory(Path.Combine(root, "embedded")).FullName, AcknowledgeAfterCommit = true });
        var ws = Directory.CreateDirectory(Path.Combine(root, "embedded-ws")).FullName;
        await StartSessionsAsync(embedded, sessions, ws, options.Sandbox);
        var baseline = await Workload.RunAsync(1, _ => embedded, sessions, options.Clients, options.Commands);
        Report("embedded (baseline)", baseline);
        Console.WriteLine($"  ratio service/embedded: throughput {load.Throughput / baseline.Throughput:0.00}x, p50 {load.Percentile(50) / baseline.Percentile(50):0.00}x, p99 {load.Percentile(99) / baseline.Percentile(99):0.00}x");
        foreach (var s in sessions) await embedded.RemoveSessionAsync(s, CancellationToken.None);
    }

    // 3. kill -9 during the load, restart: clean database, acknowledged commands all there, in-flight ones interrupted, approvals closed.
    if (options.Kill)
    {
        var held = new List<string>();
        for (var i = 0; i < 3; i++)
            held.Add((await clients[0].ExecAsync(new ExecRequest(sessions[i], $"hold-me {i}"), null, CancellationToken.None)).ApprovalId
                ?? throw new InvalidOperationException("the bench policy did not hold the command"));
        using var stop = new CancellationTokenSource();
        var killAfter = options.Clients * options.Commands / 4;
        var killing = Task.CompletedTask;
        var secondRound = await Workload.RunAsync(2, i => clients[i], sessions, options.Clients, options.Commands, stop.Token, acknowledged =>
        {
            if (acknowledged == killAfter)
            {
                stop.Cancel();
                killing = serve.KillAsync();
            }
        });
        await killing;
        Console.WriteLine($"kill -9 after {killAfter} acknowledged commands: {secondRound.Acknowledged} acknowledged, {secondRound.InFlightMarkers.Count} in flight");
        var integrity = KaiDatabase.IntegrityCheck(serve.Database);
        Console.WriteLine($"  integrity_check after kill: {integrity}");
        if (integrity != "ok") failures.Add("integrity_check: " + integrity);

        await serve.StartAsync(new Dictionary<string, string>());
        await using var after = ServiceSessionHost.ForSocket(serve.SocketPath, null, "kai-bench");
        var interrupted = (await after.GetAuditLogAsync(new AuditQuery(Kind: AuditKinds.CommandInterrupted), CancellationToken.None))
            .Select(e => e.Target ?? "").ToList();
        var all = load.AcknowledgedMarkers.Concat(secondRound.AcknowledgedMarkers).ToList();
        failures.AddRange(CheckTranscripts(serve.Database, sessions, all, secondRound.InFlightMarkers, interrupted));
        var approvals = await after.GetApprovalsAsync(new ApprovalQuery(), CancellationToken.None);
        var closed = approvals.Count(a => held.Contains(a.Id) && a.Status == ApprovalStatus.SessionClosed);
        Console.WriteLine($"  pending approvals closed on boot: {closed}/{held.Count}; commands marked interrupted: {interrupted.Count}");
        if (closed != held.Count) failures.Add($"only {closed} of {held.Count} pending approvals were closed");
        foreach (var s in sessions) await after.RemoveSessionAsync(s, CancellationToken.None);
    }
    else
    {
        foreach (var s in sessions) await clients[0].RemoveSessionAsync(s, CancellationToken.None);
    }
    foreach (var c in clients) await c.DisposeAsync();
    Console.WriteLine($"  stop: exit {await serve.StopAsync()}");
}
finally
{
    Directory.Delete(root, recursive: true);
}

Console.WriteLine(failures.Count == 0 ? "RESULT: ok (no lost, duplicated or crossed transcript rows)" : "RESULT: FAILED\n  " + string.Join("\n  ", failures));
return failures.Count == 0 ? 0 : 1;

static async Task StartSessionsAsync(ISessionHost host, IEnumerable<string> sessions, string workspace, SandboxKind sandbox)
{
    foreach (var s in sessions) await host.StartSessionAsync(new StartSessionRequest(s, workspace, Sandbox: sandbox), CancellationToken.None);
}

static void Report(string what, LoadReport r) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{what}: {r.Acknowledged}/{r.Commands} commands in {r.Elapsed.TotalSeconds:0.00} s = {r.Throughput:0.0} commands/s; latency p50 {r.Percentile(50):0.0} ms, p99 {r.Percentile(99):0.0} ms; wrong answers {r.Wrong}"));

// Every acknowledged marker exactly once, in its own session; in-flight ones either finished, marked interrupted, or audited as interrupted.
// Reads the engine's command rows straight from kai.db (the API's transcript returns only the latest rows of a session).
static List<string> CheckTranscripts(string database, IReadOnlyList<string> sessions, IReadOnlyList<string> acknowledged,
    IReadOnlyList<string> inFlight, IReadOnlyList<string> interruptedFromAudit)
{
    var problems = new List<string>();
    var seen = new Dictionary<string, List<CommandRecord>>();
    using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
    connection.Open();
    using var query = connection.CreateCommand();
    query.CommandText = "SELECT id, session, command, exit_code, interrupted FROM session_commands WHERE command LIKE 'echo m-%' ORDER BY id";
    using var reader = query.ExecuteReader();
    while (reader.Read())
    {
        var session = reader.GetString(1);
        var record = new CommandRecord(reader.GetInt64(0), session, default, reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetInt32(3), default, "", "", reader.GetInt64(4) != 0);
        var marker = record.Command[5..];
        if (!marker.EndsWith("-" + session, StringComparison.Ordinal)) problems.Add($"cross-talk: {marker} recorded in {session}");
        (seen.TryGetValue(marker, out var list) ? list : seen[marker] = new List<CommandRecord>()).Add(record);
    }
    var lost = acknowledged.Count(m => !seen.ContainsKey(m));
    var duplicated = seen.Count(kv => kv.Value.Count > 1);
    var ackedInterrupted = acknowledged.Count(m => seen.TryGetValue(m, out var r) && r.Any(x => x.Interrupted));
    bool Audited(string m) => interruptedFromAudit.Any(t => t.Contains(m, StringComparison.Ordinal));
    var finished = inFlight.Count(m => seen.TryGetValue(m, out var r) && r.All(x => x.ExitCode is not null && !x.Interrupted));
    var marked = inFlight.Count(m => (seen.TryGetValue(m, out var r) && r.Any(x => x.Interrupted)) || (!seen.ContainsKey(m) && Audited(m)));
    var neverStarted = inFlight.Count(m => !seen.ContainsKey(m) && !Audited(m));
    // A row the engine never closed (still "running" after the restart's recovery) is the failure that matters:
    // a request the service never received has no row and no flag, and was simply not run.
    using var stuck = connection.CreateCommand();
    stuck.CommandText = "SELECT count(*) FROM session_commands WHERE status = 'running' AND mode <> 'background'";
    var stillRunning = (long)stuck.ExecuteScalar()!;
    Console.WriteLine($"  transcripts: {seen.Count} rows checked; lost {lost}, duplicated {duplicated}, acknowledged-but-interrupted {ackedInterrupted}, left running {stillRunning}; " +
        $"in flight at the client {inFlight.Count}: {finished} finished (answer lost), {marked} marked interrupted, {neverStarted} never reached the engine");
    if (lost > 0) problems.Add($"{lost} acknowledged command(s) missing from the transcripts");
    if (duplicated > 0) problems.Add($"{duplicated} command(s) recorded more than once");
    if (ackedInterrupted > 0) problems.Add($"{ackedInterrupted} acknowledged command(s) marked interrupted");
    if (stillRunning > 0) problems.Add($"{stillRunning} command row(s) still 'running' after recovery");
    if (finished + marked + neverStarted != inFlight.Count) problems.Add("an in-flight command is in an unexpected state");
    return problems;
}

internal sealed record Options(int Clients, int Commands, int Sessions, SandboxKind Sandbox, bool Baseline, bool Kill)
{
    public static Options Parse(string[] args)
    {
        int Int(string name, int fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
        }
        var sandboxIndex = Array.IndexOf(args, "--sandbox");
        var sandbox = sandboxIndex >= 0 && sandboxIndex + 1 < args.Length && args[sandboxIndex + 1] == "none" ? SandboxKind.None : SandboxKind.Auto;
        return new Options(Int("--clients", 50), Int("--commands", 200), Int("--sessions", 20), sandbox, !args.Contains("--no-baseline"), !args.Contains("--no-kill"));
    }
}
