using System.Management.Automation;
using Kai.Native.Sessions;

namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>Get-KaiTranscript: a session's durable screen transcript and its command records.</summary>
[Cmdlet(VerbsCommon.Get, "KaiTranscript")]
[OutputType(typeof(SessionTranscript))]
public sealed class GetKaiTranscriptCommand : KaiSessionsInputCmdlet
{
    /// <summary>Keep only the last N command records (the screen transcript is always whole).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; }

    protected override void ProcessSession(string name)
    {
        var transcript = Await(SessionHost.GetTranscriptAsync(name, CancellationToken));
        if (MyInvocation.BoundParameters.ContainsKey(nameof(Last)) && transcript.Commands.Count > Last)
            transcript = transcript with { Commands = transcript.Commands.Skip(transcript.Commands.Count - Last).ToList() };
        WriteObject(transcript);
    }
}
