using Kai.Native.Platform;

namespace Kai.Native.Install;

/// <summary>A workspace the service user cannot reach, the directory in the way, and the exact fix.</summary>
public sealed record WorkspaceAccessProblem(string Workspace, string BlockingDirectory, string User, string Fix)
{
    public override string ToString() => BlockingDirectory == Workspace && Fix.StartsWith("mkdir", StringComparison.Ordinal)
        ? $"WARNING: {Workspace} does not exist (fix: {Fix})"
        : $"WARNING: {BlockingDirectory} lacks execute permission for {User}, so {Workspace} is unreachable (fix: {Fix})";
}

/// <summary>
/// The seed's traversal check: the service user needs search (x) permission on every directory from / down to
/// a workspace. Reports the first directory that blocks it and the chmod that fixes exactly that.
/// </summary>
public static class WorkspaceAccess
{
    public static WorkspaceAccessProblem? Check(string workspace, UnixUser user, IReadOnlySet<uint>? groups = null)
    {
        var full = Path.GetFullPath(workspace);
        if (user.Uid == 0) return null;
        groups ??= UnixAccounts.GroupIds(user);
        var parts = full.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var current = "/";
        for (var i = 0; i <= parts.Length; i++)
        {
            if (i > 0) current = current == "/" ? "/" + parts[i - 1] : current + "/" + parts[i - 1];
            UnixFileStatus? status;
            try
            {
                status = UnixFiles.TryStat(current);
            }
            catch (UnauthorizedAccessException)
            {
                status = null;
            }
            if (status is null)
                return new WorkspaceAccessProblem(full, current, user.Name, $"mkdir -p {full} && chown {user.Name} {full}");
            var (bit, who) = status.Uid == user.Uid
                ? (UnixFileMode.UserExecute, "u")
                : groups.Contains(status.Gid) ? (UnixFileMode.GroupExecute, "g") : (UnixFileMode.OtherExecute, "o");
            if ((status.Mode & bit) == 0)
                return new WorkspaceAccessProblem(full, current, user.Name, $"chmod {who}+x {current}");
        }
        return null;
    }
}
