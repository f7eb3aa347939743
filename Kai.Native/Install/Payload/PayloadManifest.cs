using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kai.Native.IO;

namespace Kai.Native.Install;

/// <summary>One file of a payload: relative path (forward slashes), content hash, size and mode.</summary>
public sealed record PayloadFile(string Path, string Sha256, long Size, string Mode);

/// <summary>
/// What the installer put into a tree (.kai-manifest.json beside it). Only paths listed here are ever
/// replaced or removed, so anything else in the tree (home/, an admin's own files) is never touched.
/// </summary>
public sealed record PayloadManifest
{
    public int SchemaVersion { get; init; } = 1;
    public string Version { get; init; } = "0.0.0";
    public IReadOnlyList<string> Directories { get; init; } = Array.Empty<string>();
    public IReadOnlyList<PayloadFile> Files { get; init; } = Array.Empty<PayloadFile>();

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Files present in either manifest, directories too: written before copying so a run killed half-way still knows what it owns.</summary>
    public PayloadManifest Union(PayloadManifest other) => this with
    {
        Directories = Directories.Union(other.Directories, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
        Files = Files.Concat(other.Files.Where(f => Files.All(m => m.Path != f.Path))).OrderBy(f => f.Path, StringComparer.Ordinal).ToList(),
    };

    public bool SameContentAs(PayloadManifest other) =>
        Version == other.Version
        && Directories.SequenceEqual(other.Directories, StringComparer.Ordinal)
        && Files.SequenceEqual(other.Files);

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions) + "\n";

    /// <summary>The manifest at <paramref name="path"/>, or null when absent or unreadable (treated as "nothing installed by us").</summary>
    public static PayloadManifest? TryLoad(string path)
    {
        try
        {
            if (!File.Exists(path)) return null;
            return JsonSerializer.Deserialize<PayloadManifest>(File.ReadAllText(path), JsonOptions);
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }

    public void Save(string path, FileOwner? owner) =>
        AtomicFile.WriteAllText(path, ToJson(), (UnixFileMode)0b110_100_100, owner is null ? null : (owner.Uid, owner.Gid));

    /// <summary>Inventory of <paramref name="sourceDirectory"/>: every regular file the filter lets through, hashed.</summary>
    public static PayloadManifest FromDirectory(string sourceDirectory, string version, bool topLevelRules, Action<string>? skipped = null)
    {
        var directories = new List<string>();
        var files = new List<PayloadFile>();
        Walk(sourceDirectory, "");
        return new PayloadManifest
        {
            Version = version,
            Directories = directories.Order(StringComparer.Ordinal).ToList(),
            Files = files.OrderBy(f => f.Path, StringComparer.Ordinal).ToList(),
        };

        void Walk(string directory, string relative)
        {
            foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                var rel = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
                var isDirectory = entry is DirectoryInfo;
                if (PayloadFilter.IsExcluded(rel, isDirectory, topLevelRules)) continue;
                if (entry.LinkTarget is not null)
                {
                    skipped?.Invoke($"{rel}: symbolic link, not copied");
                    continue;
                }
                if (isDirectory)
                {
                    directories.Add(rel);
                    Walk(entry.FullName, rel);
                }
                else if (entry is FileInfo file)
                {
                    files.Add(new PayloadFile(rel, HashFile(file.FullName), file.Length, ModeFor(file.FullName)));
                }
            }
        }
    }

    /// <summary>Installed files are root-owned, 0755 when the source was executable, else 0644.</summary>
    public static string ModeFor(string sourceFile) =>
        (File.GetUnixFileMode(sourceFile) & UnixFileMode.UserExecute) != 0 ? "0755" : "0644";

    public static string HashFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }
}
