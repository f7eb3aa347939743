namespace Kai.Native.Sessions.Interactive;

/// <summary>
/// The terminal an <see cref="InteractiveShell"/> talks to: the PowerShell host for Enter-KaiSession,
/// the console for `kai shell`. Implementations may be called from any thread.
/// </summary>
public interface IInteractiveTerminal
{
    /// <summary>Shows <paramref name="prompt"/> and reads one line; null at the end of input.</summary>
    Task<string?> ReadLineAsync(string prompt, CancellationToken cancellationToken);

    /// <summary>Output of the running command, as it arrives.</summary>
    void Write(OutputChunk chunk);

    /// <summary>A line from Kai itself rather than from the command (exit status, restored transcript banner).</summary>
    void WriteStatus(string text);

    /// <summary>
    /// Makes Ctrl+C cancel <paramref name="command"/> (and only it) until the returned scope is disposed.
    /// A terminal that has no Ctrl+C of its own returns an empty scope.
    /// </summary>
    IDisposable InterruptCancels(CancellationTokenSource command);
}
