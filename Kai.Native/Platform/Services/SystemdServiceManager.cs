namespace Kai.Native.Platform.Services;

/// <summary>systemd through systemctl (system manager, or the user's with --user).</summary>
public sealed class SystemdServiceManager : IServiceManager
{
    private readonly bool _user;
    private readonly string _systemctl;

    public SystemdServiceManager(string unitName, bool user, string? systemctl = null)
    {
        ServiceName = unitName;
        _user = user;
        _systemctl = systemctl ?? ProcessRunner.FindProgram("/usr/bin/systemctl", "/bin/systemctl") ?? "systemctl";
        UnavailableReason = Probe(user);
    }

    public string Name => _user ? "systemd (user)" : "systemd";
    public string ServiceName { get; }
    public string? UnavailableReason { get; }

    /// <summary>Null when systemd runs as the init system (and, for --user, the user's manager is up).</summary>
    public static string? Probe(bool user)
    {
        if (!Directory.Exists("/run/systemd/system"))
            return "systemd is not running as the init system (/run/systemd/system is missing)";
        if (user)
        {
            var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
            if (string.IsNullOrEmpty(runtime) || !Directory.Exists(Path.Combine(runtime, "systemd")))
                return "the user's systemd instance is not running (no $XDG_RUNTIME_DIR/systemd; log in or enable lingering: loginctl enable-linger)";
        }
        return null;
    }

    /// <summary>The major version `systemctl --version` reports, or null when it cannot be told.</summary>
    public static int? InstalledVersion(string? systemctl = null)
    {
        var program = systemctl ?? ProcessRunner.FindProgram("/usr/bin/systemctl", "/bin/systemctl");
        if (program is null) return null;
        try
        {
            var output = ProcessRunner.Run(program, ["--version"], TimeSpan.FromSeconds(10));
            return ParseVersion(output.StandardOutput);
        }
        catch (KaiException)
        {
            return null;
        }
    }

    /// <summary>"systemd 252 (252.38-1~deb12u1)" → 252.</summary>
    internal static int? ParseVersion(string text)
    {
        var first = text.Split('\n', 2)[0].Trim();
        var parts = first.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 && parts[0] == "systemd" && int.TryParse(parts[1], out var v) ? v : null;
    }

    public ServiceStatus GetStatus()
    {
        var output = Systemctl(check: false, "show", ServiceName, "--property=LoadState,ActiveState,SubState,UnitFileState,MainPID,NRestarts");
        if (!output.Succeeded) return new ServiceStatus(ServiceRunState.Unknown, false, null, output.Diagnostic);
        return ParseShow(output.StandardOutput);
    }

    internal static ServiceStatus ParseShow(string text)
    {
        var values = text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.Ordinal);
        string Get(string key) => values.TryGetValue(key, out var v) ? v : "";
        var enabled = Get("UnitFileState") is "enabled" or "enabled-runtime" or "static" or "alias";
        int? pid = int.TryParse(Get("MainPID"), out var p) && p > 0 ? p : null;
        var detail = $"{Get("ActiveState")}/{Get("SubState")}, {(Get("UnitFileState") is { Length: > 0 } u ? u : "no unit file")}";
        var state = (Get("LoadState"), Get("ActiveState")) switch
        {
            ("not-found", _) => ServiceRunState.NotLoaded,
            (_, "active") when Get("SubState") is "running" or "exited" => ServiceRunState.Running,
            (_, "activating" or "reloading") => ServiceRunState.Starting,
            (_, "failed") => ServiceRunState.Failed,
            (_, "inactive" or "deactivating") => ServiceRunState.Stopped,
            _ => ServiceRunState.Unknown,
        };
        return new ServiceStatus(state, enabled, pid, detail);
    }

    public void Stop() => Systemctl(check: true, "stop", ServiceName);

    public void Start()
    {
        Systemctl(check: true, "enable", ServiceName);
        Systemctl(check: true, "start", ServiceName);
    }

    public bool NeedsReload()
    {
        var output = Systemctl(check: false, "show", ServiceName, "--property=NeedDaemonReload", "--value");
        return output.Succeeded && output.StandardOutput.Trim() == "yes";
    }

    public void Reload() => Systemctl(check: true, "daemon-reload");

    public void Disable()
    {
        Systemctl(check: false, "stop", ServiceName);
        Systemctl(check: false, "disable", ServiceName);
    }

    private ProcessOutput Systemctl(bool check, params string[] arguments)
    {
        var all = _user ? arguments.Prepend("--user") : arguments;
        var output = ProcessRunner.Run(_systemctl, all, TimeSpan.FromSeconds(120));
        if (check && !output.Succeeded)
            throw new KaiException("ServiceManagerFailed", KaiErrorKind.InvalidOperation,
                $"systemctl {string.Join(' ', arguments)} failed (exit {output.ExitCode}): {output.Diagnostic}", ServiceName)
            {
                RecommendedAction = $"See: journalctl {(_user ? "--user " : "")}-u {ServiceName} -n 50",
            };
        return output;
    }
}
