using Kai.Native.Platform.Services;

namespace Kai.Native.Install;

/// <summary>Stops the service before anything changes, but only when something will change (a no-op apply leaves it running).</summary>
public sealed class StopServiceStep(string serviceName)
    : InstallStep("StopService", serviceName, "Stop the service before changing the installation")
{
    public override bool ControlsService => true;
    public override bool CountsAsDrift => false;

    public override StepState Test(InstallContext context)
    {
        var manager = context.ServiceManager;
        if (manager.UnavailableReason is { } reason) return StepState.Skip(reason);
        var status = manager.GetStatus();
        if (status.State is ServiceRunState.NotLoaded or ServiceRunState.Stopped or ServiceRunState.Failed) return StepState.Ok($"not running ({status})");
        if (!context.HasPendingChanges) return StepState.Ok($"nothing to change, left running ({status})");
        return StepState.Change($"running ({status})");
    }

    public override string Apply(InstallContext context)
    {
        context.ServiceManager.Stop();
        context.StoppedService = true;
        return "stopped";
    }
}

/// <summary>systemctl daemon-reload after the unit changed (or when systemd says it holds a stale copy).</summary>
public sealed class ReloadServiceManagerStep(string serviceName, InstallStep definitionStep)
    : InstallStep("ReloadServiceManager", serviceName, "Reload the service manager (systemctl daemon-reload)")
{
    public override bool ControlsService => true;
    public override bool CountsAsDrift => false;

    public override StepState Test(InstallContext context)
    {
        var manager = context.ServiceManager;
        if (manager.UnavailableReason is { } reason) return StepState.Skip(reason);
        if (context.IsPending(definitionStep)) return StepState.Change("the service definition changes in this run");
        return manager.NeedsReload() ? StepState.Change("systemd holds an older copy of the unit") : StepState.Ok("unit loaded as written");
    }

    public override string Apply(InstallContext context)
    {
        context.ServiceManager.Reload();
        return "reloaded";
    }
}

/// <summary>Enables and starts the service, then checks a few times that it really runs; fails loudly if not.</summary>
public sealed class StartServiceStep(string serviceName, string logHint)
    : InstallStep("StartService", serviceName, "Enable and start the service, then verify it runs")
{
    public override bool ControlsService => true;

    public override StepState Test(InstallContext context)
    {
        var manager = context.ServiceManager;
        if (manager.UnavailableReason is { } reason) return StepState.Skip(reason);
        var status = manager.GetStatus();
        if (!status.IsRunning) return StepState.Change($"not running ({status})");
        if (!status.Enabled) return StepState.Change("running but not enabled at boot");
        if (context.HasPendingChanges && !context.StoppedService) return StepState.Change("running; restarts after the changes");
        return StepState.Ok($"running ({status})");
    }

    public override string Apply(InstallContext context)
    {
        var manager = context.ServiceManager;
        if (manager.GetStatus().IsRunning) manager.Stop();
        manager.Start();
        var attempts = Math.Max(1, context.Options.ServiceStartAttempts);
        var status = manager.GetStatus();
        var previous = status;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            if (context.Options.ServiceStartInterval > TimeSpan.Zero)
                context.CancellationToken.WaitHandle.WaitOne(context.Options.ServiceStartInterval);
            context.CancellationToken.ThrowIfCancellationRequested();
            status = manager.GetStatus();
            context.Verbose($"start check {attempt}/{attempts}: {status}");
            // Running at two checks in a row with the same process: not a crash loop.
            if (status.IsRunning && previous.IsRunning && previous.ProcessId == status.ProcessId)
                return $"started and verified running{(status.ProcessId is { } pid ? $" (pid {pid})" : "")}";
            previous = status;
        }
        throw new KaiException("ServiceStartFailed", KaiErrorKind.InvalidOperation,
            $"The service {Target} did not stay running after start: {status} after {attempts} checks.", Target)
        {
            RecommendedAction = $"Look at {logHint}, fix the cause and re-run the installer.",
        };
    }
}
