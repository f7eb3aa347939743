using Kai.Native.Sessions;
using Kai.Native.Sessions.Interactive;

namespace Kai.Cli.Shell;

/// <summary>
/// `kai shell`'s terminal: stdout/stderr of the command to this process's stdout/stderr, Kai's own status
/// lines to stderr, prompts only when stdin is a terminal (so a script can be piped in). Ctrl+C cancels the
/// running command, and is ignored at the prompt (`exit` or end of input leaves).
/// </summary>
internal sealed class ConsoleTerminal : IInteractiveTerminal, IDisposable
{
    private readonly object _gate = new();
    private readonly bool _colorStatus = !Console.IsErrorRedirected;
    private CancellationTokenSource? _command;

    public ConsoleTerminal() => Console.CancelKeyPress += OnCancelKeyPress;

    public Task<string?> ReadLineAsync(string prompt, CancellationToken cancellationToken)
    {
        if (!Console.IsInputRedirected)
        {
            Console.Out.Write(prompt);
            Console.Out.Flush();
        }
        return Task.FromResult(Console.In.ReadLine());
    }

    public void Write(OutputChunk chunk)
    {
        var writer = chunk.Stream == OutputStream.StandardError ? Console.Error : Console.Out;
        lock (_gate)
        {
            writer.Write(chunk.Text);
            writer.Flush();
        }
    }

    public void WriteStatus(string text)
    {
        lock (_gate)
        {
            Console.Error.WriteLine(_colorStatus ? $"\u001b[2m{text}\u001b[0m" : text);
        }
    }

    public IDisposable InterruptCancels(CancellationTokenSource command)
    {
        lock (_gate) _command = command;
        return new Disarm(this);
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        // Ctrl+C is for the running command, never for kai itself (SIGQUIT / closing the terminal still are).
        e.Cancel = true;
        lock (_gate)
        {
            try
            {
                _command?.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The command finished a moment ago.
            }
        }
    }

    public void Dispose() => Console.CancelKeyPress -= OnCancelKeyPress;

    private sealed class Disarm(ConsoleTerminal terminal) : IDisposable
    {
        public void Dispose()
        {
            lock (terminal._gate) terminal._command = null;
        }
    }
}
