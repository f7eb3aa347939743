using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kai.Native.IO;

namespace Kai.Native.Sandbox;

/// <summary>
/// Passing preflights, kept 24 h keyed on (backend, sha256 of the backend binary, policy hash, probe set) in a small JSON
/// file in the data directory, written atomically. A failing preflight is never cached: every start re-probes
/// until the cause is fixed.
/// </summary>
internal sealed class SandboxPreflightCache(string file, TimeSpan lifetime)
{
    public const string FileName = "sandbox-preflight.json";
    private const int DocumentVersion = 2;
    private static readonly object s_gate = new();

    private sealed record Entry(string Backend, string BinarySha256, string PolicyHash, string ProbeSet, DateTimeOffset CheckedAt, List<SandboxProbeResult> Results);

    private sealed record Document(int Version, List<Entry> Entries);

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    public string File { get; } = file;

    public SandboxPreflightReport? TryGet(string backend, string binarySha256, string policyHash, DateTimeOffset now)
    {
        lock (s_gate)
        {
            var entry = Read().Entries.FirstOrDefault(e => e.Backend == backend && e.BinarySha256 == binarySha256 && e.PolicyHash == policyHash && e.ProbeSet == SandboxProbes.ProbeSet);
            if (entry is null || now - entry.CheckedAt > lifetime || entry.CheckedAt > now + TimeSpan.FromMinutes(5)) return null;
            return new SandboxPreflightReport(entry.Backend, entry.BinarySha256, entry.PolicyHash, entry.CheckedAt, FromCache: true, entry.Results);
        }
    }

    public void Store(SandboxPreflightReport report)
    {
        if (!report.IsSafe) return;
        lock (s_gate)
        {
            var document = Read();
            var entries = document.Entries
                .Where(e => report.CheckedAt - e.CheckedAt <= lifetime)
                .Where(e => !(e.Backend == report.Backend && e.BinarySha256 == report.BinarySha256 && e.PolicyHash == report.PolicyHash))
                .Append(new Entry(report.Backend, report.BinarySha256, report.PolicyHash, SandboxProbes.ProbeSet, report.CheckedAt, report.Results.ToList()))
                .OrderByDescending(e => e.CheckedAt)
                .Take(64)
                .ToList();
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(File)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                AtomicFile.WriteAllText(File, JsonSerializer.Serialize(new Document(DocumentVersion, entries), s_json), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A cache that cannot be written only costs a re-probe next time.
            }
        }
    }

    private Document Read()
    {
        try
        {
            if (!System.IO.File.Exists(File)) return new Document(DocumentVersion, new List<Entry>());
            return JsonSerializer.Deserialize<Document>(System.IO.File.ReadAllText(File), s_json) is { Version: DocumentVersion, Entries: not null } document
                ? document
                : new Document(DocumentVersion, new List<Entry>());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            return new Document(DocumentVersion, new List<Entry>());
        }
    }

    /// <summary>sha256 of a file, remembered per (path, size, mtime).</summary>
    public static string Sha256Of(string path)
    {
        var info = new FileInfo(path);
        var key = (path, info.Length, info.LastWriteTimeUtc);
        lock (s_hashes)
        {
            if (s_hashes.TryGetValue(key, out var known)) return known;
        }
        using var stream = System.IO.File.OpenRead(path);
        var hash = Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
        lock (s_hashes) s_hashes[key] = hash;
        return hash;
    }

    private static readonly Dictionary<(string, long, DateTime), string> s_hashes = new();
}
