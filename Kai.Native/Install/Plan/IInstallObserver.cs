namespace Kai.Native.Install;

/// <summary>
/// How a run talks to its caller (cmdlet, CLI, DSC): progress, the per-step go/no-go (ShouldProcess),
/// results as they happen, and secret-free verbose/warning text.
/// </summary>
public interface IInstallObserver
{
    void StepStarting(int index, int count, InstallStep step);
    /// <summary>Asked once for each step that needs a change; false leaves the step undone (dry run, -WhatIf, -Confirm "No").</summary>
    bool ShouldApply(InstallStep step, StepState state);
    void StepCompleted(InstallStepResult result);
    void Verbose(string message);
    void Warning(string message);
}

/// <summary>An observer that applies everything and reports nothing (tests, DSC).</summary>
public class InstallObserver : IInstallObserver
{
    public static InstallObserver Silent { get; } = new();
    public virtual void StepStarting(int index, int count, InstallStep step) { }
    public virtual bool ShouldApply(InstallStep step, StepState state) => true;
    public virtual void StepCompleted(InstallStepResult result) { }
    public virtual void Verbose(string message) { }
    public virtual void Warning(string message) { }
}
