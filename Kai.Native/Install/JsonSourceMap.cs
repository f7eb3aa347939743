using System.Text;
using System.Text.Json;

namespace Kai.Native.Install;

/// <summary>
/// Where each top-level property (and each element of a top-level array) of a JSON document is, as
/// 1-based line and column, found with one Utf8JsonReader pass. JsonDocument has the values but not
/// their positions; this has the positions. A syntax error becomes a <see cref="ConfigProblem"/> naming
/// the line, column and the property being read.
/// </summary>
internal sealed class JsonSourceMap
{
    public static readonly JsonReaderOptions ReaderOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = 16,
    };

    private readonly byte[] _utf8;
    private readonly List<int> _lineStarts = new() { 0 };
    private readonly Dictionary<string, (int Line, int Column)> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, (int Line, int Column)> _values = new(StringComparer.OrdinalIgnoreCase);

    private JsonSourceMap(byte[] utf8)
    {
        _utf8 = utf8;
        for (var i = 0; i < utf8.Length; i++)
            if (utf8[i] == (byte)'\n') _lineStarts.Add(i + 1);
    }

    /// <summary>Top-level property names that occur more than once, with the position of the repeat.</summary>
    public List<(string Name, int Line, int Column, int FirstLine)> Duplicates { get; } = new();

    /// <summary>Maps the document, or returns the syntax problem (null map) when it is not well-formed JSON.</summary>
    public static (JsonSourceMap? Map, ConfigProblem? Syntax) Build(byte[] utf8)
    {
        var map = new JsonSourceMap(utf8);
        var problem = map.Scan();
        return problem is null ? (map, null) : (null, problem);
    }

    public (int Line, int Column)? NameOf(string key) => _names.TryGetValue(key, out var p) ? p : null;

    /// <summary>Position of a value: "apiPort", or an array element "allowedUserIds[1]"; falls back to the property.</summary>
    public (int Line, int Column)? ValueOf(string path)
    {
        if (_values.TryGetValue(path, out var p)) return p;
        var bracket = path.IndexOf('[');
        return bracket > 0 && _values.TryGetValue(path[..bracket], out var parent) ? parent : NameOf(path);
    }

    private ConfigProblem? Scan()
    {
        var reader = new Utf8JsonReader(_utf8, ReaderOptions);
        string? property = null;
        var index = -1;
        try
        {
            while (reader.Read())
            {
                var depth = reader.CurrentDepth;
                if (depth == 1 && reader.TokenType == JsonTokenType.PropertyName)
                {
                    property = reader.GetString() ?? "";
                    index = -1;
                    var at = Position(reader.TokenStartIndex);
                    if (_names.TryGetValue(property, out var first))
                        Duplicates.Add((property, at.Line, at.Column, first.Line));
                    else
                        _names[property] = at;
                }
                else if (depth == 1 && property is not null && reader.TokenType is not (JsonTokenType.EndArray or JsonTokenType.EndObject))
                {
                    _values.TryAdd(property, Position(reader.TokenStartIndex));
                }
                else if (depth == 2 && property is not null && reader.TokenType is not (JsonTokenType.EndArray or JsonTokenType.EndObject or JsonTokenType.PropertyName))
                {
                    index++;
                    _values.TryAdd($"{property}[{index}]", Position(reader.TokenStartIndex));
                }
            }
            return null;
        }
        catch (JsonException ex)
        {
            return SyntaxProblem(ex, property);
        }
    }

    private ConfigProblem SyntaxProblem(JsonException ex, string? property)
    {
        var line = (int)(ex.LineNumber ?? 0);
        var bytePosition = (int)(ex.BytePositionInLine ?? 0);
        var lineStart = line < _lineStarts.Count ? _lineStarts[line] : _utf8.Length;
        var offset = Math.Min(lineStart + bytePosition, _utf8.Length);
        var column = Encoding.UTF8.GetCharCount(_utf8, lineStart, Math.Max(0, offset - lineStart)) + 1;
        string message;
        if (_utf8.AsSpan().Trim(" \t\r\n"u8).Length == 0)
            return new ConfigProblem("", "the file is empty; expected a JSON object { \"schemaVersion\": 1, … }.", 1, 1);
        else if (offset >= LastContentOffset())
            message = "the file ends in the middle of the JSON (truncated?): an object, array or string is not closed.";
        else
            message = "malformed JSON: " + StripPosition(ex.Message);
        return new ConfigProblem(property ?? "", message, line + 1, column);
    }

    private int LastContentOffset()
    {
        var end = _utf8.Length;
        while (end > 0 && _utf8[end - 1] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') end--;
        return end;
    }

    private static string StripPosition(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut >= 0 ? message[..cut] : message).Trim();
    }

    private (int Line, int Column) Position(long byteOffset)
    {
        var offset = (int)byteOffset;
        var line = _lineStarts.BinarySearch(offset);
        if (line < 0) line = ~line - 1;
        var column = Encoding.UTF8.GetCharCount(_utf8, _lineStarts[line], offset - _lineStarts[line]) + 1;
        return (line + 1, column);
    }
}
