using System.Management.Automation.Host;
using Kai.Native.Sessions;
using Kai.Native.Sessions.Interactive;

namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>
/// Enter-KaiSession's terminal: the PowerShell host UI. Every host call is posted to the pipeline thread
/// (<see cref="KaiCmdlet"/>'s RunPumped), so it works on any host, including ones without a raw UI.
/// </summary>
internal sealed class HostTerminal(PSHostUserInterface ui, Action<Action> post, bool consoleInterrupts) : IInteractiveTerminal
{
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
        if (chunk.Stream == OutputStream.StandardError && ui.RawUI is { } raw)
            ui.Write(ConsoleColor.Red, raw.BackgroundColor, chunk.Text);
        else
            ui.Write(chunk.Text);
    });

    public void WriteStatus(string text) => post(() =>
    {
        if (ui.RawUI is { } raw)
            ui.WriteLine(ConsoleColor.DarkGray, raw.BackgroundColor, text);
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
