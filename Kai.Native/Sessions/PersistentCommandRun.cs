using System.Globalization;
using System.Text;
using Kai.Native.Platform;

namespace Kai.Native.Sessions;

/// <summary>
/// One command in a persistent shell: output up to the end sentinel (on either stream — a command may
/// have sent the shell's stdout to stderr), then the sentinel's trailer <c>STATUS:PWD\0</c> and, when asked
/// for, <c>EXPORTS\0</c>. Bytes after the trailer on that stream belong to whatever comes next (late output
/// of a background job) and are handed back to the shell.
/// </summary>
internal sealed class PersistentCommandRun : ProcessRun
{
    private const int MaxExportDump = 1 << 20;
    private readonly byte[] _pattern;
    private readonly bool _expectExports;
    private readonly long _startTicks;
    private readonly byte[][] _carry;
    private readonly int[] _carryLength = new int[2];
    private int _trailerStream = -1;
    private MemoryStream? _trailer;
    private bool _sentinel;
    private bool _exportsTooLarge;
    private bool _expectExportsDone;

    public PersistentCommandRun(ShellProcess shell, CommandSpec spec, string nonce, bool expectExports, Redactor redactor, TimeSpan cancelGrace)
        : base(shell, spec, redactor, cancelGrace)
    {
        _pattern = ShellFraming.SentinelPattern(nonce);
        _expectExports = expectExports;
        _carry = [new byte[_pattern.Length], new byte[_pattern.Length]];
        _startTicks = ProcessTree.NowTicks();
    }

    public int? Status { get; private set; }
    public string? WorkingDirectory { get; private set; }
    public string? ExportDump { get; private set; }
    public bool ShellEnded { get; private set; }
    public bool ShellWasReset { get; private set; }
    public bool StderrBroken { get; private set; }
    /// <summary>Bytes that arrived after the sentinel on its stream.</summary>
    public (int Stream, byte[] Data)? Leftover { get; private set; }

    protected override IReadOnlyList<int> CommandProcesses(CancelStep step)
    {
        // Everything below the shell that started with this command (earlier background jobs are spared).
        // SIGINT also goes to the shell itself: its trap then skips the rest of the command line (and
        // breaks a loop of builtins); SIGTERM and SIGKILL spare it, so the session's state survives.
        var shellPid = Shell.FindShellPid();
        if (shellPid == 0) return Array.Empty<int>();
        var result = new List<int>();
        if (step == CancelStep.Interrupt) result.Add(shellPid);
        foreach (var pid in ProcessTree.Descendants(shellPid))
        {
            if (ProcessTree.ReadStat(pid) is { } stat && stat.StartTicks >= _startTicks && stat.State != 'Z') result.Add(pid);
        }
        return result;
    }

    public override void OnData(int stream, ReadOnlySpan<byte> data)
    {
        if (_sentinel)
        {
            // Draining after the end: the other stream still holds the command's last output; bytes on
            // the sentinel's own stream came after it.
            if (stream == _trailerStream) AddLeftover(stream, data);
            else Capture(stream, data);
            return;
        }
        if (stream == _trailerStream)
        {
            AppendTrailer(data);
            return;
        }
        if (_trailerStream >= 0)
        {
            Capture(stream, data); // the other stream while the trailer is still arriving
            return;
        }
        Scan(stream, data);
    }

    private void Scan(int stream, ReadOnlySpan<byte> data)
    {
        var carry = _carry[stream];
        var carried = _carryLength[stream];
        if (carried > 0)
        {
            // A sentinel may have been split across two reads: look across the boundary first.
            var probeLength = carried + Math.Min(data.Length, _pattern.Length);
            Span<byte> probe = stackalloc byte[probeLength];
            carry.AsSpan(0, carried).CopyTo(probe);
            data[..(probeLength - carried)].CopyTo(probe[carried..]);
            var at = probe.IndexOf(_pattern);
            if (at >= 0 && at < carried)
            {
                Capture(stream, carry.AsSpan(0, at));
                _carryLength[stream] = 0;
                BeginTrailer(stream, data[(at + _pattern.Length - carried)..]);
                return;
            }
            Capture(stream, carry.AsSpan(0, carried));
            _carryLength[stream] = 0;
        }
        var index = data.IndexOf(_pattern);
        if (index >= 0)
        {
            Capture(stream, data[..index]);
            BeginTrailer(stream, data[(index + _pattern.Length)..]);
            return;
        }
        var keep = PartialMatchAtEnd(data);
        Capture(stream, data[..^keep]);
        data[^keep..].CopyTo(carry);
        _carryLength[stream] = keep;
    }

    /// <summary>The longest end of <paramref name="data"/> that could be the start of the sentinel.</summary>
    private int PartialMatchAtEnd(ReadOnlySpan<byte> data)
    {
        var max = Math.Min(_pattern.Length - 1, data.Length);
        for (var length = max; length > 0; length--)
        {
            if (data[^length..].SequenceEqual(_pattern.AsSpan(0, length))) return length;
        }
        return 0;
    }

    private void BeginTrailer(int stream, ReadOnlySpan<byte> rest)
    {
        _trailerStream = stream;
        _trailer = new MemoryStream();
        AppendTrailer(rest);
    }

    private void AppendTrailer(ReadOnlySpan<byte> data)
    {
        if (_exportsTooLarge)
        {
            var end = data.IndexOf((byte)0);
            if (end < 0) return;
            _exportsTooLarge = false;
            _expectExportsDone = true;
            CompleteTrailer(data[(end + 1)..]);
            return;
        }
        _trailer!.Write(data);
        TryParseTrailer();
    }

    private void TryParseTrailer()
    {
        var bytes = _trailer!.GetBuffer().AsSpan(0, (int)_trailer.Length);
        var first = bytes.IndexOf((byte)0);
        if (first < 0) return;
        if (Status is null)
        {
            var head = Encoding.UTF8.GetString(bytes[..first]);
            var colon = head.IndexOf(':');
            Status = int.TryParse(colon < 0 ? head : head[..colon], NumberStyles.Integer, CultureInfo.InvariantCulture, out var status) ? status : null;
            WorkingDirectory = colon < 0 ? null : head[(colon + 1)..];
        }
        if (!_expectExports || _expectExportsDone)
        {
            CompleteTrailer(bytes[(first + 1)..]);
            return;
        }
        var rest = bytes[(first + 1)..];
        var second = rest.IndexOf((byte)0);
        if (second < 0)
        {
            if (rest.Length > MaxExportDump)
            {
                // Absurdly large exports: skip them (nothing is restored from this command) but keep framing.
                _exportsTooLarge = true;
                _trailer.SetLength(0);
            }
            return;
        }
        ExportDump = Encoding.UTF8.GetString(rest[..second]);
        _expectExportsDone = true;
        CompleteTrailer(rest[(second + 1)..]);
    }

    private void CompleteTrailer(ReadOnlySpan<byte> after)
    {
        _sentinel = true;
        if (!after.IsEmpty) AddLeftover(_trailerStream, after);
    }

    private void AddLeftover(int stream, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return;
        var previous = Leftover?.Data ?? Array.Empty<byte>();
        // Bounded: stray output beyond 64 KiB between two commands is not worth keeping.
        if (previous.Length >= 1 << 16) return;
        Leftover = (stream, [.. previous, .. data[..Math.Min(data.Length, (1 << 16) - previous.Length)]]);
    }

    public override void OnEndOfStream(int stream)
    {
        if (stream == 1 && !_sentinel) StderrBroken = true;
    }

    protected override void CheckCompletion()
    {
        if (Done) return;
        if (_sentinel)
        {
            // Everything the command wrote to the other stream is in its pipe by now: take it.
            var guard = 0;
            while (Shell.Pump(0, this) && ++guard < 10_000)
            {
            }
            if (Shell.StderrClosed) StderrBroken = true;
            Done = true;
            return;
        }
        if (Shell.StdoutClosed) EndWithShell();
    }

    protected override void OnIdle()
    {
        if (!_sentinel && Shell.HasExited) EndWithShell();
    }

    private void EndWithShell()
    {
        // The shell is gone (exit, crash, reset) or closed its stdout: collect what is left and its status.
        var until = Environment.TickCount64 + 500;
        while (!Shell.StderrClosed && Environment.TickCount64 < until && Shell.Pump(20, this))
        {
        }
        if (!Shell.WaitForExit(1000))
        {
            Shell.Kill();
            Shell.WaitForExit(2000);
        }
        Status = Shell.ExitCode;
        ShellEnded = true;
        Done = true;
    }

    protected override void ResetShell()
    {
        if (ShellWasReset) return;
        ShellWasReset = true;
        Shell.Kill();
    }

    public RunOutcome Outcome(string? notice)
    {
        var (output, error) = FinishCaptures();
        return new RunOutcome(output, error, Status, TimedOut, Cancelled, Escalation.Step, Elapsed, WorkingDirectory,
            ShellEnded || ShellWasReset, notice, ExportDump);
    }
}
