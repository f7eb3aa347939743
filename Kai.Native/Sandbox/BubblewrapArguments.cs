using System.Globalization;

namespace Kai.Native.Sandbox;

/// <summary>
/// Renders a resolved policy as bwrap 0.8 arguments (only options Debian 12's bubblewrap has). Pure: no file
/// system access, so the exact argument list is unit-tested.
/// </summary>
internal static class BubblewrapArguments
{
    public const string Hostname = "kai-sandbox";
    /// <summary>Mode of the tmpfs that hides a directory: 0755 plus the setuid bit as a marker.</summary>
    public const string HiddenDirectoryMode = "4755";

    /// <summary>Namespaces, privileges and process hygiene, the same for every sandbox.</summary>
    public static IEnumerable<string> Isolation(uint hostUid, bool network)
    {
        // --unshare-all tries the user namespace; --unshare-user insists on it (fail closed, never a silent skip).
        yield return "--unshare-all";
        yield return "--unshare-user";
        if (network) yield return "--share-net";
        // No nested user namespaces: they would hand the sandbox capabilities over its own mounts again.
        yield return "--disable-userns";
        yield return "--die-with-parent";
        // A new session: no TIOCSTI into the caller's terminal.
        yield return "--new-session";
        yield return "--cap-drop";
        yield return "ALL";
        if (hostUid == 0)
        {
            // Run by root, appear as an unprivileged user (root's files then show as owned by it: the deny list
            // is what keeps them hidden, and the preflight proves it).
            yield return "--uid";
            yield return SandboxIdentity.RootMappedUid.ToString(CultureInfo.InvariantCulture);
            yield return "--gid";
            yield return SandboxIdentity.RootMappedGid.ToString(CultureInfo.InvariantCulture);
        }
        yield return "--hostname";
        yield return Hostname;
    }

    public static List<string> Render(
        SandboxPolicy policy,
        SandboxMountPlan plan,
        IReadOnlyDictionary<string, string> environment,
        string workingDirectory,
        IReadOnlyList<string> command,
        uint hostUid,
        long scratchSizeBytes)
    {
        var args = new List<string>(Isolation(hostUid, policy.Network));
        args.Add("--clearenv");
        foreach (var (name, value) in environment)
        {
            args.Add("--setenv");
            args.Add(name);
            args.Add(value);
        }

        // The host, read-only; fresh /dev and /proc; the kernel's knobs read-only even for a caller that is root.
        args.AddRange(new[] { "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--ro-bind", "/proc/sys", "/proc/sys" });

        var remountReadOnly = new List<string>();
        foreach (var mount in plan.Mounts)
        {
            switch (mount.Kind)
            {
                case SandboxMountKind.Scratch:
                    args.AddRange(new[] { "--perms", "1777", "--size", scratchSizeBytes.ToString(CultureInfo.InvariantCulture), "--tmpfs", mount.Path });
                    break;
                case SandboxMountKind.Writable:
                    args.AddRange(new[] { "--bind", mount.Path, mount.Path });
                    break;
                case SandboxMountKind.ReadOnly:
                case SandboxMountKind.WriteProtected:
                    args.AddRange(new[] { "--ro-bind", mount.Path, mount.Path });
                    break;
                case SandboxMountKind.HiddenDirectory:
                    // Small: it only ever holds the mount points of paths re-allowed beneath it. The setuid bit (meaningless
                    // on a directory, and never set on a host one) marks it as ours: a session shell checks it with one
                    // stat before every command (`[[ -u dir ]]`), to notice the host removing or replacing the directory,
                    // which detaches this mount (see SandboxIntegrity).
                    args.AddRange(new[] { "--perms", HiddenDirectoryMode, "--size", "65536", "--tmpfs", mount.Path });
                    remountReadOnly.Add(mount.Path);
                    break;
                case SandboxMountKind.HiddenFile:
                    args.AddRange(new[] { "--ro-bind", "/dev/null", mount.Path });
                    break;
            }
        }
        // Only after everything beneath them is mounted (bwrap creates mount points inside them).
        foreach (var path in remountReadOnly)
        {
            args.Add("--remount-ro");
            args.Add(path);
        }

        args.Add("--chdir");
        args.Add(workingDirectory);
        args.Add("--");
        args.AddRange(command);
        return args;
    }
}
