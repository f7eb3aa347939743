using System.Collections.Concurrent;

namespace Kai.Service.Api;

/// <summary>
/// Per-client brake on failed authentication: after <see cref="Threshold"/> failures within <see cref="Window"/>
/// the client is locked out (429 + Retry-After), 30 s the first time, doubling up to 15 minutes. A success
/// clears the record. Clients are keyed by remote address (TCP) or peer uid (Unix socket).
/// </summary>
public sealed class AuthThrottle(Func<DateTimeOffset>? clock = null)
{
    public const int Threshold = 5;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan FirstLockout = TimeSpan.FromSeconds(30), MaxLockout = TimeSpan.FromMinutes(15);
    private readonly Func<DateTimeOffset> _clock = clock ?? (() => DateTimeOffset.UtcNow);
    private readonly ConcurrentDictionary<string, Record> _clients = new(StringComparer.Ordinal);

    /// <summary>How long <paramref name="client"/> must still wait, or null when it may try.</summary>
    public TimeSpan? LockedFor(string client)
    {
        if (!_clients.TryGetValue(client, out var record)) return null;
        lock (record)
        {
            var left = record.LockedUntil - _clock();
            return left > TimeSpan.Zero ? left : null;
        }
    }

    /// <summary>Counts a failure; returns the lockout it triggered (null while under the threshold).</summary>
    public TimeSpan? Fail(string client)
    {
        var now = _clock();
        if (_clients.Count > MaxClients) Prune(now);
        var record = _clients.GetOrAdd(client, _ => new Record());
        lock (record)
        {
            record.Failures.Enqueue(now);
            while (record.Failures.Count > 0 && now - record.Failures.Peek() > Window) record.Failures.Dequeue();
            if (record.Failures.Count < Threshold) return null;
            record.Failures.Clear();
            var lockout = TimeSpan.FromTicks(Math.Min(MaxLockout.Ticks, FirstLockout.Ticks << Math.Min(record.Lockouts, 10)));
            record.Lockouts++;
            record.LockedUntil = now + lockout;
            return lockout;
        }
    }

    public void Succeed(string client) => _clients.TryRemove(client, out _);

    /// <summary>Bounded memory under a spray of addresses: forget clients that are neither locked nor recently failing.</summary>
    private const int MaxClients = 10_000;

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, record) in _clients)
        {
            lock (record)
            {
                var recent = record.Failures.Count > 0 && now - record.Failures.Peek() <= Window;
                if (record.LockedUntil <= now && !recent) _clients.TryRemove(key, out _);
            }
        }
    }

    private sealed class Record
    {
        public Queue<DateTimeOffset> Failures { get; } = new();
        public DateTimeOffset LockedUntil { get; set; }
        public int Lockouts { get; set; }
    }
}
