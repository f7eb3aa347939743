using System.Text;
using Kai.Native.Platform;
using Kai.Native.Sandbox;

namespace Kai.Native.Sessions;

/// <summary>
/// Checks, inside a long-lived session sandbox and before every command, that the mounts hiding or protecting
/// host paths are still in place. Mounts attach to dentries: when the host replaces a hidden file by renaming
/// another over it (useradd rewriting /etc/shadow, an editor saving .env, git rewriting ~/.git-credentials), or
/// removes and recreates a hidden directory, Linux (3.18 and later) detaches the mount in every other mount
/// namespace — and the sandbox would see the new, real file. Each check is one test builtin (one stat or access
/// call, no process), all in one <c>[[ … ]]</c> in the shell's read loop (<see cref="ShellFraming.PreludeFor"/>):
/// <list type="bullet">
/// <item>a hidden file is /dev/null bound over it: still a character device (<c>-c</c>), or nothing the sandbox can see is there;</item>
/// <item>a hidden directory is a tmpfs created with the setuid bit as a marker (<see cref="BubblewrapArguments.HiddenDirectoryMode"/>),
/// which no host directory has (<c>-u</c>), or nothing the sandbox can see is there;</item>
/// <item>a write-protected file or directory in a writable place is a read-only bind: still not writable (<c>! -w</c>, EROFS).</item>
/// </list>
/// A path that did not exist when the sandbox started has no mount and nothing to check (a new sandbox's plan
/// hides it). Mounts that grant access (writable, scratch, re-allowed read-only) are not checked: losing one
/// takes access away, it does not reveal anything hidden. When a check fails, the command does not run: the
/// loop reports status <see cref="FirstFailureStatus"/> + the index of the first failing check (a real status
/// is at most 255) and the engine rebuilds the sandbox.
/// </summary>
internal sealed class SandboxIntegrity
{
    /// <summary>Status of "check 0 failed"; check i reports this + i.</summary>
    public const int FirstFailureStatus = 256;

    private readonly List<(string Test, string Path)> _checks;

    private SandboxIntegrity(List<(string Test, string Path)> checks) => _checks = checks;

    public int Count => _checks.Count;

    /// <summary>The checks for a sandbox built with <paramref name="mounts"/>; null when there is nothing to check.</summary>
    public static SandboxIntegrity? For(IReadOnlyList<SandboxMount> mounts)
    {
        var checks = new List<(string, string)>();
        foreach (var mount in mounts)
        {
            switch (mount.Kind)
            {
                case SandboxMountKind.HiddenFile:
                    checks.Add(Hidden("-c", mount.Path));
                    break;
                case SandboxMountKind.HiddenDirectory:
                    checks.Add(Hidden("-u", mount.Path));
                    break;
                case SandboxMountKind.WriteProtected when IsFileOrDirectory(mount.Path):
                    // Devices, pipes and sockets stay writable on a read-only mount: nothing to tell from inside.
                    checks.Add(("! -w " + ShellFraming.Quote(mount.Path), mount.Path));
                    break;
            }
        }
        return checks.Count == 0 ? null : new SandboxIntegrity(checks);
    }

    /// <summary>
    /// Still hidden: our mount is there (one stat), or there is nothing the sandbox could see — the path is gone
    /// (removed on the host: a new file there is caught by the next check) or out of its reach (an ancestor it
    /// cannot search). Only a real file or directory in its view fails.
    /// </summary>
    private static (string Test, string Path) Hidden(string ours, string path)
    {
        var quoted = ShellFraming.Quote(path);
        return ($"( {ours} {quoted} || ! -e {quoted} )", path);
    }

    /// <summary>The condition that holds while every mount is in place: <c>( -c '/etc/shadow' || ! -e '/etc/shadow' ) &amp;&amp; …</c>.</summary>
    public string Condition => string.Join(" && ", _checks.Select(c => c.Test));

    /// <summary>Run only when <see cref="Condition"/> failed: sets <c>__kai_x</c> to the status naming the first failing check.</summary>
    public string FailureScript
    {
        get
        {
            var script = new StringBuilder("__kai_x=; ");
            for (var i = 0; i < _checks.Count; i++)
                script.Append("[[ ").Append(_checks[i].Test).Append(" ]] || __kai_x=${__kai_x:-")
                    .Append(FirstFailureStatus + i).Append("}; ");
            // Changed back between the two looks: still not to be trusted.
            script.Append("__kai_x=${__kai_x:-").Append(FirstFailureStatus).Append('}');
            return script.ToString();
        }
    }

    /// <summary>The path whose mount is gone, when <paramref name="status"/> is a failed check's; null for a command's own status.</summary>
    public string? FailedPath(int? status) =>
        status is { } value && value >= FirstFailureStatus && value - FirstFailureStatus < _checks.Count ? _checks[value - FirstFailureStatus].Path : null;

    private static bool IsFileOrDirectory(string path)
    {
        try
        {
            var type = Interop.LStat(path).Mode & 0xF000;
            return type is 0x8000 or 0x4000;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
