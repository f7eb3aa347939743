using Kai.Native.Platform;

namespace Kai.Native.IO;

/// <summary>
/// Writes a file so that readers see either the old content or the new, never half of it:
/// a temp file beside the target, created with its final mode (so a secret is never briefly
/// world-readable), fsync'd, renamed over the target, then the directory fsync'd.
/// </summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string contents, UnixFileMode mode, (uint Uid, uint Gid)? owner = null) =>
        WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(contents), mode, owner);

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> contents, UnixFileMode mode, (uint Uid, uint Gid)? owner = null)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no directory.", nameof(path));
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = mode,
            };
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(contents);
                stream.Flush(flushToDisk: true);
            }
            // The umask may have narrowed the create mode; set it exactly.
            File.SetUnixFileMode(temp, mode);
            if (owner is { } o) UnixFiles.Chown(temp, o.Uid, o.Gid);
            File.Move(temp, full, overwrite: true);
            UnixFiles.FSyncDirectory(directory);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
