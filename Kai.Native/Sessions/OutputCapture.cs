using System.Text;
using System.Text.Unicode;

namespace Kai.Native.Sessions;

/// <summary>What one output stream of a command came to, after the cap.</summary>
/// <param name="Text">Decoded (UTF-8, invalid bytes replaced) and capped: head, truncation marker, tail.</param>
/// <param name="Bytes">The raw bytes kept, only when they are not valid UTF-8 (binary output), else null.</param>
/// <param name="TotalBytes">Everything the stream carried, kept or not.</param>
/// <param name="TailIndex">Where in <see cref="Text"/> the kept tail starts when truncated (after the marker), else -1.</param>
internal readonly record struct CapturedOutput(string Text, byte[]? Bytes, bool Truncated, long TotalBytes, int TailIndex = -1);

/// <summary>
/// Captures one output stream with bounded memory whatever the command prints: the first bytes and a
/// ring of the last bytes, enough for <c>cap</c> characters each; everything in between is counted and
/// dropped (the pipe keeps being drained, so the command runs on). Raw bytes in, decoded only at the end.
/// </summary>
internal sealed class OutputCapture
{
    private readonly int _capChars;
    private readonly int _headLimit;
    private readonly int _tailLimit;
    private byte[] _head;
    private int _headLength;
    private byte[]? _ring;
    private int _ringStart;
    private int _ringLength;

    public OutputCapture(int capChars)
    {
        if (capChars < 64) throw new ArgumentOutOfRangeException(nameof(capChars), "The output cap must be at least 64 characters.");
        _capChars = capChars;
        // UTF-8 needs up to 4 bytes a character: keep enough bytes to fill the cap with any text.
        _headLimit = capChars * 4;
        _tailLimit = capChars * 4;
        _head = new byte[Math.Min(_headLimit, 256)];
    }

    public long TotalBytes { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        TotalBytes += data.Length;
        if (_headLength < _headLimit)
        {
            var take = Math.Min(data.Length, _headLimit - _headLength);
            if (_headLength + take > _head.Length)
                Array.Resize(ref _head, Math.Min(_headLimit, Math.Max(_head.Length * 2, _headLength + take)));
            data[..take].CopyTo(_head.AsSpan(_headLength));
            _headLength += take;
            data = data[take..];
        }
        if (data.IsEmpty) return;
        _ring ??= new byte[_tailLimit];
        if (data.Length >= _tailLimit)
        {
            data[^_tailLimit..].CopyTo(_ring);
            _ringStart = 0;
            _ringLength = _tailLimit;
            return;
        }
        // Append to the ring, overwriting the oldest bytes.
        var writeAt = (_ringStart + _ringLength) % _tailLimit;
        var first = Math.Min(data.Length, _tailLimit - writeAt);
        data[..first].CopyTo(_ring.AsSpan(writeAt));
        data[first..].CopyTo(_ring);
        var newLength = _ringLength + data.Length;
        if (newLength > _tailLimit)
        {
            _ringStart = (_ringStart + newLength - _tailLimit) % _tailLimit;
            newLength = _tailLimit;
        }
        _ringLength = newLength;
    }

    /// <summary>How many characters of tail a truncated stream shows (the rest of the cap is head + marker).</summary>
    internal static int TailCharacters(int capChars) => capChars / 4;

    public static string Marker(long omittedBytes) =>
        $"\n[… kai: {omittedBytes:N0} bytes of output omitted here; the cap keeps the first and last characters …]\n";

    public CapturedOutput Finish()
    {
        var head = _head.AsSpan(0, _headLength);
        // A full head may end inside a character that continues in the dropped middle: that is not invalid.
        var valid = Utf8.IsValid(_ring is null ? head : TrimIncompleteEnd(head)) && (_ring is null || IsValidTail(LinearRing()));
        if (_ring is null)
        {
            var text = Encoding.UTF8.GetString(head);
            if (text.Length <= _capChars)
                return new CapturedOutput(text, valid ? null : head.ToArray(), false, TotalBytes);
        }
        return valid ? TruncateText(head) : TruncateBytes(head);
    }

    private CapturedOutput TruncateText(ReadOnlySpan<byte> head)
    {
        var tailChars = TailCharacters(_capChars);
        var headText = Encoding.UTF8.GetString(head);
        string tailText;
        if (_ring is null)
        {
            tailText = headText[^tailChars..];
        }
        else
        {
            var tail = SkipContinuationBytes(LinearRing());
            tailText = Encoding.UTF8.GetString(tail);
            if (tailText.Length > tailChars) tailText = tailText[^tailChars..];
        }
        // The marker's own length comes out of the head's share so the whole stays within the cap.
        var marker = Marker(0);
        var headChars = Math.Max(0, _capChars - tailChars - marker.Length - 16);
        if (headText.Length > headChars) headText = headText[..headChars];
        if (headText.Length > 0 && char.IsHighSurrogate(headText[^1])) headText = headText[..^1];
        if (tailText.Length > 0 && char.IsLowSurrogate(tailText[0])) tailText = tailText[1..];
        var omitted = TotalBytes - Encoding.UTF8.GetByteCount(headText) - Encoding.UTF8.GetByteCount(tailText);
        var shown = headText + Marker(Math.Max(0, omitted));
        return new CapturedOutput(shown + tailText, null, true, TotalBytes, shown.Length);
    }

    /// <summary>Binary output: the cap counts bytes; the text view is the same bytes decoded with replacement.</summary>
    private CapturedOutput TruncateBytes(ReadOnlySpan<byte> head)
    {
        if (_ring is null && head.Length <= _capChars)
            return new CapturedOutput(Encoding.UTF8.GetString(head), head.ToArray(), false, TotalBytes);
        var tailBytes = TailCharacters(_capChars);
        var marker = Encoding.UTF8.GetBytes(Marker(0));
        var headBytes = Math.Max(0, _capChars - tailBytes - marker.Length - 16);
        ReadOnlySpan<byte> tail = _ring is null ? head[^tailBytes..] : LinearRing();
        if (tail.Length > tailBytes) tail = tail[^tailBytes..];
        var keptHead = head[..Math.Min(headBytes, head.Length)];
        var omitted = TotalBytes - keptHead.Length - tail.Length;
        var markerBytes = Encoding.UTF8.GetBytes(Marker(Math.Max(0, omitted)));
        var bytes = new byte[keptHead.Length + markerBytes.Length + tail.Length];
        keptHead.CopyTo(bytes);
        markerBytes.CopyTo(bytes, keptHead.Length);
        tail.CopyTo(bytes.AsSpan(keptHead.Length + markerBytes.Length));
        var text = Encoding.UTF8.GetString(bytes);
        var tailText = Encoding.UTF8.GetString(tail);
        return new CapturedOutput(text, bytes, true, TotalBytes, Math.Max(0, text.Length - tailText.Length));
    }

    private byte[] LinearRing()
    {
        var result = new byte[_ringLength];
        var first = Math.Min(_ringLength, _tailLimit - _ringStart);
        _ring.AsSpan(_ringStart, first).CopyTo(result);
        _ring.AsSpan(0, _ringLength - first).CopyTo(result.AsSpan(first));
        return result;
    }

    /// <summary>Drops a multi-byte sequence cut off at the end (its lead byte announces more bytes than follow).</summary>
    private static ReadOnlySpan<byte> TrimIncompleteEnd(ReadOnlySpan<byte> data)
    {
        for (var back = 1; back <= 3 && back <= data.Length; back++)
        {
            var b = data[^back];
            if ((b & 0xC0) == 0x80) continue; // continuation byte: keep looking for the lead
            var needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return needed > back ? data[..^back] : data;
        }
        return data;
    }

    private static bool IsValidTail(byte[] tail) => Utf8.IsValid(SkipContinuationBytes(tail));

    /// <summary>The ring may start inside a multi-byte character: drop up to 3 continuation bytes.</summary>
    private static ReadOnlySpan<byte> SkipContinuationBytes(ReadOnlySpan<byte> tail)
    {
        var skip = 0;
        while (skip < 3 && skip < tail.Length && (tail[skip] & 0xC0) == 0x80) skip++;
        return tail[skip..];
    }
}
