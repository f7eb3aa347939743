using Kai.Native.Platform;

namespace Kai.Native.Install;

/// <summary>Shared checks of what is on disk against an owner and a mode.</summary>
internal static class PathState
{
    public static UnixFileMode Mode(string octal) => UnixFiles.ParseOctal(octal);

    /// <summary>Null when <paramref name="status"/> has <paramref name="owner"/> (when enforced) and <paramref name="mode"/>; else what differs.</summary>
    public static string? Difference(UnixFileStatus status, FileOwner owner, UnixFileMode mode, bool enforceOwner)
    {
        var problems = new List<string>();
        if (enforceOwner && !owner.Matches(status)) problems.Add($"owner {status.Owner}:{status.Group}, wants {owner}");
        if (status.Mode != mode) problems.Add($"mode {status.OctalMode}, wants {UnixFiles.ToOctal(mode)}");
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    public static void SetOwnerAndMode(string path, FileOwner owner, UnixFileMode mode, bool enforceOwner)
    {
        if (enforceOwner) UnixFiles.Chown(path, owner.Uid, owner.Gid);
        UnixFiles.SetMode(path, mode);
    }

    public static bool IsSymlink(string path) => new FileInfo(path).LinkTarget is not null;

    /// <summary>Creates missing parent directories of <paramref name="path"/> (root-owned when enforced) with <paramref name="mode"/>.</summary>
    public static void EnsureParent(string path, UnixFileMode mode, FileOwner owner, bool enforceOwner)
    {
        var parent = Path.GetDirectoryName(path);
        if (parent is null || Directory.Exists(parent)) return;
        EnsureParent(parent, (UnixFileMode)0b111_101_101, FileOwner.Root, enforceOwner);
        Directory.CreateDirectory(parent, mode);
        SetOwnerAndMode(parent, owner, mode, enforceOwner);
    }

    /// <summary>A planted symlink must never redirect a root-run write.</summary>
    public static void RefuseSymlink(string path)
    {
        if (IsSymlink(path))
            throw new KaiException("UnsafePath", KaiErrorKind.SecurityError, $"'{path}' is a symbolic link; the installer will not write through it. Remove it and re-run.", path);
    }
}
