using System.Management.Automation;
using Kai.Native.Sessions;

namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>Wait-KaiProcess: waits until background processes end; Ctrl+C stops waiting (not the process).</summary>
[Cmdlet(VerbsLifecycle.Wait, "KaiProcess")]
[OutputType(typeof(BackgroundProcessInfo))]
public sealed class WaitKaiProcessCommand : KaiProcessesInputCmdlet
{
    /// <summary>Longest total wait, in seconds; without it, waits as long as it takes.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int TimeoutSec { get; set; }

    private DateTimeOffset? _deadline;

    protected override void BeginProcessingCore()
    {
        if (MyInvocation.BoundParameters.ContainsKey(nameof(TimeoutSec)))
            _deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(TimeoutSec);
    }

    protected override void ProcessId(string id)
    {
        TimeSpan? remaining = _deadline is { } deadline ? Max(deadline - DateTimeOffset.UtcNow, TimeSpan.Zero) : null;
        var process = Await(SessionHost.WaitProcessAsync(id, remaining, CancellationToken));
        if (process.State == BackgroundState.Running)
            WriteKaiError(ProcessErrors.WaitTimedOut(id, TimeSpan.FromSeconds(TimeoutSec)));
        else
            WriteObject(process);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
