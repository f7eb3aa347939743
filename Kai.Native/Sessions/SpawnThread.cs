using System.Collections.Concurrent;
using System.Diagnostics;

namespace Kai.Native.Sessions;

/// <summary>
/// Starts every session process from one thread that lives as long as the process. Linux ties
/// PR_SET_PDEATHSIG — what `bwrap --die-with-parent` relies on — to the thread that forked the child,
/// not the process: a shell forked from a pool thread would be SIGKILLed when that thread retires.
/// </summary>
internal static class SpawnThread
{
    private static readonly BlockingCollection<Request> s_requests = new();
    private static readonly Thread s_thread = StartThread();

    public static Process Start(ProcessStartInfo startInfo)
    {
        if (Thread.CurrentThread == s_thread) return Process.Start(startInfo) ?? throw new InvalidOperationException("No process was started.");
        var request = new Request(startInfo);
        s_requests.Add(request);
        request.Done.Wait();
        request.Done.Dispose();
        return request.Error is { } error
            ? throw (error is System.ComponentModel.Win32Exception ? error : new InvalidOperationException(error.Message, error))
            : request.Process!;
    }

    private static Thread StartThread()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "kai-spawn" };
        thread.Start();
        return thread;
    }

    private static void Run()
    {
        foreach (var request in s_requests.GetConsumingEnumerable())
        {
            try
            {
                request.Process = Process.Start(request.StartInfo);
                if (request.Process is null) request.Error = new InvalidOperationException("No process was started.");
            }
            catch (Exception e)
            {
                request.Error = e;
            }
            finally
            {
                request.Done.Set();
            }
        }
    }

    private sealed class Request(ProcessStartInfo startInfo)
    {
        public ProcessStartInfo StartInfo { get; } = startInfo;
        public ManualResetEventSlim Done { get; } = new();
        public Process? Process { get; set; }
        public Exception? Error { get; set; }
    }
}
