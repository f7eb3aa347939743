using System.Management.Automation;
using Kai.Native.Sessions.Interactive;
using Kai.PowerShell.Completion;

namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>
/// Enter-KaiSession: an interactive loop on the PowerShell host. Prompt with session and working directory,
/// each line runs in the session with output shown as it arrives, Ctrl+C cancels only the running command,
/// `exit` leaves (the session keeps running).
/// </summary>
[Cmdlet(VerbsCommon.Enter, "KaiSession")]
[OutputType(typeof(void))]
public sealed class EnterKaiSessionCommand : KaiSessionCmdlet
{
    /// <summary>The session: a name or a session object.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    [SessionNameTransformation]
    [ArgumentCompleter(typeof(SessionNameCompleter))]
    public string Session { get; set; } = "";

    /// <summary>Seconds each command may run before it is cancelled; the host's default (30) when omitted.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int TimeoutSec { get; set; }

    protected override void ProcessRecordCore()
    {
        var options = new InteractiveOptions(MyInvocation.BoundParameters.ContainsKey(nameof(TimeoutSec)) ? TimeSpan.FromSeconds(TimeoutSec) : null);
        // Only pwsh's own console can take Ctrl+C as a key; elsewhere Ctrl+C (StopProcessing) ends the loop too.
        var consoleInterrupts = Host.Name == "ConsoleHost" && !Console.IsInputRedirected;
        RunPumped(async post =>
        {
            var terminal = new HostTerminal(Host.UI, post, consoleInterrupts);
            return await new InteractiveShell(SessionHost, Session, terminal, options).RunAsync(CancellationToken).ConfigureAwait(false);
        });
    }
}
