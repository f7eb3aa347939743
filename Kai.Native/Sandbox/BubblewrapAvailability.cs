using System.Collections.Concurrent;
using System.Diagnostics;

namespace Kai.Native.Sandbox;

/// <summary>Decides whether bubblewrap can sandbox here and, if not, names the cause and the fix.</summary>
internal static class BubblewrapAvailability
{
    private const string Name = "bubblewrap";
    private static readonly ConcurrentDictionary<(string Binary, uint Uid), (bool Ok, string? Version, string? Error)> s_smoke = new();

    public const string InstallFix =
        "Install bubblewrap: `apt install bubblewrap` (Debian/Ubuntu), `dnf install bubblewrap` (Fedora/RHEL) or `pacman -S bubblewrap` (Arch). " +
        "To run without any sandbox, choose it explicitly: -Sandbox None or KAI_SANDBOX=off.";
    public const string UsernsCloneFix =
        "Enable unprivileged user namespaces: `sysctl -w kernel.unprivileged_userns_clone=1`, and persist it with " +
        "`echo kernel.unprivileged_userns_clone=1 > /etc/sysctl.d/90-kai-userns.conf`.";
    public const string MaxNamespacesFix =
        "Allow user namespaces: `sysctl -w user.max_user_namespaces=15000`, and persist it in /etc/sysctl.d/90-kai-userns.conf.";
    public const string AppArmorFix =
        "Give bwrap an AppArmor profile that allows user namespaces: create /etc/apparmor.d/bwrap with " +
        "`abi <abi/4.0>, include <tunables/global> profile bwrap /usr/bin/bwrap flags=(unconfined) { userns, }` and load it with " +
        "`apparmor_parser -r /etc/apparmor.d/bwrap`; or lift the restriction: `sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`.";

    public static SandboxAvailability Check(BubblewrapHostOptions options)
    {
        var binary = FindBinary(options);
        if (binary is null)
            return Unavailable(null, null, $"bubblewrap (bwrap) is not installed: it is not in {string.Join(", ", options.Directories())}.", InstallFix);

        var root = options.EffectiveUid == 0;
        if (ReadInt(options.MaxUserNamespacesPath) == 0)
            return Unavailable(binary, null, $"User namespaces are disabled ({options.MaxUserNamespacesPath} is 0), and bubblewrap needs one per sandbox.", MaxNamespacesFix);
        // The next two restrict only unprivileged callers; root creates user namespaces regardless.
        if (!root && ReadInt(options.UnprivilegedUsernsClonePath) == 0)
            return Unavailable(binary, null, $"Unprivileged user namespaces are disabled ({options.UnprivilegedUsernsClonePath} is 0), and bubblewrap needs one per sandbox.", UsernsCloneFix);
        if (!root && ReadInt(options.AppArmorRestrictPath) == 1 && !AppArmorAllowsBwrap(options.AppArmorProfilesPath))
            return Unavailable(binary, null,
                $"AppArmor restricts unprivileged user namespaces ({options.AppArmorRestrictPath} is 1) and no loaded AppArmor profile lets bwrap create one.", AppArmorFix);

        if (!options.RunSmokeTest) return new SandboxAvailability(true, Name, binary, null, null, null);
        var (ok, version, error) = s_smoke.GetOrAdd((binary, options.EffectiveUid), key => SmokeTest(key.Binary, options));
        return ok
            ? new SandboxAvailability(true, Name, binary, version, null, null)
            : Unavailable(binary, version, $"bwrap could not start a sandbox: {error}", FixFor(error ?? ""));
    }

    /// <summary>Forget cached smoke tests (after the administrator fixed something).</summary>
    public static void Reset() => s_smoke.Clear();

    private static SandboxAvailability Unavailable(string? binary, string? version, string problem, string fix) =>
        new(false, Name, binary, version, problem, fix);

    private static string? FindBinary(BubblewrapHostOptions options)
    {
        if (options.BinaryPath is not null) return File.Exists(options.BinaryPath) ? options.BinaryPath : null;
        foreach (var directory in options.Directories())
        {
            var candidate = Path.Combine(directory, "bwrap");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    private static int? ReadInt(string path)
    {
        try
        {
            return int.TryParse(File.ReadAllText(path).Trim(), out var value) ? value : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool AppArmorAllowsBwrap(string profilesPath)
    {
        try
        {
            return File.ReadLines(profilesPath).Any(line => line.Contains("bwrap", StringComparison.Ordinal));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static (bool, string?, string?) SmokeTest(string binary, BubblewrapHostOptions options)
    {
        var version = Run(binary, new[] { "--version" }, out _, out var versionOut) == 0 ? versionOut.Trim() : null;
        var arguments = BubblewrapArguments.Isolation(options.EffectiveUid, network: false).ToList();
        arguments.AddRange(new[] { "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--ro-bind", "/proc/sys", "/proc/sys", "--", "/bin/true" });
        var exit = Run(binary, arguments, out var stderr, out _);
        return exit == 0 ? (true, version, null) : (false, version, string.IsNullOrWhiteSpace(stderr) ? $"exit status {exit}" : stderr.Trim());
    }

    private static int Run(string file, IEnumerable<string> arguments, out string stderr, out string stdout)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/bin:/bin";
        try
        {
            using var process = Process.Start(start)!;
            process.StandardInput.Close();
            var errorTask = process.StandardError.ReadToEndAsync();
            var outputTask = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(15_000))
            {
                process.Kill(entireProcessTree: true);
                stderr = "timed out after 15 s";
                stdout = "";
                return -1;
            }
            stderr = errorTask.GetAwaiter().GetResult();
            stdout = outputTask.GetAwaiter().GetResult();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            stderr = ex.Message;
            stdout = "";
            return -1;
        }
    }

    private static string FixFor(string error)
    {
        if (error.Contains("uid map", StringComparison.OrdinalIgnoreCase) || error.Contains("No permissions to create", StringComparison.OrdinalIgnoreCase)
            || error.Contains("Permission denied", StringComparison.OrdinalIgnoreCase))
            return UsernsCloneFix + " " + AppArmorFix;
        if (error.Contains("Operation not permitted", StringComparison.OrdinalIgnoreCase))
            return "This host (often a container) forbids creating namespaces. Run Kai on the host, or in a container allowed to create user namespaces " +
                   "(for example Docker's --security-opt seccomp=unconfined --security-opt apparmor=unconfined). " + MaxNamespacesFix;
        if (error.Contains("No space left", StringComparison.OrdinalIgnoreCase)) return MaxNamespacesFix;
        return InstallFix;
    }
}
