using System.Management.Automation;
using Kai.Native;
using Kai.Native.Sessions;
using Kai.Native.Sessions.Interactive;

namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>
/// Invoke-KaiShell -AsJob: a real PowerShell job (Get-Job, Receive-Job, Wait-Job, Stop-Job) whose output is
/// the command's <see cref="ExecResult"/>. Stop-Job cancels the command (the graduated cancel) and the
/// job still yields the result that says how it ended.
/// </summary>
public sealed class KaiShellJob : Job
{
    /// <summary>Longest Stop-Job waits for the graduated cancel to report back.</summary>
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(30);

    private readonly ISessionHost _host;
    private readonly ExecRequest _request;
    private readonly bool _streamVerbose;
    private readonly CancellationTokenSource _stop = new();
    private Task _run = Task.CompletedTask;
    private string _status = "Not started";

    internal KaiShellJob(ISessionHost host, ExecRequest request, string command, bool streamVerbose)
        : base(command)
    {
        _host = host;
        _request = request;
        _streamVerbose = streamVerbose;
        PSJobTypeName = nameof(KaiShellJob);
    }

    /// <summary>The session the command runs in.</summary>
    public string Session => _request.Session;

    public override string StatusMessage => _status;
    public override bool HasMoreData => Output.Count > 0 || Error.Count > 0 || Verbose.Count > 0 || Warning.Count > 0;
    public override string Location => $"{_host.Description}:{_request.Session}";

    internal void Start()
    {
        _status = "Running";
        SetJobState(JobState.Running);
        _run = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        var splitter = new OutputLineSplitter();
        var progress = _streamVerbose ? new ChunkProgress(chunk => AddVerbose(splitter.Add(chunk))) : null;
        try
        {
            var result = await _host.ExecAsync(_request, progress, _stop.Token).ConfigureAwait(false);
            if (progress is not null) AddVerbose(splitter.Flush());
            foreach (var warning in ResultWarnings.For(result)) Warning.Add(new WarningRecord(warning));
            Output.Add(PSObject.AsPSObject(result));
            _status = ExecResultText.Describe(result) ?? "Completed";
            SetJobState(_stop.IsCancellationRequested ? JobState.Stopped : JobState.Completed);
        }
        catch (KaiException ex)
        {
            Error.Add(ErrorRecords.From(ex));
            _status = ex.Message;
            SetJobState(JobState.Failed);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            _status = "Stopped";
            SetJobState(JobState.Stopped);
        }
        catch (Exception ex)
        {
            Error.Add(new ErrorRecord(ex, "KaiShellJobFailed", ErrorCategory.NotSpecified, _request.Session));
            _status = ex.Message;
            SetJobState(JobState.Failed);
        }
    }

    private void AddVerbose(IEnumerable<string> lines)
    {
        foreach (var line in lines) Verbose.Add(new VerboseRecord(line));
    }

    /// <summary>Stop-Job: cancels the command and waits (bounded) for the result of the graduated cancel.</summary>
    public override void StopJob()
    {
        if (IsFinished(JobStateInfo.State)) return;
        _status = "Stopping";
        _stop.Cancel();
        _run.Wait(StopWait);
    }

    private static bool IsFinished(JobState state) =>
        state is JobState.Completed or JobState.Failed or JobState.Stopped;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (!IsFinished(JobStateInfo.State)) StopJob();
            _stop.Dispose();
        }
        base.Dispose(disposing);
    }
}
