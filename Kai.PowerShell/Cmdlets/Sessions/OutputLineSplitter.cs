using System.Text;
using Kai.Native.Sessions;

namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>
/// Turns output chunks (any size, any boundary) into whole lines per stream, for -Verbose streaming.
/// Thread-safe: the host may report stdout and stderr from different threads.
/// </summary>
internal sealed class OutputLineSplitter
{
    private readonly object _gate = new();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    /// <summary>The complete lines this chunk finished, stderr lines marked as such.</summary>
    public IReadOnlyList<string> Add(OutputChunk chunk)
    {
        lock (_gate) return AddLocked(chunk);
    }

    private List<string> AddLocked(OutputChunk chunk)
    {
        var pending = chunk.Stream == OutputStream.StandardError ? _stderr : _stdout;
        pending.Append(chunk.Text);
        var text = pending.ToString();
        var end = text.LastIndexOf('\n');
        if (end < 0) return [];
        pending.Clear().Append(text, end + 1, text.Length - end - 1);
        return text[..end].Split('\n').Select(line => Label(chunk.Stream, line.TrimEnd('\r'))).ToList();
    }

    /// <summary>Whatever is left without a final newline.</summary>
    public IReadOnlyList<string> Flush()
    {
        lock (_gate)
        {
            var rest = new List<string>();
            if (_stdout.Length > 0) rest.Add(Label(OutputStream.StandardOutput, _stdout.ToString()));
            if (_stderr.Length > 0) rest.Add(Label(OutputStream.StandardError, _stderr.ToString()));
            _stdout.Clear();
            _stderr.Clear();
            return rest;
        }
    }

    private static string Label(OutputStream stream, string line) =>
        stream == OutputStream.StandardError ? "stderr: " + line : line;
}
