namespace Kai.Native.Platform.Services;

public enum ServiceRunState { Running, Starting, Stopped, Failed, NotLoaded, Unknown }

/// <summary>What the service manager says about the Kai service right now.</summary>
public sealed record ServiceStatus(ServiceRunState State, bool Enabled, int? ProcessId, string Detail)
{
    public bool IsRunning => State == ServiceRunState.Running;
    public override string ToString() => Detail.Length > 0 ? $"{State.ToString().ToLowerInvariant()} ({Detail})" : State.ToString().ToLowerInvariant();
}

/// <summary>
/// The OS service manager as the installer needs it: systemd (systemctl), launchd (launchctl), a stand-in
/// that explains why nothing can be controlled (no systemd as PID 1, an install under a root prefix), or a
/// fake in tests. Every method except <see cref="GetStatus"/> is only called when <see cref="UnavailableReason"/> is null.
/// </summary>
public interface IServiceManager
{
    /// <summary>"systemd", "launchd", "none" …</summary>
    string Name { get; }
    /// <summary>The unit/label the service is known by (kai.service, com.syrinx.kai).</summary>
    string ServiceName { get; }
    /// <summary>Null when the manager can be driven; otherwise why not (steps that need it report Skipped with this).</summary>
    string? UnavailableReason { get; }
    ServiceStatus GetStatus();
    void Stop();
    /// <summary>Enables the service at boot and starts it.</summary>
    void Start();
    /// <summary>True when the manager holds an older copy of the service definition than the one on disk.</summary>
    bool NeedsReload();
    void Reload();
    /// <summary>Stops the service and removes it from boot (uninstall).</summary>
    void Disable();
}
