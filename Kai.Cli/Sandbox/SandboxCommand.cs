using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kai.Native;
using Kai.Native.Platform;
using Kai.Native.Sandbox;

namespace Kai.Cli.Sandbox;

/// <summary>
/// `kai sandbox test` and `kai sandbox explain PATH…`: Test-KaiSandbox for root shells and scripts without pwsh
/// (for example to check the installed service's policy with --data-dir /var/lib/kai). Exit status: 0 every probe
/// blocked, 1 a probe escaped, 2 Kai could not run the test.
/// </summary>
internal static class SandboxCommand
{
    public const int Escaped = 1;
    public const int Failed = 2;

    private static readonly Dictionary<string, SandboxKind> s_backends = new(StringComparer.OrdinalIgnoreCase)
    {
        ["auto"] = SandboxKind.Auto,
        ["bubblewrap"] = SandboxKind.Bubblewrap,
        ["sandbox-exec"] = SandboxKind.SandboxExec,
    };

    public static Command Create()
    {
        var policy = new Option<string?>("--policy") { Description = "Sandbox policy file (YAML or JSON); the default policy when omitted.", HelpName = "FILE" };
        var workspace = new Option<string?>("--workspace", "-w") { Description = "Workspace the policy is rendered for (default: the current directory).", HelpName = "DIR" };
        var dataDirectory = new Option<string?>("--data-dir")
        {
            Description = "Kai's data directory: hidden by the default policy, holds the probe cache (default: $KAI_DATA_DIR, else ~/.local/share/kai).",
            HelpName = "DIR",
        };

        var sandbox = new Option<string?>("--sandbox") { Description = "Backend to test: auto (default), bubblewrap or sandbox-exec.", HelpName = "auto|bubblewrap|sandbox-exec" };
        sandbox.AcceptOnlyFromAmong(s_backends.Keys.ToArray());
        var force = new Option<bool>("--force") { Description = "Probe again even if a passing result is cached (results are kept 24 hours)." };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON." };
        var test = new Command("test", "Run the escape probes inside the real sandbox with the real policy (exit 1 if any escaped).")
        {
            policy, workspace, dataDirectory, sandbox, force, json,
        };
        test.SetAction(result => Guard("test", () =>
        {
            var resolved = Policy(result.GetValue(policy), result.GetValue(workspace), result.GetValue(dataDirectory));
            var backend = SandboxBackends.Resolve(result.GetValue(sandbox) is { } name ? s_backends[name] : SandboxKind.Auto);
            if (backend.Kind == SandboxKind.None)
                throw new KaiException("SandboxUnavailable", KaiErrorKind.InvalidOperation,
                    "KAI_SANDBOX=off turns the sandbox off, so there is nothing to test; choose --sandbox bubblewrap or sandbox-exec.", "KAI_SANDBOX");
            var report = SandboxPreflight.Run(resolved, backend, new SandboxPreflightOptions { Force = result.GetValue(force) });
            if (result.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(report, s_json));
            else PrintReport(report, resolved);
            return report.IsSafe ? 0 : Escaped;
        }));

        var paths = new Argument<string[]>("path") { Description = "Paths to explain (relative to the current directory; ~ is your home).", Arity = ArgumentArity.OneOrMore };
        var explain = new Command("explain", "Explain which sandbox rule hides, protects or allows each path.")
        {
            paths, policy, workspace, dataDirectory, json,
        };
        explain.SetAction(result => Guard("explain", () =>
        {
            var resolved = Policy(result.GetValue(policy), result.GetValue(workspace), result.GetValue(dataDirectory));
            var explanations = (result.GetValue(paths) ?? Array.Empty<string>())
                .Select(p => resolved.Explain(p.StartsWith('~') ? p : Path.GetFullPath(p))).ToList();
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(explanations, s_json));
                return 0;
            }
            foreach (var e in explanations)
            {
                Console.WriteLine(e.Path);
                if (e.ResolvedPath != e.Path) Console.WriteLine($"  resolved: {e.ResolvedPath}");
                Console.WriteLine($"  access:   {e.Access}");
                Console.WriteLine($"  rule:     {e.RuleId}");
                Console.WriteLine($"  why:      {e.Reason}");
                foreach (var note in e.Notes) Console.WriteLine($"  note:     {note}");
            }
            return 0;
        }));

        return new Command("sandbox", "Prove the sandbox holds on this machine, and explain its rules.") { test, explain };
    }

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    private static SandboxPolicy Policy(string? policyFile, string? workspace, string? dataDirectory)
    {
        var directory = Path.GetFullPath(workspace ?? Environment.CurrentDirectory);
        if (!Directory.Exists(directory))
            throw new KaiException("SandboxWorkspaceNotFound", KaiErrorKind.ObjectNotFound, $"The workspace '{directory}' does not exist.", directory);
        var context = SandboxPreflight.ProbeContext(directory, dataDirectory is null ? KaiPaths.UserDataDirectory() : Path.GetFullPath(dataDirectory));
        return policyFile is null ? SandboxPolicies.Default(context) : SandboxPolicies.Load(policyFile, context);
    }

    private static void PrintReport(SandboxPreflightReport report, SandboxPolicy policy)
    {
        Console.WriteLine($"{report.Backend} (sha256 {report.BinarySha256[..12]}…), policy {policy.Source} ({report.PolicyHash[..12]}…)"
                          + (report.FromCache ? $", cached from {report.CheckedAt:u}" : ""));
        var width = report.Results.Max(r => r.Probe.Length) + 2;
        foreach (var result in report.Results)
        {
            var outcome = result.Outcome switch
            {
                SandboxProbeOutcome.Blocked => "blocked",
                SandboxProbeOutcome.Escaped => "ESCAPED",
                _ => "n/a",
            };
            Console.WriteLine($"{result.Probe.PadRight(width)}{outcome,-9}{result.Detail}");
        }
        if (!report.IsSafe) Console.Error.WriteLine("kai sandbox test: [SandboxUnsafe] the sandbox does not hold under this policy; sessions will not start under it.");
    }

    private static int Guard(string command, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (KaiException ex)
        {
            Console.Error.WriteLine($"kai sandbox {command}: [{ex.ErrorId}] {ex.Message}");
            if (ex.RecommendedAction is { } action) Console.Error.WriteLine($"  fix: {action}");
            return Failed;
        }
    }
}
