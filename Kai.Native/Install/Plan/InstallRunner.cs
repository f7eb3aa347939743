using Kai.Native.Platform;

namespace Kai.Native.Install;

public enum InstallRunMode { Apply, DryRun }

/// <summary>
/// Runs a plan: tests every step first (that is the dry-run listing, and tells the stop step whether anything will
/// change), then walks the steps in order, re-testing each just before it and applying only those not in their
/// desired state. The first failure ends the run with a KaiException; steps before it stay applied, and a re-run
/// picks up where it stopped (every write is atomic, every checksum/manifest/marker written after success).
/// </summary>
public static class InstallRunner
{
    public static IReadOnlyList<InstallStepResult> Run(InstallPlan plan, InstallRunMode mode, IInstallObserver observer, CancellationToken cancellationToken = default)
    {
        var context = plan.Context;
        context.Observer = observer;
        context.CancellationToken = cancellationToken;
        context.StoppedService = false;
        foreach (var note in plan.Notes) observer.Warning(note);

        var states = TestSteps(plan, observer);
        context.SetPending(plan.Steps.Where((s, i) => states[i].NeedsChange));
        Preflight(plan, mode, observer);

        var results = new List<InstallStepResult>();
        for (var i = 0; i < plan.Steps.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var step = plan.Steps[i];
            observer.StepStarting(i, plan.Steps.Count, step);
            var state = mode == InstallRunMode.DryRun || i == 0 ? states[i] : SafeTest(step, context);
            InstallStepResult result;
            if (state.Condition == StepCondition.Skipped)
            {
                result = Result(i, step, InstallStepStatus.Skipped, state.Detail);
            }
            else if (state.InDesiredState)
            {
                result = Result(i, step, InstallStepStatus.InDesiredState, state.Detail);
            }
            else if (!observer.ShouldApply(step, state) || mode == InstallRunMode.DryRun)
            {
                result = Result(i, step, InstallStepStatus.WouldChange, state.Detail);
            }
            else
            {
                observer.Verbose($"{step.Name} {step.Target}: {state.Detail}; applying");
                try
                {
                    result = Result(i, step, InstallStepStatus.Changed, step.Apply(context));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    var error = AsKaiException(step, ex);
                    var failed = Result(i, step, InstallStepStatus.Failed, error.Message) with { ErrorId = error.ErrorId, Error = error.Message };
                    results.Add(failed);
                    observer.StepCompleted(failed);
                    throw error;
                }
            }
            results.Add(result);
            observer.StepCompleted(result);
        }
        return results;
    }

    /// <summary>Every step's Test, nothing applied: the drift report (Test-KaiInstall, status, DSC test).</summary>
    public static IReadOnlyList<InstallStepResult> TestAll(InstallPlan plan, IInstallObserver? observer = null)
    {
        observer ??= InstallObserver.Silent;
        plan.Context.Observer = observer;
        var states = TestSteps(plan, observer);
        plan.Context.SetPending(plan.Steps.Where((s, i) => states[i].NeedsChange));
        // Service steps depend on what else is pending: test them again now that it is known.
        return plan.Steps.Select((step, i) =>
        {
            var state = step.ControlsService ? SafeTest(step, plan.Context) : states[i];
            return Result(i, step, state.Condition switch
            {
                StepCondition.InDesiredState => InstallStepStatus.InDesiredState,
                StepCondition.Skipped => InstallStepStatus.Skipped,
                _ => InstallStepStatus.WouldChange,
            }, state.Detail);
        }).ToList();
    }

    /// <summary>True when no step that counts as drift needs a change.</summary>
    public static bool InDesiredState(InstallPlan plan, IReadOnlyList<InstallStepResult> tests) =>
        tests.All(t => t.Status != InstallStepStatus.WouldChange || !plan.Steps[t.Index].CountsAsDrift);

    private static List<StepState> TestSteps(InstallPlan plan, IInstallObserver observer)
    {
        var context = plan.Context;
        context.SetPending([]);
        var states = new List<StepState>();
        foreach (var step in plan.Steps)
        {
            var state = step.ControlsService ? StepState.Ok("(decided after the other steps)") : SafeTest(step, context);
            states.Add(state);
        }
        context.SetPending(plan.Steps.Where((s, i) => states[i].NeedsChange));
        for (var i = 0; i < plan.Steps.Count; i++)
        {
            if (plan.Steps[i].ControlsService) states[i] = SafeTest(plan.Steps[i], context);
        }
        foreach (var (step, state) in plan.Steps.Zip(states))
            observer.Verbose($"test {step.Name} {step.Target}: {state.Condition} ({state.Detail})");
        return states;
    }

    private static StepState SafeTest(InstallStep step, InstallContext context)
    {
        try
        {
            return step.Test(context);
        }
        catch (KaiException ex)
        {
            return StepState.Change($"cannot tell: {ex.Message}");
        }
        catch (UnauthorizedAccessException)
        {
            // A non-root status or drift check cannot look into root-only places (/etc/sudoers.d is 0750).
            return StepState.Skip($"cannot check as {context.Facts.InstallingUser.Name}: permission denied (run as root to check)");
        }
        catch (IOException ex)
        {
            return StepState.Change($"cannot tell: {ex.Message}");
        }
    }

    /// <summary>Everything that must hold before the first change; a failure here leaves the machine untouched.</summary>
    private static void Preflight(InstallPlan plan, InstallRunMode mode, IInstallObserver observer)
    {
        var layout = plan.Layout;
        var facts = plan.Facts;
        if (!layout.IsUserScope && !facts.IsRoot && layout.Root is null && mode == InstallRunMode.Apply)
            throw new KaiException("InstallRequiresRoot", KaiErrorKind.PermissionDenied,
                $"Installing Kai system-wide needs root (running as {facts.InstallingUser.Name}). Nothing was changed.", layout.InstallDirectory)
            {
                RecommendedAction = "Run it with sudo, preview it with -WhatIf / --dry-run, install under a writable -Root, or use -Scope CurrentUser.",
            };
        if (layout.Root is { } root)
        {
            var existing = NearestExisting(root);
            var writable = existing is not null && Directory.Exists(existing) && UnixFiles.CanWrite(existing);
            if (File.Exists(root) || existing is null || !Directory.Exists(existing))
                throw new KaiException("InstallTargetNotWritable", KaiErrorKind.WriteError, $"The root prefix '{root}' is not a directory. Nothing was changed.", root);
            if (!writable && mode == InstallRunMode.Apply)
                throw new KaiException("InstallTargetNotWritable", KaiErrorKind.PermissionDenied,
                    $"The root prefix '{root}' is not writable by {facts.InstallingUser.Name} ({existing} is the first existing folder and cannot be written). Nothing was changed.", root)
                {
                    RecommendedAction = "Choose a writable -Root, or run as root.",
                };
            if (!facts.IsRoot && !layout.IsUserScope && mode == InstallRunMode.Apply && plan.Payload is not null)
                observer.Warning($"Not running as root: owners are not set under {root} (files stay owned by {facts.InstallingUser.Name}); modes are.");
        }
        if (mode == InstallRunMode.Apply && plan.Blockers.Count > 0) throw plan.Blockers[0];
        if (mode == InstallRunMode.Apply && plan.Steps.OfType<WriteFileStep>().FirstOrDefault(s => s.Name == "WriteSudoers") is { } sudoers
            && plan.Context.IsPending(sudoers))
        {
            // A rejected sudoers file stops the run before the first change, not half-way through it.
            Sudoers.ValidateContent(sudoers.Content.ToArray(), plan.Options.VisudoPath);
        }
    }

    private static string? NearestExisting(string path)
    {
        for (var dir = Path.GetFullPath(path); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            if (Directory.Exists(dir) || File.Exists(dir)) return dir;
        }
        return null;
    }

    private static InstallStepResult Result(int index, InstallStep step, InstallStepStatus status, string detail) =>
        new(index, step.Name, step.Target, step.Action, status, detail);

    private static KaiException AsKaiException(InstallStep step, Exception ex) => ex switch
    {
        KaiException k => k,
        UnauthorizedAccessException => new KaiException("InstallStepFailed", KaiErrorKind.PermissionDenied,
            $"{step.Name} {step.Target}: permission denied ({ex.Message}). Steps before it were applied; fix the cause and re-run.", step.Target, ex),
        _ => new KaiException("InstallStepFailed", KaiErrorKind.WriteError,
            $"{step.Name} {step.Target}: {ex.Message}. Steps before it were applied; fix the cause and re-run.", step.Target, ex),
    };
}
