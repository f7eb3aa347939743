using System.Collections;
using System.Management.Automation;
using Kai.Native.Sessions;
using Kai.Native.Sessions.Interactive;
using Kai.PowerShell.Completion;

namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>
/// Invoke-KaiShell: runs a command in a session's persistent shell (or a fresh one, or in the background)
/// and returns an <see cref="ExecResult"/>. Ctrl+C cancels the command through the graduated cancel.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "KaiShell", DefaultParameterSetName = PersistentSet)]
[OutputType(typeof(ExecResult), ParameterSetName = new[] { PersistentSet, FreshSet })]
[OutputType(typeof(BackgroundProcessInfo), ParameterSetName = new[] { BackgroundSet })]
[OutputType(typeof(KaiShellJob), ParameterSetName = new[] { PersistentSet, FreshSet })]
public sealed class InvokeKaiShellCommand : KaiSessionCmdlet
{
    private const string PersistentSet = "Persistent";
    private const string FreshSet = "Fresh";
    private const string BackgroundSet = "Background";

    private readonly StandardInputBuffer _input = new();
    private bool _inputGiven;

    /// <summary>The session: a name or a session object.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [SessionNameTransformation]
    [ArgumentCompleter(typeof(SessionNameCompleter))]
    public string Session { get; set; } = "";

    /// <summary>The bash command line.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Command { get; set; } = "";

    /// <summary>Seconds before the command is cancelled (or moved to the background, see -OnTimeout).</summary>
    [Parameter(ParameterSetName = PersistentSet)]
    [Parameter(ParameterSetName = FreshSet)]
    [ValidateRange(1, int.MaxValue)]
    public int TimeoutSec { get; set; }

    /// <summary>Directory this one command runs in (inside the sandbox); the session's own directory does not change.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? WorkingDirectory { get; set; }

    /// <summary>Variables for this one command; values arrive exactly as given.</summary>
    [Parameter]
    [ValidateNotNull]
    public Hashtable? Environment { get; set; }

    /// <summary>The command's stdin: strings become lines, bytes and byte arrays are passed raw.</summary>
    [Parameter(ValueFromPipeline = true)]
    [AllowNull]
    [AllowEmptyString]
    [AllowEmptyCollection]
    public object? InputObject { get; set; }

    /// <summary>Run in a brand-new short-lived sandboxed shell; the session's state is neither used nor changed.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FreshSet)]
    public SwitchParameter Fresh { get; set; }

    /// <summary>Detach the command into its own sandbox; returns its background process.</summary>
    [Parameter(Mandatory = true, ParameterSetName = BackgroundSet)]
    public SwitchParameter Background { get; set; }

    /// <summary>Run as a PowerShell job (Get-Job, Receive-Job, Wait-Job, Stop-Job).</summary>
    [Parameter(ParameterSetName = PersistentSet)]
    [Parameter(ParameterSetName = FreshSet)]
    public SwitchParameter AsJob { get; set; }

    /// <summary>What a timeout does: Cancel (the graduated cancel) or Background (the command keeps running detached).</summary>
    [Parameter(ParameterSetName = PersistentSet)]
    [Parameter(ParameterSetName = FreshSet)]
    public TimeoutAction OnTimeout
    {
        get => (TimeoutAction)_onTimeout;
        set => _onTimeout = (int)value;
    }

    // Stored as int, not as the engine enum: see StartKaiSessionCommand.Sandbox.
    private int _onTimeout = (int)TimeoutAction.Cancel;

    /// <summary>Characters kept per stream (stdout, stderr); the rest is drained and replaced by a truncation marker.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int OutputCap { get; set; }

    protected override void ProcessRecordCore()
    {
        if (!MyInvocation.BoundParameters.ContainsKey(nameof(InputObject))) return;
        _inputGiven = true;
        _input.Add(InputObject);
    }

    protected override void EndProcessingCore()
    {
        var request = BuildRequest();
        var streamVerbose = VerboseRequested();
        if (AsJob)
        {
            var job = new KaiShellJob(SessionHost, request, Command, streamVerbose);
            JobRepository.Add(job);
            job.Start();
            WriteObject(job);
            return;
        }

        var result = streamVerbose ? RunStreamingToVerbose(request) : Await(SessionHost.ExecAsync(request, null, CancellationToken));
        if (Background && result.BackgroundProcessId is { } id)
        {
            var process = Await(SessionHost.GetProcessesAsync(result.Session, CancellationToken)).FirstOrDefault(p => p.Id == id);
            if (process is not null)
            {
                WriteObject(process);
                return;
            }
        }
        if (Stopping)
        {
            // Ctrl+C: the pipeline takes no more objects (WriteObject below throws PipelineStoppedException and
            // ends the command), so say on the host how the command ended. The graduated cancel is over by now.
            var how = ExecResultText.Describe(result, ExecResultDetail.Problems) ?? "ended";
            Host.UI.WriteWarningLine($"Invoke-KaiShell: '{result.Command}' {how}; session '{result.Session}' is ready for the next command.");
        }
        else
        {
            foreach (var warning in ResultWarnings.For(result)) WriteWarning(warning);
        }
        WriteObject(result);
    }

    private ExecRequest BuildRequest()
    {
        var mode = Fresh ? ExecMode.Fresh : Background ? ExecMode.Background : ExecMode.Persistent;
        var bound = MyInvocation.BoundParameters;
        return new ExecRequest(
            Session,
            Command,
            mode,
            WorkingDirectory,
            Environment is null ? null : ToVariables(Environment),
            _inputGiven ? _input.ToArray() : null,
            bound.ContainsKey(nameof(TimeoutSec)) ? TimeSpan.FromSeconds(TimeoutSec) : null,
            OnTimeout,
            bound.ContainsKey(nameof(OutputCap)) ? OutputCap : null);
    }

    private static Dictionary<string, string> ToVariables(Hashtable table)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            var name = LanguagePrimitives.ConvertTo<string>(entry.Key) ?? "";
            variables[name] = entry.Value is null ? "" : LanguagePrimitives.ConvertTo<string>(entry.Value) ?? "";
        }
        return variables;
    }

    /// <summary>-Verbose: each output line becomes a verbose record the moment it arrives.</summary>
    private ExecResult RunStreamingToVerbose(ExecRequest request)
    {
        var splitter = new OutputLineSplitter();
        return RunPumped(async post =>
        {
            void Emit(IReadOnlyList<string> lines)
            {
                if (lines.Count > 0) post(() => WriteVerboseLines(lines));
            }
            var result = await SessionHost.ExecAsync(request, new ChunkProgress(chunk => Emit(splitter.Add(chunk))), CancellationToken)
                .ConfigureAwait(false);
            Emit(splitter.Flush());
            return result;
        });
    }

    private void WriteVerboseLines(IEnumerable<string> lines)
    {
        if (Stopping) return; // cancelled: the lines have nowhere to go, the result still has them
        try
        {
            foreach (var line in lines) WriteVerbose(line);
        }
        catch (PipelineStoppedException)
        {
            // Stopped between the check and the write; keep pumping so the cancel's result arrives.
        }
    }
}
