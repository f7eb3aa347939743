using Kai.Native.Platform;

namespace Kai.Native.Sandbox;

/// <summary>
/// Who a sandboxed process is. Run by root, bubblewrap maps the caller to an unprivileged uid inside the
/// sandbox (<see cref="RootMappedUid"/>), so tools do not believe they are root; run by anyone else, the
/// caller keeps its own uid. Either way it has no capabilities and cannot gain any (no_new_privs, nosuid).
/// </summary>
public sealed record SandboxIdentity(uint Uid, uint Gid, string UserName)
{
    public const uint RootMappedUid = 1000;
    public const uint RootMappedGid = 1000;

    public static SandboxIdentity ForHostUser(uint hostUid, uint hostGid)
    {
        if (hostUid == 0 && OperatingSystem.IsLinux())
            return new SandboxIdentity(RootMappedUid, RootMappedGid, UnixAccounts.FindUser(RootMappedUid)?.Name ?? "kai");
        return new SandboxIdentity(hostUid, hostGid, UnixAccounts.FindUser(hostUid)?.Name ?? hostUid.ToString());
    }

    public static SandboxIdentity Current => ForHostUser(UnixAccounts.EffectiveUserId, UnixAccounts.EffectiveGroupId);
}
