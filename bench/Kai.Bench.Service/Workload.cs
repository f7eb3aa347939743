using System.Collections.Concurrent;
using System.Diagnostics;
using Kai.Native;
using Kai.Native.Sessions;

namespace Kai.Bench.Service;

/// <summary>What one load run did: every command with its latency and whether its answer was its own.</summary>
internal sealed record LoadReport(int Commands, int Acknowledged, int Wrong, TimeSpan Elapsed, double[] LatenciesMs,
    IReadOnlyList<string> AcknowledgedMarkers, IReadOnlyList<string> InFlightMarkers, IReadOnlyList<string> Problems)
{
    public double Throughput => Acknowledged / Elapsed.TotalSeconds;
    public double Percentile(double p)
    {
        if (LatenciesMs.Length == 0) return double.NaN;
        var sorted = LatenciesMs.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>
/// N concurrent clients × M commands each, spread round-robin over S sessions. Each command echoes a marker
/// unique to (client, command, session); a result that is not exactly its own marker is cross-talk.
/// </summary>
internal static class Workload
{
    public static string Marker(int round, int client, int index, string session) => $"m-{round}-{client:D2}-{index:D4}-{session}";

    public static async Task<LoadReport> RunAsync(int round, Func<int, ISessionHost> clientFor, IReadOnlyList<string> sessions, int clients, int commandsPerClient,
        CancellationToken stopAfter = default, Action<int>? onAcknowledged = null)
    {
        var latencies = new ConcurrentBag<double>();
        var acknowledged = new ConcurrentBag<string>();
        var inFlight = new ConcurrentDictionary<string, byte>();
        var problems = new ConcurrentBag<string>();
        var wrong = 0;
        var acked = 0;
        var total = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            var host = clientFor(client);
            for (var i = 0; i < commandsPerClient && !stopAfter.IsCancellationRequested; i++)
            {
                var session = sessions[(client + i) % sessions.Count];
                var marker = Marker(round, client, i, session);
                inFlight[marker] = 0;
                var watch = Stopwatch.StartNew();
                try
                {
                    var result = await host.ExecAsync(new ExecRequest(session, "echo " + marker, Timeout: TimeSpan.FromSeconds(120)), null, CancellationToken.None);
                    latencies.Add(watch.Elapsed.TotalMilliseconds);
                    inFlight.TryRemove(marker, out _);
                    acknowledged.Add(marker);
                    var count = Interlocked.Increment(ref acked);
                    onAcknowledged?.Invoke(count);
                    if (result.Output != marker + "\n" || result.Session != session || result.ExitCode != 0)
                    {
                        Interlocked.Increment(ref wrong);
                        problems.Add($"{marker}: got session {result.Session}, exit {result.ExitCode}, output '{result.Output.Trim()}' {result.Error.Trim()}");
                    }
                }
                catch (KaiException ex) when (stopAfter.IsCancellationRequested)
                {
                    _ = ex; // the service was killed under us: this one stays in flight
                    return;
                }
                catch (Exception ex) when (stopAfter.IsCancellationRequested && ex is HttpRequestException or IOException)
                {
                    return;
                }
            }
        })).ToArray();
        try
        {
            await Task.WhenAll(workers);
        }
        catch (Exception ex)
        {
            problems.Add("worker failed: " + ex.Message);
        }
        total.Stop();
        return new LoadReport(clients * commandsPerClient, acked, wrong, total.Elapsed, latencies.ToArray(), acknowledged.ToList(), inFlight.Keys.ToList(), problems.ToList());
    }
}
