namespace Kai.Native.Sessions;

/// <summary>
/// Threads that wait for long commands (blocked in poll(2), never on the thread pool, which would
/// starve with a hundred long commands). Idle ones are kept for a while and reused: starting a thread
/// costs a millisecond or more on a busy machine, which is a lot next to a -Fresh command.
/// </summary>
internal static class WaitThreads
{
    private static readonly TimeSpan s_idleLifetime = TimeSpan.FromSeconds(30);
    private static readonly Stack<Worker> s_idle = new();

    /// <summary>Advances <paramref name="run"/> to its end on a wait thread; the task completes then.</summary>
    public static Task Run(ProcessRun run)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Worker? worker;
        lock (s_idle) worker = s_idle.Count > 0 ? s_idle.Pop() : null;
        if (worker is null) new Worker(run, done).Start();
        else worker.Assign(run, done);
        return done.Task;
    }

    private sealed class Worker
    {
        private readonly ManualResetEventSlim _signal = new(false, 0);
        private ProcessRun? _run;
        private TaskCompletionSource? _done;

        public Worker(ProcessRun run, TaskCompletionSource done)
        {
            _run = run;
            _done = done;
        }

        public void Start() => new Thread(Loop) { IsBackground = true, Name = "kai-wait" }.Start();

        public void Assign(ProcessRun run, TaskCompletionSource done)
        {
            _run = run;
            _done = done;
            _signal.Set();
        }

        private void Loop()
        {
            while (true)
            {
                var run = _run!;
                var done = _done!;
                _run = null;
                _done = null;
                try
                {
                    run.Advance(int.MaxValue);
                    done.TrySetResult();
                }
                catch (Exception e)
                {
                    done.TrySetException(e);
                }
                _signal.Reset();
                lock (s_idle) s_idle.Push(this);
                if (_signal.Wait(s_idleLifetime)) continue;
                lock (s_idle)
                {
                    // Idle too long: leave, unless work was handed over just now.
                    if (s_idle.Contains(this))
                    {
                        var keep = s_idle.Where(w => w != this).Reverse().ToList();
                        s_idle.Clear();
                        foreach (var w in keep) s_idle.Push(w);
                        _signal.Dispose();
                        return;
                    }
                }
                _signal.Wait();
            }
        }
    }
}
