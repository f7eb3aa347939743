using Kai.Native.Platform;

namespace Kai.Native.Install;

/// <summary>An owner:group pair, by name (as the seed's layout shows it) and by id (what chown needs).</summary>
public sealed record FileOwner(string User, string Group, uint Uid, uint Gid)
{
    public static FileOwner Root { get; } = new("root", OperatingSystem.IsMacOS() ? "wheel" : "root", 0, 0);

    public static FileOwner Of(UnixUser user) => new(user.Name, UnixAccounts.GroupName(user.Gid), user.Uid, user.Gid);

    public bool Matches(UnixFileStatus status) => status.Uid == Uid && status.Gid == Gid;

    public override string ToString() => $"{User}:{Group}";
}
