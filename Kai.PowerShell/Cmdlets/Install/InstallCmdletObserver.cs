using System.Management.Automation;
using Kai.Native.Install;

namespace Kai.PowerShell.Cmdlets.Install;

/// <summary>
/// Connects an install run to the pipeline: one ShouldProcess per step that needs a change (so -WhatIf lists
/// exactly what a real run does and -Confirm asks per step), WriteProgress per step, results as they complete,
/// verbose/warning text. Runs on the pipeline thread: the engine run is synchronous.
/// </summary>
internal sealed class InstallCmdletObserver(PSCmdlet cmdlet, string activity, bool writeResults) : IInstallObserver
{
    private const int ActivityId = 0x4b41;

    public List<InstallStepResult> Results { get; } = new();

    public void StepStarting(int index, int count, InstallStep step) =>
        cmdlet.WriteProgress(new ProgressRecord(ActivityId, activity, $"{step.Name} {step.Target}")
        {
            PercentComplete = count == 0 ? 0 : index * 100 / count,
            CurrentOperation = step.Action,
        });

    public bool ShouldApply(InstallStep step, StepState state) => cmdlet.ShouldProcess(step.Target, step.Action);

    public void StepCompleted(InstallStepResult result)
    {
        Results.Add(result);
        cmdlet.WriteVerbose($"{result.Step} {result.Target}: {result.Status} ({result.Detail})");
        if (writeResults) cmdlet.WriteObject(result);
    }

    public void Verbose(string message) => cmdlet.WriteVerbose(message);
    public void Warning(string message) => cmdlet.WriteWarning(message);

    public void Complete() =>
        cmdlet.WriteProgress(new ProgressRecord(ActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
}
