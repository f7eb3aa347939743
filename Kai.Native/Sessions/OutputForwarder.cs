using System.Text;

namespace Kai.Native.Sessions;

/// <summary>
/// Streams one output stream to an <see cref="IProgress{OutputChunk}"/> as it arrives, showing the same
/// thing the result will: the head up to the cap, a marker, then (when the command ends) the tail.
/// Text is redacted line by line — a partial line is held back until its end (or 4 KiB) arrives, so a
/// token split across two reads is still recognised.
/// </summary>
internal sealed class OutputForwarder
{
    private const int HoldBackLimit = 4096;
    private readonly IProgress<OutputChunk> _sink;
    private readonly OutputStream _stream;
    private readonly Redactor _redactor;
    private readonly Decoder _decoder = new UTF8Encoding(false, false).GetDecoder();
    private readonly StringBuilder _pending = new();
    private readonly int _budget;
    private char[] _chars = new char[4096];
    private int _sent;
    private bool _cut;

    public OutputForwarder(IProgress<OutputChunk> sink, OutputStream stream, Redactor redactor, int capChars)
    {
        _sink = sink;
        _stream = stream;
        _redactor = redactor;
        _budget = Math.Max(0, capChars - OutputCapture.TailCharacters(capChars) - OutputCapture.Marker(0).Length - 16);
    }

    public const string StreamingMarker = "\n[… kai: output cap reached; the rest is drained and its last part is shown when the command ends …]\n";

    public void Append(ReadOnlySpan<byte> data)
    {
        if (_cut || data.IsEmpty) return;
        var needed = _decoder.GetCharCount(data, flush: false);
        if (needed > _chars.Length) _chars = new char[Math.Max(needed, _chars.Length * 2)];
        var count = _decoder.GetChars(data, _chars, flush: false);
        _pending.Append(_chars, 0, count);
        var lastBreak = -1;
        for (var i = _pending.Length - 1; i >= 0; i--)
        {
            if (_pending[i] is '\n' or '\r')
            {
                lastBreak = i;
                break;
            }
        }
        if (lastBreak >= 0)
        {
            Emit(_pending.ToString(0, lastBreak + 1));
            _pending.Remove(0, lastBreak + 1);
        }
        else if (_pending.Length > HoldBackLimit)
        {
            Emit(_pending.ToString());
            _pending.Clear();
        }
    }

    /// <summary>The command ended: flush what is held back and, when the output was cut, show its tail.</summary>
    public void Finish(CapturedOutput final)
    {
        if (!_cut)
        {
            var count = _decoder.GetChars(ReadOnlySpan<byte>.Empty, _chars, flush: true);
            _pending.Append(_chars, 0, count);
            if (_pending.Length > 0) Emit(_pending.ToString());
            _pending.Clear();
        }
        if (_cut && final.Truncated && final.TailIndex >= 0 && final.TailIndex < final.Text.Length)
            Report(_redactor.Redact(final.Text[final.TailIndex..]));
    }

    private void Emit(string text)
    {
        text = _redactor.Redact(text);
        if (_sent + text.Length > _budget)
        {
            var room = Math.Max(0, _budget - _sent);
            if (room > 0) Report(text[..room]);
            Report(StreamingMarker);
            _cut = true;
            return;
        }
        _sent += text.Length;
        Report(text);
    }

    private void Report(string text)
    {
        if (text.Length > 0) _sink.Report(new OutputChunk(_stream, text));
    }
}
