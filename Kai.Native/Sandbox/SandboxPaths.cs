using Kai.Native.Platform;

namespace Kai.Native.Sandbox;

/// <summary>Path arithmetic for policies: lexical normalisation, symlink resolution, ancestry and depth.</summary>
public static class SandboxPaths
{
    /// <summary>An absolute path with `.`/`..` and repeated or trailing slashes removed (no file system access).</summary>
    public static string Normalize(string path)
    {
        if (!path.StartsWith('/')) throw new ArgumentException($"'{path}' is not an absolute path.", nameof(path));
        var parts = new List<string>();
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                if (parts.Count > 0) parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        return "/" + string.Join('/', parts);
    }

    /// <summary>
    /// Every symlink resolved, like realpath(3), also for a path whose tail does not exist yet: the
    /// longest existing prefix is resolved and the missing components are appended.
    /// </summary>
    public static string Resolve(string path)
    {
        var normalized = Normalize(path);
        var resolved = Interop.RealPath(normalized, out _);
        if (resolved is not null) return resolved;
        var parent = Parent(normalized);
        if (parent is null) return normalized;
        return Join(Resolve(parent), Name(normalized));
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="root"/> or lies beneath it (both normalised).</summary>
    public static bool IsSameOrUnder(string path, string root) =>
        root == "/" || path == root || (path.Length > root.Length && path.StartsWith(root, StringComparison.Ordinal) && path[root.Length] == '/');

    public static bool IsStrictlyUnder(string path, string root) => path != root && IsSameOrUnder(path, root);

    /// <summary>Number of components: "/" is 0, "/a/b" is 2.</summary>
    public static int Depth(string path) => path == "/" ? 0 : path.Count(c => c == '/');

    public static string? Parent(string path)
    {
        if (path == "/") return null;
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    public static string Name(string path) => path[(path.LastIndexOf('/') + 1)..];

    public static string Join(string directory, string name) => directory == "/" ? "/" + name : directory + "/" + name;

    /// <summary>What is at <paramref name="path"/> (not following a final symlink).</summary>
    internal static PathKind KindOf(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists && !Directory.Exists(path) && info.LinkTarget is null) return PathKind.Missing;
            if (info.LinkTarget is not null) return PathKind.Symlink;
            return (info.Attributes & FileAttributes.Directory) != 0 ? PathKind.Directory : PathKind.File;
        }
        catch (IOException)
        {
            return PathKind.Missing;
        }
        catch (UnauthorizedAccessException)
        {
            return PathKind.Missing;
        }
    }
}

internal enum PathKind { Missing, File, Directory, Symlink }
