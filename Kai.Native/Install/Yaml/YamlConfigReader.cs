using System.Globalization;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kai.Native.Install.Yaml;

/// <summary>
/// Reads one of Kai's YAML files (users.yaml, workspaces.yaml, services.yaml) through YamlDotNet's
/// representation model, so every node knows its line and column. Problems are collected as
/// <see cref="ConfigProblem"/>s with the field path (<c>users[1].os_user</c>) and raised together as ONE
/// error naming the file. Values of secret keys never appear in messages.
/// </summary>
internal sealed class YamlConfigReader
{
    public const int MaxFileBytes = 1 << 20;
    private readonly string _fileKind;
    private readonly string _errorPrefix;

    public YamlConfigReader(string fileKind, string errorPrefix, string sourceName)
    {
        _fileKind = fileKind;
        _errorPrefix = errorPrefix;
        SourceName = sourceName;
    }

    public string SourceName { get; }
    public List<ConfigProblem> Problems { get; } = new();

    public string InvalidErrorId => _errorPrefix + "Invalid";

    /// <summary>Reads a file, mapping I/O failures to KaiExceptions named after the file kind.</summary>
    public static string ReadText(string fullPath, string fileKind, string errorPrefix)
    {
        try
        {
            if (Directory.Exists(fullPath))
                throw new KaiException(errorPrefix + "ReadFailed", KaiErrorKind.InvalidArgument, $"'{fullPath}' is a directory, not a {fileKind} file.", fullPath);
            var info = new FileInfo(fullPath);
            if (info.Exists && info.Length > MaxFileBytes)
                throw new ConfigValidationException(errorPrefix + "Invalid", KaiErrorKind.InvalidData, $"Invalid {fileKind} '{fullPath}'",
                    new[] { new ConfigProblem("", $"the file is {info.Length} bytes (limit {MaxFileBytes}).") }, fullPath);
            return File.ReadAllText(fullPath, Encoding.UTF8);
        }
        catch (FileNotFoundException ex)
        {
            throw new KaiException(errorPrefix + "NotFound", KaiErrorKind.ObjectNotFound, $"The {fileKind} file '{fullPath}' does not exist.", fullPath, ex);
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new KaiException(errorPrefix + "NotFound", KaiErrorKind.ObjectNotFound, $"The {fileKind} file '{fullPath}' does not exist.", fullPath, ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new KaiException(errorPrefix + "ReadFailed", KaiErrorKind.PermissionDenied, $"Cannot read '{fullPath}': permission denied.", fullPath, ex);
        }
        catch (IOException ex)
        {
            throw new KaiException(errorPrefix + "ReadFailed", KaiErrorKind.ResourceUnavailable, $"Cannot read '{fullPath}': {ex.Message}", fullPath, ex);
        }
    }

    /// <summary>Parses the text; a YAML syntax error is thrown at once (with its line and column). Null for an empty document.</summary>
    public YamlNode? Parse(string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            var message = ex.InnerException is YamlException inner && inner.Message.Length > 0 ? inner.Message : ex.Message;
            var start = ex.InnerException is YamlException innerStart ? innerStart.Start : ex.Start;
            Problems.Add(new ConfigProblem(YamlErrorPath.Find(text, start), "malformed YAML: " + StripMark(message), (int)start.Line, (int)start.Column));
            throw Error();
        }
        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode;
            Add(second, "", "holds more than one YAML document ('---'); Kai reads exactly one.");
            throw Error();
        }
        return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
    }

    public ConfigValidationException Error() =>
        new(InvalidErrorId, KaiErrorKind.InvalidData, $"Invalid {_fileKind} '{SourceName}'",
            Problems.OrderBy(p => p.Line ?? int.MaxValue).ThenBy(p => p.Column ?? 0).ToList(), SourceName);

    public void ThrowIfProblems()
    {
        if (Problems.Count > 0) throw Error();
    }

    public void Add(YamlNode? node, string field, string message) =>
        Problems.Add(new ConfigProblem(field, message, node is null ? null : (int)node.Start.Line, node is null ? null : (int)node.Start.Column));

    /// <summary>
    /// The entries of a mapping by key, reporting unknown keys (with a suggestion), non-text keys and
    /// repeated keys. <paramref name="known"/> null accepts any key (e.g. env maps, service names).
    /// </summary>
    public Dictionary<string, (YamlNode Key, YamlNode Value)> Entries(YamlMappingNode map, string path, IReadOnlyCollection<string>? known)
    {
        var entries = new Dictionary<string, (YamlNode, YamlNode)>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in map.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key })
            {
                Add(keyNode, path, "keys must be plain names.");
                continue;
            }
            var fieldPath = Join(path, key);
            if (known is not null && !known.Contains(key))
            {
                var suggestion = known.Select(k => (k, d: InstallConfigFields.EditDistance(key.ToLowerInvariant(), k))).OrderBy(x => x.d).FirstOrDefault();
                Add(keyNode, fieldPath, suggestion.k is not null && suggestion.d <= Math.Max(1, key.Length / 3)
                    ? $"unknown key; did you mean '{suggestion.k}'?"
                    : $"unknown key; known keys: {string.Join(", ", known)}.");
                continue;
            }
            if (!entries.TryAdd(key, (keyNode, valueNode)))
                Add(keyNode, fieldPath, $"appears more than once (first on line {entries[key].Item1.Start.Line}).");
        }
        return entries;
    }

    public YamlMappingNode? Mapping(YamlNode node, string field, string what)
    {
        if (node is YamlMappingNode map) return map;
        if (!IsNull(node)) Add(node, field, $"expected {what} (key: value lines), found {Describe(node)}.");
        else Add(node, field, $"expected {what}, found nothing.");
        return null;
    }

    public YamlSequenceNode? Sequence(YamlNode node, string field, string what)
    {
        if (node is YamlSequenceNode sequence) return sequence;
        Add(node, field, $"expected {what} ('- ' items), found {Describe(node)}.");
        return null;
    }

    /// <summary>A text scalar; null (no problem) for YAML null or an empty value; a problem for lists and maps.</summary>
    public string? Text(YamlNode node, string field)
    {
        if (node is not YamlScalarNode scalar)
        {
            Add(node, field, $"expected a single value, found {Describe(node)}.");
            return null;
        }
        return IsNull(scalar) ? null : scalar.Value;
    }

    /// <summary>Like <see cref="Text"/> for secret values: a wrong shape is reported without showing anything.</summary>
    public Secret? SecretValue(YamlNode node, string field)
    {
        if (node is not YamlScalarNode scalar)
        {
            Add(node, field, "expected a single text value.");
            return null;
        }
        return IsNull(scalar) ? null : new Secret(scalar.Value!);
    }

    public long? Integer(YamlNode node, string field, string what = "a whole number")
    {
        var text = Text(node, field);
        if (text is null) return null;
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)) return value;
        Add(node, field, $"expected {what}, found '{ConfigRules.Printable(text)}'.");
        return null;
    }

    public decimal? Decimal(YamlNode node, string field)
    {
        var text = Text(node, field);
        if (text is null) return null;
        if (decimal.TryParse(text, NumberStyles.Number & ~NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var value)) return value;
        Add(node, field, $"expected a number, found '{ConfigRules.Printable(text)}'.");
        return null;
    }

    public T? Choice<T>(YamlNode node, string field) where T : struct, Enum
    {
        var text = Text(node, field);
        if (text is null) return null;
        if (EnumText.TryParse<T>(text, out var value)) return value;
        Add(node, field, $"unknown value '{ConfigRules.Printable(text)}'; expected {EnumText.Expected<T>()}.");
        return null;
    }

    /// <summary>An optional positive amount in USD under <paramref name="key"/> (a budget); null when absent or invalid.</summary>
    public decimal? PositiveUsd(IReadOnlyDictionary<string, (YamlNode Key, YamlNode Value)> entries, string path, string key)
    {
        if (!entries.TryGetValue(key, out var entry)) return null;
        var field = path + "." + key;
        var amount = Decimal(entry.Value, field);
        if (amount <= 0) Add(entry.Value, field, $"must be more than 0 USD, not {amount}.");
        return amount;
    }

    /// <summary>
    /// Reads a list of maps (<c>users[i]</c>, <c>workspaces[i]</c>) with <paramref name="read"/>; an entry whose
    /// <paramref name="key"/> repeats an earlier one is reported at <c>field[i].keyField</c> and still kept (the
    /// file fails as a whole anyway).
    /// </summary>
    public List<T> UniqueEntries<T, TKey>(YamlSequenceNode list, string listField, string what,
        Func<YamlMappingNode, string, T?> read, Func<T, TKey> key, string keyField, Func<T, string, string> duplicate, IEqualityComparer<TKey>? comparer = null)
        where T : class
        where TKey : notnull
    {
        var result = new List<T>();
        var seen = new Dictionary<TKey, int>(comparer);
        for (var i = 0; i < list.Children.Count; i++)
        {
            var field = $"{listField}[{i}]";
            if (Mapping(list.Children[i], field, what) is not { } map) continue;
            if (read(map, field) is not { } entry) continue;
            if (seen.TryGetValue(key(entry), out var first))
                Add(map, field + "." + keyField, duplicate(entry, $"{listField}[{first}]"));
            else
                seen[key(entry)] = i;
            result.Add(entry);
        }
        return result;
    }

    /// <summary>Loads one of the YAML files: the full path, its text (I/O errors named after the file kind), then <paramref name="parse"/>.</summary>
    public static T Load<T>(string path, string fileKind, string errorPrefix, Func<string, string, T> parse)
    {
        var full = Path.GetFullPath(path);
        return parse(ReadText(full, fileKind, errorPrefix), full);
    }

    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode scalar && scalar.Style is YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any
        && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    public static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a map",
        YamlSequenceNode => "a list",
        YamlScalarNode s when IsNull(s) => "nothing",
        YamlScalarNode => "a single value", // never echo it: it may be a key
        _ => "something else",
    };

    private static string StripMark(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (Line: …): ".
        var marker = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && marker >= 0 ? message[(marker + 3)..] : message;
    }
}
