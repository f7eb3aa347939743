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
        var bytes = contents.ToArray();
        Write(path, stream => stream.Write(bytes), mode, owner);
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="path"/> atomically, streaming (large files are fine).</summary>
    public static void Copy(string source, string path, UnixFileMode mode, (uint Uid, uint Gid)? owner = null)
    {
        Write(path, stream =>
        {
            using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            input.CopyTo(stream, 1 << 16);
        }, mode, owner);
    }

    /// <summary>
    /// The general form: <paramref name="writeContent"/> fills the temp file; <paramref name="validate"/>, when given,
    /// sees the finished temp file (its path) before the rename and throws to refuse it: the target is then untouched.
    /// </summary>
    public static void Write(string path, Action<Stream> writeContent, UnixFileMode mode, (uint Uid, uint Gid)? owner = null, Action<string>? validate = null)
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
                writeContent(stream);
                stream.Flush(flushToDisk: true);
            }
            // The umask may have narrowed the create mode; set it exactly.
            File.SetUnixFileMode(temp, mode);
            if (owner is { } o) UnixFiles.Chown(temp, o.Uid, o.Gid);
            validate?.Invoke(temp);
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
