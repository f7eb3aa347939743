using System.Collections.Concurrent;
using System.Diagnostics;

namespace Kai.Native.Sandbox;

/// <summary>
/// Starts sandboxed processes from one dedicated thread that lives as long as this process.
/// bubblewrap's --die-with-parent (PR_SET_PDEATHSIG) fires when the <em>thread</em> that forked bwrap exits, not
/// the process: a shell started from a thread-pool thread is SIGKILLed whenever the pool retires that thread.
/// Forking from a thread that never exits makes "die with parent" mean "die with Kai", as intended.
/// </summary>
public static class SandboxSpawner
{
    private static readonly BlockingCollection<(ProcessStartInfo Start, TaskCompletionSource<Process> Result)> s_queue = new();
    private static readonly Thread s_thread = StartThread();

    private static Thread StartThread()
    {
        var thread = new Thread(Loop) { IsBackground = true, Name = "kai-sandbox-spawner" };
        thread.Start();
        return thread;
    }

    private static void Loop()
    {
        foreach (var (start, result) in s_queue.GetConsumingEnumerable())
        {
            try
            {
                result.SetResult(Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start."));
            }
            catch (Exception ex)
            {
                result.SetException(ex);
            }
        }
    }

    /// <summary>Process.Start on the spawner thread (use it for every process started from a <see cref="SandboxedCommand"/>).</summary>
    public static Process Start(ProcessStartInfo start)
    {
        ArgumentNullException.ThrowIfNull(start);
        if (Thread.CurrentThread == s_thread) return Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start.");
        var result = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        s_queue.Add((start, result));
        return result.Task.GetAwaiter().GetResult();
    }

    /// <summary>A ProcessStartInfo for <paramref name="command"/>: its file and arguments, exactly its environment, nothing redirected.</summary>
    public static ProcessStartInfo StartInfo(SandboxedCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var start = new ProcessStartInfo(command.FileName) { UseShellExecute = false, WorkingDirectory = "/" };
        foreach (var argument in command.Arguments) start.ArgumentList.Add(argument);
        start.Environment.Clear();
        foreach (var (name, value) in command.Environment) start.Environment[name] = value;
        return start;
    }
}
