using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kai.Native;
using Kai.Native.Install;

namespace Kai.Cli.Install;

/// <summary>
/// What `kai install apply|status|uninstall` share: the common options, JSON output, exit codes, and the console
/// observer that prints each step (with the seed's [DRY RUN] prefix when nothing is applied).
/// Exit codes (for fleet tools): 0 = nothing changed / in desired state, 2 = changed (or, dry run: would change),
/// 1 = failed.
/// </summary>
internal static class InstallRunCli
{
    public const int ExitUnchanged = 0;
    public const int ExitFailed = 1;
    public const int ExitChanged = 2;

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static Option<string?> RootOption() => new("--root")
    {
        Description = "Install under this prefix (like DESTDIR): <root>/opt/kai, <root>/etc/kai/env …",
    };

    public static Option<string?> SourceOption() => new("--source")
    {
        Description = "The Kai distribution to install (a folder with bin/kai); default: the one this kai belongs to.",
    };

    public static Option<InstallScope?> ScopeOption() => new("--scope")
    {
        Description = "AllUsers (system service, root) or CurrentUser (your own user unit, XDG paths); default: install.conf's.",
    };

    public static Option<bool> JsonOption() => new("--json") { Description = "Print the result as JSON (exit code: 0 unchanged, 2 changed, 1 failed)." };
    public static Option<bool> DryRunOption() => new("--dry-run", "-n") { Description = "Print every action with a [DRY RUN] prefix; change nothing." };
    public static Option<bool> VerboseOption() => new("--verbose", "-v") { Description = "Explain each decision on stderr." };
    public static Option<string[]> StepOption() => new("--step")
    {
        Description = "Run only the steps with these names (wildcards allowed), e.g. --step WriteSudoers.",
        AllowMultipleArgumentsPerToken = true,
    };

    /// <summary>Loads install.conf and turns the CLI options into <see cref="InstallOptions"/>.</summary>
    public static (InstallConfig Config, InstallOptions Options) Load(string configPath, string? root, string? source, InstallScope? scope, string[]? steps = null)
    {
        var full = Path.GetFullPath(configPath);
        var config = InstallConfigFile.Load(full);
        return (config, new InstallOptions
        {
            Root = root,
            SourcePath = source,
            Scope = scope,
            ConfigDirectory = Path.GetDirectoryName(full),
            Steps = steps is { Length: > 0 } ? steps : null,
        });
    }

    /// <summary>Runs <paramref name="body"/>; a KaiException becomes "kai: error [Id]: message" (or JSON) and exit 1.</summary>
    public static int Guard(bool json, string command, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (KaiException ex)
        {
            if (json)
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new { command, failed = true, errorId = ex.ErrorId, error = ex.Message, target = ex.Target?.ToString() }, Json));
            }
            PrintError(command, ex);
            return ExitFailed;
        }
    }

    /// <summary>"kai install apply: [ErrorId] message" plus the recommended action, on stderr.</summary>
    public static void PrintError(string command, KaiException error)
    {
        Console.Error.WriteLine($"kai install {command}: [{error.ErrorId}] {error.Message}");
        if (error.RecommendedAction is { } action) Console.Error.WriteLine("  " + action);
    }

    public static object ResultsDocument(string command, bool dryRun, IReadOnlyList<InstallStepResult> results, KaiException? error = null) => new
    {
        command,
        dryRun,
        changed = results.Any(r => r.Changed),
        wouldChange = results.Any(r => r.Status == InstallStepStatus.WouldChange),
        failed = error is not null,
        errorId = error?.ErrorId,
        error = error?.Message,
        steps = results.Select(r => new { r.Index, r.Step, r.Target, r.Action, r.Status, r.Changed, r.Detail, r.ErrorId, r.Error }),
    };

    /// <summary>Runs a plan and prints it (text or JSON); returns the exit code.</summary>
    public static int RunPlan(string command, InstallPlan plan, bool dryRun, bool json, bool verbose)
    {
        var observer = new ConsoleInstallObserver(dryRun, json, verbose);
        KaiException? error = null;
        IReadOnlyList<InstallStepResult> results;
        try
        {
            results = InstallRunner.Run(plan, dryRun ? InstallRunMode.DryRun : InstallRunMode.Apply, observer);
        }
        catch (KaiException ex)
        {
            error = ex;
            results = observer.Results;
        }
        if (json) Console.Out.WriteLine(JsonSerializer.Serialize(ResultsDocument(command, dryRun, results, error), Json));
        if (error is not null)
        {
            PrintError(command, error);
            return ExitFailed;
        }
        if (!json) Console.Out.WriteLine(Summary(results, dryRun));
        return results.Any(r => r.Changed || r.Status == InstallStepStatus.WouldChange) ? ExitChanged : ExitUnchanged;
    }

    private static string Summary(IReadOnlyList<InstallStepResult> results, bool dryRun)
    {
        var count = (InstallStepStatus s) => results.Count(r => r.Status == s);
        return dryRun
            ? $"[DRY RUN] {count(InstallStepStatus.WouldChange)} step(s) would change, {count(InstallStepStatus.InDesiredState)} already in the desired state, {count(InstallStepStatus.Skipped)} skipped. Nothing was changed."
            : $"{count(InstallStepStatus.Changed)} step(s) changed, {count(InstallStepStatus.InDesiredState)} already in the desired state, {count(InstallStepStatus.Skipped)} skipped.";
    }
}

/// <summary>Prints steps as they happen: "[DRY RUN] &lt;action&gt;: &lt;target&gt;" in a dry run, one status line per step otherwise.</summary>
internal sealed class ConsoleInstallObserver(bool dryRun, bool json, bool verbose) : InstallObserver
{
    public List<InstallStepResult> Results { get; } = new();

    public override bool ShouldApply(InstallStep step, StepState state)
    {
        if (dryRun && !json) Console.Out.WriteLine($"[DRY RUN] {step.Action}: {step.Target} ({state.Detail})");
        return !dryRun;
    }

    public override void StepCompleted(InstallStepResult result)
    {
        Results.Add(result);
        if (json) return;
        if (dryRun)
        {
            if (result.Status != InstallStepStatus.WouldChange)
                Console.Out.WriteLine($"[DRY RUN] {(result.Status == InstallStepStatus.Skipped ? "skip" : "ok")}   {result.Step} {result.Target}: {result.Detail}");
            return;
        }
        var label = result.Status switch
        {
            InstallStepStatus.Changed => "changed",
            InstallStepStatus.InDesiredState => "ok",
            InstallStepStatus.Skipped => "skipped",
            InstallStepStatus.Failed => "FAILED",
            _ => "not run",
        };
        Console.Out.WriteLine($"{label,-8} {result.Step,-22} {result.Target}: {result.Detail}");
    }

    public override void Verbose(string message)
    {
        if (verbose) Console.Error.WriteLine("VERBOSE: " + message);
    }

    public override void Warning(string message) => Console.Error.WriteLine("WARNING: " + message);
}
