using System.Management.Automation.Host;
using System.Management.Automation;
using Kai.Native.Sessions;
using Kai.Native.Sessions.Interactive;

namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>
/// Enter-KaiSession's terminal: the PowerShell host UI. Every host call is posted to the pipeline thread
/// (<see cref="KaiCmdlet"/>'s RunPumped), so it works on any host, including ones without a raw UI.
/// </summary>
internal sealed class HostTerminal(PSHostUserInterface ui, Action<Action> post, bool consoleInterrupts) : IInteractiveTerminal
{
    // The host's UI always has a RawUI wrapper; on hosts without a raw UI its members throw. Colour only where they work.
    private readonly ConsoleColor? _background = BackgroundOf(ui);

    private static ConsoleColor? BackgroundOf(PSHostUserInterface ui)
    {
        try
        {
            return ui.RawUI?.BackgroundColor;
        }
        catch (HostException)
        {
            return null;
        }
        catch (NotImplementedException)
        {
            return null;
        }
    }

    public Task<string?> ReadLineAsync(string prompt, CancellationToken cancellationToken)
    {
        var line = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        post(() =>
        {
            try
            {
                ui.Write(prompt);
                line.TrySetResult(ui.ReadLine());
            }
            catch (Exception ex)
            {
                line.TrySetException(ex);
            }
        });
        return line.Task.WaitAsync(cancellationToken);
    }

    public void Write(OutputChunk chunk) => post(() =>
    {
        if (chunk.Stream == OutputStream.StandardError && _background is { } background)
            ui.Write(ConsoleColor.Red, background, chunk.Text);
        else
            ui.Write(chunk.Text);
    });

    public void WriteStatus(string text) => post(() =>
    {
        if (_background is { } background)
            ui.WriteLine(ConsoleColor.DarkGray, background, text);
        else
            ui.WriteLine(text);
    });

    public IDisposable InterruptCancels(CancellationTokenSource command) =>
        consoleInterrupts ? new ConsoleInterruptWatcher(command) : NoScope.Instance;

    private sealed class NoScope : IDisposable
    {
        public static readonly NoScope Instance = new();
        public void Dispose() { }
    }
}
