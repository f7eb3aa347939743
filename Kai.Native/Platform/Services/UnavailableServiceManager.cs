namespace Kai.Native.Platform.Services;

/// <summary>No service manager can be driven here; <see cref="UnavailableReason"/> says why.</summary>
public sealed class UnavailableServiceManager(string name, string serviceName, string reason) : IServiceManager
{
    public string Name { get; } = name;
    public string ServiceName { get; } = serviceName;
    public string? UnavailableReason { get; } = reason;

    public ServiceStatus GetStatus() => new(ServiceRunState.Unknown, false, null, UnavailableReason ?? "");
    public void Stop() => throw Unavailable();
    public void Start() => throw Unavailable();
    public bool NeedsReload() => false;
    public void Reload() => throw Unavailable();
    public void Disable() => throw Unavailable();

    private KaiException Unavailable() =>
        new("ServiceManagerUnavailable", KaiErrorKind.ResourceUnavailable, $"{Name} cannot be used: {UnavailableReason}", ServiceName);
}
