using Kai.Native.Platform.Services;

namespace Kai.Native.Install;

/// <summary>What every step sees while testing and applying: layout, probed facts, the service manager, the run's state.</summary>
public sealed class InstallContext
{
    private readonly HashSet<InstallStep> _pending = new(ReferenceEqualityComparer.Instance);

    public InstallContext(InstallLayout layout, InstallFacts facts, InstallOptions options, IServiceManager serviceManager)
    {
        Layout = layout;
        Facts = facts;
        Options = options;
        ServiceManager = serviceManager;
    }

    public InstallLayout Layout { get; }
    public InstallFacts Facts { get; }
    public InstallOptions Options { get; }
    public IServiceManager ServiceManager { get; }

    /// <summary>
    /// Owners are only set (and only checked) when running as root: a non-root install under a writable
    /// -Root applies modes but leaves files owned by the installing user.
    /// </summary>
    public bool EnforceOwnership => Facts.IsRoot;

    public IInstallObserver Observer { get; set; } = InstallObserver.Silent;
    public CancellationToken CancellationToken { get; set; }

    /// <summary>Set once by the runner after testing every step: the ones that need a change in this run.</summary>
    public void SetPending(IEnumerable<InstallStep> steps)
    {
        _pending.Clear();
        foreach (var step in steps) _pending.Add(step);
    }

    public bool IsPending(InstallStep step) => _pending.Contains(step);

    /// <summary>True when a step other than the service-control ones will change something (so the service must be stopped/started).</summary>
    public bool HasPendingChanges => _pending.Any(s => !s.ControlsService);

    /// <summary>Service-control steps record here that they stopped the service in this run.</summary>
    public bool StoppedService { get; set; }

    public void Verbose(string message) => Observer.Verbose(message);
}
