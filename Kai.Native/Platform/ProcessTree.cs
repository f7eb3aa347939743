using System.Diagnostics;
using System.Globalization;

namespace Kai.Native.Platform;

/// <summary>One process as /proc/&lt;pid&gt;/stat describes it.</summary>
public readonly record struct ProcessStat(int ProcessId, int ParentProcessId, string Command, char State, long StartTicks);

/// <summary>
/// Finds and signals process trees through /proc, from the host side: this works through a PID
/// namespace too (a sandboxed shell's processes have host pids we can walk to and signal).
/// </summary>
public static class ProcessTree
{
    /// <summary>USER_HZ: the unit of /proc/&lt;pid&gt;/stat start times (100 on every Linux ABI).</summary>
    public const long ClockTicksPerSecond = 100;

    public static ProcessStat? ReadStat(int pid)
    {
        if (!OperatingSystem.IsLinux()) return null;
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        return ParseStat(text);
    }

    /// <summary>Parses a stat line; the command sits in parentheses and may itself contain spaces or ')'.</summary>
    internal static ProcessStat? ParseStat(string text)
    {
        var open = text.IndexOf('(');
        var close = text.LastIndexOf(')');
        if (open < 0 || close < open) return null;
        var pid = int.Parse(text.AsSpan(0, open).Trim(), CultureInfo.InvariantCulture);
        var command = text[(open + 1)..close];
        var fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] = state (field 3), fields[1] = ppid (4), fields[19] = starttime (22).
        if (fields.Length < 20) return null;
        return new ProcessStat(pid, int.Parse(fields[1], CultureInfo.InvariantCulture), command, fields[0][0],
            long.Parse(fields[19], CultureInfo.InvariantCulture));
    }

    /// <summary>Direct children of <paramref name="pid"/> (all of its threads' children).</summary>
    public static IReadOnlyList<int> Children(int pid)
    {
        if (OperatingSystem.IsLinux())
        {
            var result = new List<int>();
            string[] tasks;
            try
            {
                tasks = Directory.GetDirectories($"/proc/{pid}/task");
            }
            catch (IOException)
            {
                return result;
            }
            catch (UnauthorizedAccessException)
            {
                return result;
            }
            foreach (var task in tasks)
            {
                string text;
                try
                {
                    text = File.ReadAllText(Path.Combine(task, "children"));
                }
                catch (FileNotFoundException)
                {
                    // Kernels without CONFIG_PROC_CHILDREN: fall back to scanning every process.
                    return ScanChildren(pid);
                }
                catch (IOException)
                {
                    continue;
                }
                foreach (var part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    result.Add(int.Parse(part, CultureInfo.InvariantCulture));
            }
            return result;
        }
        return PsChildren(pid);
    }

    /// <summary>Every process below <paramref name="pid"/>, parents before children.</summary>
    public static IReadOnlyList<int> Descendants(int pid)
    {
        var result = new List<int>();
        var queue = new Queue<int>();
        queue.Enqueue(pid);
        var seen = new HashSet<int> { pid };
        while (queue.Count > 0)
        {
            foreach (var child in Children(queue.Dequeue()))
            {
                if (!seen.Add(child)) continue;
                result.Add(child);
                queue.Enqueue(child);
            }
        }
        return result;
    }

    /// <summary>Sends <paramref name="signal"/>; false when the process is already gone.</summary>
    public static bool Signal(int pid, int signal) => Interop.Kill(pid, signal) == 0;

    /// <summary>SIGKILL to <paramref name="root"/> and everything below it (children first collected, then killed top-down).</summary>
    public static void KillTree(int root)
    {
        var all = Descendants(root);
        Signal(root, Interop.SIGKILL);
        foreach (var pid in all) Signal(pid, Interop.SIGKILL);
    }

    /// <summary>Proportional set size of one process in bytes (its fair share of shared pages), or null.</summary>
    public static long? ProportionalSetSize(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
            {
                if (!line.StartsWith("Pss:", StringComparison.Ordinal)) continue;
                var number = line.AsSpan(4).Trim();
                var space = number.IndexOf(' ');
                return long.Parse(space < 0 ? number : number[..space], CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }

    /// <summary>Clock ticks since boot now, comparable with <see cref="ProcessStat.StartTicks"/>.</summary>
    public static long NowTicks() => Interop.BootTimeNanoseconds() / (1_000_000_000L / ClockTicksPerSecond);

    private static List<int> ScanChildren(int parent)
    {
        var result = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (ReadStat(pid) is { } stat && stat.ParentProcessId == parent) result.Add(pid);
        }
        return result;
    }

    // macOS has no /proc: ask ps (only used when cancelling, never on the hot path).
    private static List<int> PsChildren(int parent)
    {
        var result = new List<int>();
        try
        {
            var start = new ProcessStartInfo("/bin/ps") { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
            foreach (var argument in new[] { "-axo", "pid=,ppid=" }) start.ArgumentList.Add(argument);
            using var ps = Process.Start(start)!;
            ps.StandardInput.Close();
            string? line;
            while ((line = ps.StandardOutput.ReadLine()) is not null)
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 2 && int.Parse(parts[1], CultureInfo.InvariantCulture) == parent)
                    result.Add(int.Parse(parts[0], CultureInfo.InvariantCulture));
            }
            ps.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
        return result;
    }
}
