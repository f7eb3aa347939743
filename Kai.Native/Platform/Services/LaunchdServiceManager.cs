namespace Kai.Native.Platform.Services;

/// <summary>launchd through launchctl: the system domain (LaunchDaemon) or the user's gui/&lt;uid&gt; domain (LaunchAgent).</summary>
public sealed class LaunchdServiceManager(string label, string plistPath, bool user, uint uid = 0) : IServiceManager
{
    private const string Launchctl = "/bin/launchctl";

    public string Name => "launchd";
    public string ServiceName { get; } = label;
    public string? UnavailableReason { get; } = OperatingSystem.IsMacOS() ? null : "launchd exists only on macOS";

    private string Domain => user ? $"gui/{uid}" : "system";
    private string Target => $"{Domain}/{ServiceName}";

    public ServiceStatus GetStatus()
    {
        var output = ProcessRunner.Run(Launchctl, ["print", Target], TimeSpan.FromSeconds(30));
        if (!output.Succeeded) return new ServiceStatus(ServiceRunState.NotLoaded, false, null, "not loaded");
        var disabled = ProcessRunner.Run(Launchctl, ["print-disabled", Domain], TimeSpan.FromSeconds(30));
        return ParsePrint(output.StandardOutput, disabled.StandardOutput, ServiceName);
    }

    /// <summary>Reads `launchctl print` ("state = running", "pid = 123") and `print-disabled` ("label" => disabled).</summary>
    internal static ServiceStatus ParsePrint(string print, string printDisabled, string label)
    {
        string? Field(string name) => print.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.StartsWith(name + " = ", StringComparison.Ordinal))
            .Select(l => l[(name.Length + 3)..].Trim())
            .FirstOrDefault();
        var stateText = Field("state") ?? "unknown";
        int? pid = int.TryParse(Field("pid"), out var p) && p > 0 ? p : null;
        var disabled = printDisabled.Split('\n').Any(l => l.Contains($"\"{label}\" => disabled", StringComparison.Ordinal)
                                                        || l.Contains($"\"{label}\" => true", StringComparison.Ordinal));
        var state = stateText switch
        {
            "running" => ServiceRunState.Running,
            "spawn scheduled" or "spawning" => ServiceRunState.Starting,
            "not running" or "waiting" => ServiceRunState.Stopped,
            _ => ServiceRunState.Unknown,
        };
        return new ServiceStatus(state, !disabled, pid, stateText);
    }

    public void Stop()
    {
        // bootout of a service that is not loaded fails with "No such process": that is already stopped.
        var output = ProcessRunner.Run(Launchctl, ["bootout", Target], TimeSpan.FromSeconds(60));
        if (!output.Succeeded && GetStatus().State != ServiceRunState.NotLoaded)
            throw Failed("bootout", output);
    }

    public void Start()
    {
        Check("enable", ProcessRunner.Run(Launchctl, ["enable", Target], TimeSpan.FromSeconds(30)));
        if (GetStatus().State == ServiceRunState.NotLoaded)
            Check("bootstrap", ProcessRunner.Run(Launchctl, ["bootstrap", Domain, plistPath], TimeSpan.FromSeconds(60)));
        Check("kickstart", ProcessRunner.Run(Launchctl, ["kickstart", Target], TimeSpan.FromSeconds(60)));
    }

    // launchd reads the plist at bootstrap; the stop step's bootout plus the start step's bootstrap is the reload.
    public bool NeedsReload() => false;
    public void Reload() { }

    public void Disable()
    {
        ProcessRunner.Run(Launchctl, ["bootout", Target], TimeSpan.FromSeconds(60));
        ProcessRunner.Run(Launchctl, ["disable", Target], TimeSpan.FromSeconds(30));
    }

    private void Check(string verb, ProcessOutput output)
    {
        if (!output.Succeeded) throw Failed(verb, output);
    }

    private KaiException Failed(string verb, ProcessOutput output) =>
        new("ServiceManagerFailed", KaiErrorKind.InvalidOperation, $"launchctl {verb} {Target} failed (exit {output.ExitCode}): {output.Diagnostic}", ServiceName);
}
