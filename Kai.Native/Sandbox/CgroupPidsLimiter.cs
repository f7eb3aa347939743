using System.Globalization;

namespace Kai.Native.Sandbox;

/// <summary>
/// A process-count limit through the cgroup pids controller. Needed when the caller is root: the kernel never
/// applies RLIMIT_NPROC to uid 0, and inside a user namespace a sandbox started by root is still uid 0 to it.
/// One child cgroup per sandbox (kai-sandbox-*); empty ones left behind are removed on later starts.
/// </summary>
internal sealed class CgroupPidsLimiter
{
    private const string Prefix = "kai-sandbox-";
    private readonly string _parent;

    private CgroupPidsLimiter(string parent, string version)
    {
        _parent = parent;
        Version = version;
    }

    public string Version { get; }
    public string ParentDirectory => _parent;

    /// <summary>A pids controller this process may create children in, or null (with the reason).</summary>
    public static CgroupPidsLimiter? Find(string cgroupRoot, string selfCgroupPath, out string reason)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(selfCgroupPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            reason = $"cannot read {selfCgroupPath}";
            return null;
        }

        // cgroup v1: a pids hierarchy of its own.
        var v1Root = Path.Combine(cgroupRoot, "pids");
        var v1 = lines.Select(l => l.Split(':', 3)).FirstOrDefault(p => p.Length == 3 && p[1].Split(',').Contains("pids"));
        if (v1 is not null && File.Exists(Path.Combine(v1Root, "cgroup.procs")))
        {
            var directory = Join(v1Root, v1[2]);
            if (Platform.UnixFiles.CanWrite(directory))
            {
                reason = "";
                return new CgroupPidsLimiter(directory, "v1");
            }
        }

        // cgroup v2: our own cgroup must delegate the pids controller to its children.
        var v2 = lines.Select(l => l.Split(':', 3)).FirstOrDefault(p => p.Length == 3 && p[0] == "0" && p[1] == "");
        if (v2 is not null && File.Exists(Path.Combine(cgroupRoot, "cgroup.controllers")))
        {
            var directory = Join(cgroupRoot, v2[2]);
            var control = Path.Combine(directory, "cgroup.subtree_control");
            try
            {
                if (File.ReadAllText(control).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Contains("pids")
                    && Platform.UnixFiles.CanWrite(directory))
                {
                    reason = "";
                    return new CgroupPidsLimiter(directory, "v2");
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }
        reason = $"no writable cgroup with the pids controller under {cgroupRoot} (v1 {v1Root} or a v2 cgroup delegating 'pids')";
        return null;
    }

    /// <summary>Creates a child cgroup with pids.max; returns its cgroup.procs file (the launcher writes its pid there).</summary>
    public string Create(int maxProcesses)
    {
        SweepStale();
        var directory = Path.Combine(_parent, Prefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            File.WriteAllText(Path.Combine(directory, "pids.max"), maxProcesses.ToString(CultureInfo.InvariantCulture));
        }
        catch
        {
            TryRemove(directory);
            throw;
        }
        return Path.Combine(directory, "cgroup.procs");
    }

    /// <summary>Removes the cgroup once empty (rmdir fails while processes are in it; a later sweep retries).</summary>
    public static void TryRemove(string directory)
    {
        try
        {
            Directory.Delete(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private void SweepStale()
    {
        try
        {
            var cutoff = DateTime.UtcNow.AddMinutes(-5);
            foreach (var directory in Directory.EnumerateDirectories(_parent, Prefix + "*"))
                if (Directory.GetLastWriteTimeUtc(directory) < cutoff) TryRemove(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static string Join(string root, string relative) => relative == "/" ? root : root + relative;
}
