using System.Collections;
using System.Management.Automation;
using System.Text;

namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>
/// Pipeline input → a command's stdin, the way pwsh feeds a native command: every string (or other object,
/// as text) becomes one line ending in "\n"; bytes and byte arrays are written raw, unchanged.
/// </summary>
internal sealed class StandardInputBuffer
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private MemoryStream? _bytes;

    /// <summary>Null when no input was given (the command's stdin is then empty).</summary>
    public byte[]? ToArray() => _bytes?.ToArray();

    public void Add(object? item)
    {
        _bytes ??= new MemoryStream();
        Append(item);
    }

    private void Append(object? item)
    {
        var value = item is PSObject wrapped ? wrapped.BaseObject : item;
        switch (value)
        {
            case null:
                return;
            case byte single:
                _bytes!.WriteByte(single);
                return;
            case byte[] raw:
                _bytes!.Write(raw);
                return;
            case string text:
                WriteLine(text);
                return;
            case IEnumerable items:
                foreach (var element in items) Append(element);
                return;
            default:
                WriteLine(LanguagePrimitives.ConvertTo<string>(value) ?? "");
                return;
        }
    }

    private void WriteLine(string text)
    {
        _bytes!.Write(Utf8.GetBytes(text));
        _bytes.WriteByte((byte)'\n');
    }
}
