namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>
/// On a real console, Ctrl+C normally stops the whole pipeline (Enter-KaiSession included). While one
/// command runs, this takes Ctrl+C as input instead (TreatControlCAsInput, as PSReadLine does) and turns it
/// into a cancel of that command only. Keys typed meanwhile are dropped: the command's stdin is empty.
/// </summary>
internal sealed class ConsoleInterruptWatcher : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(30);
    private readonly CancellationTokenSource _stop = new();
    private readonly bool _previous;
    private readonly Task _watch;

    public ConsoleInterruptWatcher(CancellationTokenSource command)
    {
        _previous = Console.TreatControlCAsInput;
        Console.TreatControlCAsInput = true;
        _watch = Task.Run(() => WatchAsync(command));
    }

    private async Task WatchAsync(CancellationTokenSource command)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                while (Console.KeyAvailable)
                {
                    var key = Console.ReadKey(intercept: true);
                    if (key.KeyChar == '\u0003' || (key.Key == ConsoleKey.C && key.Modifiers.HasFlag(ConsoleModifiers.Control)))
                        command.Cancel();
                }
                await Task.Delay(PollInterval, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed: the command is over.
        }
        catch (ObjectDisposedException)
        {
            // The command's token source went first.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _watch.Wait(TimeSpan.FromSeconds(1));
        Console.TreatControlCAsInput = _previous;
        _stop.Dispose();
    }
}
