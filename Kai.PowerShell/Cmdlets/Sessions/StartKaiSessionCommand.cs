using System.Management.Automation;
using Kai.Native.Sandbox;
using Kai.Native.Sessions;

namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>Start-KaiSession: a named, persistent, sandboxed bash session.</summary>
[Cmdlet(VerbsLifecycle.Start, "KaiSession", SupportsShouldProcess = true)]
[OutputType(typeof(SessionInfo))]
public sealed class StartKaiSessionCommand : KaiSessionCmdlet
{
    /// <summary>The session's name (how every other cmdlet refers to it).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The directory the session works in (writable inside the sandbox); relative to the current location.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Workspace { get; set; }

    /// <summary>A sandbox policy file (YAML or JSON); the default policy when omitted.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Policy { get; set; }

    /// <summary>Which sandbox wraps the shell. None must be chosen explicitly: Auto never falls back to it.</summary>
    [Parameter]
    public SandboxKind Sandbox
    {
        get => (SandboxKind)_sandbox;
        set => _sandbox = (int)value;
    }

    // Stored as int: Import-Module loads this public type before the module's load context is hooked up,
    // and a field of an engine enum would make the runtime look for Kai.Native in the default context.
    private int _sandbox = (int)SandboxKind.Auto;

    protected override void ProcessRecordCore()
    {
        var workspace = Workspace is null ? null : ResolveFileSystemPath(Workspace, nameof(Workspace));
        var policy = Policy is null ? null : ResolveFileSystemPath(Policy, nameof(Policy));
        var action = $"Start session (workspace: {workspace ?? "default"}, sandbox: {Sandbox}{(policy is null ? "" : ", policy: " + policy)})";
        if (!ShouldProcess(Name, action)) return;
        var request = new StartSessionRequest(Name, workspace, policy, Sandbox);
        WriteObject(Await(SessionHost.StartSessionAsync(request, CancellationToken)));
    }
}
