using System.Management.Automation;
using Kai.Native;

namespace Kai.PowerShell.Cmdlets;

/// <summary>
/// Base of every Kai cmdlet: owns the CancellationTokenSource that Ctrl+C (StopProcessing) cancels,
/// and turns engine failures (<see cref="KaiException"/>) into ErrorRecords with a stable ErrorId,
/// the right category and the target.
/// </summary>
public abstract class KaiCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private bool _disposed;

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline is stopped.</summary>
    protected CancellationToken CancellationToken => _cancellation.Token;

    protected override void StopProcessing() => _cancellation.Cancel();

    protected override void BeginProcessing() => Guard(BeginProcessingCore);
    protected override void ProcessRecord() => Guard(ProcessRecordCore);
    protected override void EndProcessing() => Guard(EndProcessingCore);

    protected virtual void BeginProcessingCore() { }
    protected virtual void ProcessRecordCore() { }
    protected virtual void EndProcessingCore() { }

    /// <summary>Waits for engine work on the pipeline thread (cancelled by Ctrl+C through <see cref="CancellationToken"/>).</summary>
    protected static T Await<T>(Task<T> task) => task.GetAwaiter().GetResult();

    protected static void Await(Task task) => task.GetAwaiter().GetResult();

    /// <summary>
    /// Runs engine work that reports as it goes (output chunks, progress). Cmdlet APIs (WriteObject,
    /// WriteProgress, WriteVerbose, host writes) may only be called on the pipeline thread, so the work
    /// posts callbacks through the given <c>post</c> delegate and this thread runs them until the work ends.
    /// </summary>
    protected T RunPumped<T>(Func<Action<Action>, Task<T>> work)
    {
        using var queue = new System.Collections.Concurrent.BlockingCollection<Action>();
        void Post(Action callback)
        {
            try
            {
                queue.Add(callback);
            }
            catch (InvalidOperationException)
            {
                // Posted after completion: nothing is listening any more.
            }
        }

        var task = Task.Run(() => work(Post));
        task.ContinueWith(_ => queue.CompleteAdding(), TaskScheduler.Default);
        foreach (var callback in queue.GetConsumingEnumerable())
            callback();
        return task.GetAwaiter().GetResult();
    }

    /// <summary>A non-terminating error for one input; the pipeline goes on with the next.</summary>
    protected void WriteKaiError(KaiException exception) => WriteError(ErrorRecords.From(exception));

    /// <summary>Runs one per-input action; an engine failure becomes a non-terminating error and the pipeline goes on.</summary>
    protected void ForEachInput(IEnumerable<string> inputs, Action<string> action)
    {
        foreach (var input in inputs)
        {
            try
            {
                action(input);
            }
            catch (KaiException ex)
            {
                WriteKaiError(ex);
            }
        }
    }

    /// <summary>Runs <paramref name="body"/>; an engine failure becomes a terminating ErrorRecord.</summary>
    private void Guard(Action body)
    {
        try
        {
            body();
        }
        catch (KaiException ex)
        {
            ThrowTerminatingError(ErrorRecords.From(ex));
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _cancellation.Dispose();
        GC.SuppressFinalize(this);
    }
}
