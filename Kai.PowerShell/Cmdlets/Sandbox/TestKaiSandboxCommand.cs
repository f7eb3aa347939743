using System.Management.Automation;
using Kai.Native;
using Kai.Native.Platform;
using Kai.Native.Sandbox;

namespace Kai.PowerShell.Cmdlets.Sandbox;

/// <summary>
/// Test-KaiSandbox: runs the directed probes inside the real sandbox with the real policy and outputs one result
/// per probe; with -Path, explains which rule hides, protects or allows each path instead.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "KaiSandbox", DefaultParameterSetName = ProbeSet)]
// Engine types by name only: PowerShell reflects over the cmdlet's attributes and parameter types while importing,
// before the module's load context can answer for Kai.Native.
[OutputType("Kai.Native.Sandbox.SandboxProbeResult", ParameterSetName = new[] { ProbeSet })]
[OutputType("Kai.Native.Sandbox.SandboxExplanation", ParameterSetName = new[] { ExplainSet })]
public sealed class TestKaiSandboxCommand : KaiCmdlet
{
    public const string ProbeSet = "Probe";
    public const string ExplainSet = "Explain";

    private SandboxPolicy? _policy;

    /// <summary>A policy file (YAML or JSON); the default policy when omitted.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Policy { get; set; }

    /// <summary>The workspace the policy is rendered for; the current directory when omitted.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Workspace { get; set; }

    /// <summary>Kai's data directory (denied by the default policy, holds the probe cache); $KAI_DATA_DIR or the user's by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DataDirectory { get; set; }

    /// <summary>Auto, Bubblewrap or SandboxExec (None is not a sandbox to test).</summary>
    [Parameter]
    [ValidateSet("Auto", "Bubblewrap", "SandboxExec", IgnoreCase = true)]
    public string Sandbox { get; set; } = "Auto";

    /// <summary>Paths to explain instead of probing.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ExplainSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Probe again even when a passing result for this binary and policy is cached.</summary>
    [Parameter(ParameterSetName = ProbeSet)]
    public SwitchParameter Force { get; set; }

    protected override void BeginProcessingCore()
    {
        var workspace = Workspace is null
            ? SessionState.Path.CurrentFileSystemLocation.ProviderPath
            : GetUnresolvedProviderPathFromPSPath(Workspace);
        if (!Directory.Exists(workspace))
            throw new KaiException("SandboxWorkspaceNotFound", KaiErrorKind.ObjectNotFound, $"The workspace '{workspace}' does not exist.", workspace);
        var data = DataDirectory is null ? KaiPaths.UserDataDirectory() : GetUnresolvedProviderPathFromPSPath(DataDirectory);
        var context = SandboxPreflight.ProbeContext(workspace, data);
        _policy = Policy is null ? SandboxPolicies.Default(context) : SandboxPolicies.Load(GetUnresolvedProviderPathFromPSPath(Policy), context);
        WriteVerbose($"Sandbox policy {_policy.Source} (hash {_policy.Hash}) for workspace {workspace}; data directory {data}.");
    }

    protected override void ProcessRecordCore()
    {
        if (ParameterSetName != ExplainSet) return;
        foreach (var path in Path)
        {
            var resolved = path.StartsWith('~') || path.Contains("${", StringComparison.Ordinal) ? path : GetUnresolvedProviderPathFromPSPath(path);
            try
            {
                WriteObject(_policy!.Explain(resolved));
            }
            catch (KaiException ex)
            {
                WriteKaiError(ex);
            }
        }
    }

    protected override void EndProcessingCore()
    {
        if (ParameterSetName != ProbeSet) return;
        var backend = SandboxBackends.Resolve(Enum.Parse<SandboxKind>(Sandbox, ignoreCase: true));
        if (backend.Kind == SandboxKind.None)
            throw new KaiException("SandboxUnavailable", KaiErrorKind.InvalidOperation,
                $"{SandboxBackends.EnvironmentVariable}=off turns the sandbox off, so there is nothing to test. Choose -Sandbox Bubblewrap or SandboxExec.",
                SandboxBackends.EnvironmentVariable);
        var progress = new ProgressRecord(1, "Test-KaiSandbox", $"Probing the {backend.Name} sandbox") { PercentComplete = -1 };
        WriteProgress(progress);
        var report = RunPumped(_ => Task.Run(() => SandboxPreflight.Run(_policy!, backend, new SandboxPreflightOptions { Force = Force.IsPresent }), CancellationToken));
        progress.RecordType = ProgressRecordType.Completed;
        WriteProgress(progress);
        WriteVerbose(report.FromCache
            ? $"Cached result from {report.CheckedAt:u} ({backend.Name} sha256 {report.BinarySha256[..12]}…, policy {report.PolicyHash[..12]}…); -Force probes again."
            : $"Probed {backend.Name} (sha256 {report.BinarySha256[..12]}…) with policy {report.PolicyHash[..12]}….");
        foreach (var result in report.Results)
        {
            var item = PSObject.AsPSObject(result);
            item.Properties.Add(new PSNoteProperty("Backend", report.Backend));
            item.Properties.Add(new PSNoteProperty("Cached", report.FromCache));
            item.Properties.Add(new PSNoteProperty("CheckedAt", report.CheckedAt));
            WriteObject(item);
        }
        if (!report.IsSafe)
        {
            var escaped = report.Results.Where(r => r.Escaped).Select(r => r.Probe).ToList();
            WriteKaiError(new KaiException("SandboxUnsafe", KaiErrorKind.SecurityError,
                $"The {backend.Name} sandbox does not hold under policy {_policy!.Source}: {string.Join(", ", escaped)} escaped. Sessions will not start under it.",
                _policy.Source)
            { RecommendedAction = "Read each escaped probe's Detail, fix the policy or the host, then run Test-KaiSandbox -Force." });
        }
    }
}
