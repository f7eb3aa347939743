namespace Kai.Native.Install;

/// <summary>Whether a step's target already is as the plan wants it.</summary>
public enum StepCondition { InDesiredState, NeedsChange, Skipped }

/// <summary>The answer of <see cref="InstallStep.Test"/>: the condition and a short, secret-free reason.</summary>
public sealed record StepState(StepCondition Condition, string Detail)
{
    public static StepState Ok(string detail = "in desired state") => new(StepCondition.InDesiredState, detail);
    public static StepState Change(string detail) => new(StepCondition.NeedsChange, detail);
    public static StepState Skip(string reason) => new(StepCondition.Skipped, reason);
    public bool InDesiredState => Condition == StepCondition.InDesiredState;
    public bool NeedsChange => Condition == StepCondition.NeedsChange;
}

/// <summary>
/// One typed unit of an installation (create a directory, copy the payload, write the sudoers file, start
/// the service …). <see cref="Test"/> tells whether its target is already in the desired state and never
/// changes anything; <see cref="Apply"/> brings it there and returns a secret-free detail line.
/// </summary>
public abstract class InstallStep
{
    protected InstallStep(string name, string target, string action)
    {
        Name = name;
        Target = target;
        Action = action;
    }

    /// <summary>The kind of step (stable: scripts and -Step filter on it), e.g. "Directory", "WriteSudoers".</summary>
    public string Name { get; }
    /// <summary>What the step acts on: an on-disk path, or the service name.</summary>
    public string Target { get; }
    /// <summary>What Apply does, in words (the -WhatIf / --dry-run text).</summary>
    public string Action { get; }

    /// <summary>True for the steps that drive the service manager (stop, reload, start): they never count as drift.</summary>
    public virtual bool ControlsService => false;

    /// <summary>False for purely procedural steps (stop before changes, daemon-reload) whose "needs change" is not drift.</summary>
    public virtual bool CountsAsDrift => true;

    public abstract StepState Test(InstallContext context);
    public abstract string Apply(InstallContext context);

    public override string ToString() => $"{Name} {Target}: {Action}";
}

/// <summary>How a step ended in a run.</summary>
public enum InstallStepStatus
{
    /// <summary>Already in the desired state; nothing done.</summary>
    InDesiredState,
    /// <summary>Applied: the target changed.</summary>
    Changed,
    /// <summary>Would change (dry run / -WhatIf, or declined at -Confirm).</summary>
    WouldChange,
    /// <summary>Not applicable here (e.g. no running systemd); Detail says why.</summary>
    Skipped,
    Failed,
}

/// <summary>One line of an install, status or uninstall run: what step, on what, what happened.</summary>
public sealed record InstallStepResult(
    int Index,
    string Step,
    string Target,
    string Action,
    InstallStepStatus Status,
    string Detail,
    string? ErrorId = null,
    string? Error = null)
{
    /// <summary>True only when the step really changed something.</summary>
    public bool Changed => Status == InstallStepStatus.Changed;
    public bool InDesiredState => Status is InstallStepStatus.InDesiredState or InstallStepStatus.Skipped;
}
