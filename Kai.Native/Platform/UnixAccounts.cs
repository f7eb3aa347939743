using System.Runtime.InteropServices;

namespace Kai.Native.Platform;

public sealed record UnixUser(string Name, uint Uid, uint Gid, string Home, string Shell);

public sealed record UnixGroup(string Name, uint Gid);

/// <summary>User and group look-ups through NSS (getpwnam_r and friends), so LDAP/SSSD users count too.</summary>
public static class UnixAccounts
{
    public static uint EffectiveUserId => Interop.GetEUid();
    public static uint EffectiveGroupId => Interop.GetEGid();
    public static bool IsRoot => EffectiveUserId == 0;

    public static UnixUser? FindUser(string name) => LookupUser(name, 0, byName: true);
    public static UnixUser? FindUser(uint uid) => LookupUser(null, uid, byName: false);
    public static UnixGroup? FindGroup(string name) => LookupGroup(name, 0, byName: true);
    public static UnixGroup? FindGroup(uint gid) => LookupGroup(null, gid, byName: false);

    /// <summary>The name of the account running this process (falls back to the uid as text).</summary>
    public static string CurrentUserName => FindUser(EffectiveUserId)?.Name ?? EffectiveUserId.ToString();

    /// <summary>Every group <paramref name="user"/> belongs to (primary and supplementary), through NSS.</summary>
    public static unsafe IReadOnlySet<uint> GroupIds(UnixUser user)
    {
        var count = 64;
        while (count <= 1 << 16)
        {
            var buffer = new uint[count];
            var n = count;
            fixed (uint* groups = buffer)
            {
                if (Interop.GetGroupList(user.Name, user.Gid, groups, &n) >= 0)
                    return buffer.Take(n).ToHashSet();
            }
            count = Math.Max(n, count * 2);
        }
        return new HashSet<uint> { user.Gid };
    }

    public static string UserName(uint uid) => FindUser(uid)?.Name ?? uid.ToString();
    public static string GroupName(uint gid) => FindGroup(gid)?.Name ?? gid.ToString();

    private static unsafe UnixUser? LookupUser(string? name, uint uid, bool byName)
    {
        byte* pwd = stackalloc byte[128];
        for (var size = 1024; size <= 1 << 20; size *= 4)
        {
            var buffer = new byte[size];
            fixed (byte* buf = buffer)
            {
                byte* result = null;
                var rc = byName
                    ? Interop.GetPwNamR(name!, pwd, buf, (nuint)size, &result)
                    : Interop.GetPwUidR(uid, pwd, buf, (nuint)size, &result);
                if (rc == Errno.ERANGE) continue;
                if (rc != 0 || result == null) return null;
                return ReadPasswd(pwd);
            }
        }
        return null;
    }

    private static unsafe UnixUser ReadPasswd(byte* pwd)
    {
        // struct passwd: Linux {name, passwd, uid, gid, gecos, dir, shell};
        // macOS {name, passwd, uid, gid, change, class, gecos, dir, shell, expire}.
        var p = (nint*)pwd;
        var name = Marshal.PtrToStringUTF8(p[0]) ?? "";
        var ids = (uint*)(pwd + 2 * IntPtr.Size);
        var (dirIndex, shellIndex) = OperatingSystem.IsMacOS() ? (6, 7) : (4, 5);
        var home = Marshal.PtrToStringUTF8(p[dirIndex]) ?? "";
        var shell = Marshal.PtrToStringUTF8(p[shellIndex]) ?? "";
        return new UnixUser(name, ids[0], ids[1], home, shell);
    }

    private static unsafe UnixGroup? LookupGroup(string? name, uint gid, bool byName)
    {
        byte* grp = stackalloc byte[64];
        for (var size = 1024; size <= 1 << 22; size *= 4)
        {
            var buffer = new byte[size];
            fixed (byte* buf = buffer)
            {
                byte* result = null;
                var rc = byName
                    ? Interop.GetGrNamR(name!, grp, buf, (nuint)size, &result)
                    : Interop.GetGrGidR(gid, grp, buf, (nuint)size, &result);
                if (rc == Errno.ERANGE) continue;
                if (rc != 0 || result == null) return null;
                // struct group {name, passwd, gid, mem} on both platforms.
                var p = (nint*)grp;
                var groupName = Marshal.PtrToStringUTF8(p[0]) ?? "";
                var id = *(uint*)(grp + 2 * IntPtr.Size);
                return new UnixGroup(groupName, id);
            }
        }
        return null;
    }
}
