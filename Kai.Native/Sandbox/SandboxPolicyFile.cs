using System.Globalization;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kai.Native.Sandbox;

/// <summary>
/// Reads a policy file (YAML; JSON when the extension is .json) into a <see cref="SandboxPolicySpec"/>, then a
/// validated <see cref="SandboxPolicy"/>. Every problem names the file, the line and the field:
/// <code>
/// extends: default          # or none: start from nothing
/// network: false
/// read:   { deny: [ "~/.config/secret", "${workspace}/**/*.pem" ], allow: [ ] }
/// write:  { allow: [ "${workspace}", "/srv/cache" ], deny: [ "${workspace}/deploy" ] }
/// scratch: [ /tmp ]
/// environment: { allow: [ GIT_AUTHOR_NAME, "GIT_AUTHOR_*" ], set: { EDITOR: vi } }
/// limits: { memory: 2GiB, processes: 256 }
/// </code>
/// </summary>
public static class SandboxPolicyFile
{
    private sealed record Located(string Value, int Line, string Field);

    private sealed class Reader(string file)
    {
        public readonly List<Located> Values = new();
        public readonly string File = file;

        public KaiException Error(YamlNode? node, string field, string problem) => Error(node is null ? 0 : (int)node.Start.Line, field, problem);

        public KaiException Error(int line, string field, string problem) =>
            new("SandboxPolicyInvalid", KaiErrorKind.InvalidData,
                $"Sandbox policy file '{File}'{(line > 0 ? $", line {line}" : "")}{(field.Length > 0 ? $", field '{field}'" : "")}: {problem}.", File);
    }

    public static SandboxPolicy Load(string path, SandboxContext context)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(context);
        var file = Path.GetFullPath(path);
        string text;
        try
        {
            text = System.IO.File.ReadAllText(file);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new KaiException("SandboxPolicyNotFound", KaiErrorKind.ObjectNotFound, $"The sandbox policy file '{file}' does not exist.", file, ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new KaiException("SandboxPolicyUnreadable", KaiErrorKind.PermissionDenied, $"The sandbox policy file '{file}' cannot be read: {ex.Message}", file, ex);
        }
        catch (IOException ex)
        {
            throw new KaiException("SandboxPolicyUnreadable", KaiErrorKind.InvalidData, $"The sandbox policy file '{file}' cannot be read: {ex.Message}", file, ex);
        }
        return Parse(text, file, context);
    }

    /// <summary>Parses policy text; <paramref name="file"/> names it in errors and decides YAML vs JSON (.json).</summary>
    public static SandboxPolicy Parse(string text, string file, SandboxContext context)
    {
        var reader = new Reader(file);
        if (file.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) CheckJson(text, reader);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            var message = ex.InnerException?.Message ?? ex.Message;
            var colon = message.IndexOf("): ", StringComparison.Ordinal);
            throw reader.Error((int)ex.Start.Line, "", (colon > 0 ? message[(colon + 3)..] : message).TrimEnd('.'));
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            throw reader.Error(1, "", "the file is empty (write at least 'extends: default')");
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
            throw reader.Error(stream.Documents[0].RootNode, "", "expected a mapping of settings (extends, network, read, write, scratch, environment, limits)");

        var spec = ReadSpec(root, reader, context);
        try
        {
            return SandboxPolicies.FromSpec(spec, context, file);
        }
        catch (KaiException ex) when (ex.Target is string target && Locate(reader, target, context) is { } located)
        {
            throw new KaiException(ex.ErrorId, ex.Kind,
                $"Sandbox policy file '{file}', line {located.Line}, field '{located.Field}': {StripPrefix(ex.Message, file)}", file, ex)
            { RecommendedAction = ex.RecommendedAction };
        }
    }

    private static string StripPrefix(string message, string file)
    {
        var prefix = $"Sandbox policy {file}: ";
        return message.StartsWith(prefix, StringComparison.Ordinal) ? message[prefix.Length..] : message;
    }

    private static Located? Locate(Reader reader, string target, SandboxContext context)
    {
        foreach (var value in reader.Values)
        {
            if (value.Value == target) return value;
            try
            {
                var expanded = SandboxPolicies.ExpandPath(value.Value, context);
                if (target == expanded || target.EndsWith(":" + expanded, StringComparison.Ordinal)) return value;
            }
            catch (FormatException)
            {
            }
        }
        return null;
    }

    private static void CheckJson(string text, Reader reader)
    {
        try
        {
            using var _ = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            var message = ex.Message;
            var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            throw reader.Error((int)(ex.LineNumber ?? -1) + 1, "", "not valid JSON: " + (cut > 0 ? message[..cut] : message).TrimEnd('.', ' '));
        }
    }

    private static readonly string[] s_topLevel = { "extends", "network", "read", "write", "scratch", "environment", "limits" };

    private static SandboxPolicySpec ReadSpec(YamlMappingNode root, Reader reader, SandboxContext context)
    {
        var spec = new SandboxPolicySpec();
        foreach (var (keyNode, value) in root.Children)
        {
            var key = Key(keyNode, reader, "");
            switch (key)
            {
                case "extends":
                    var extends = Scalar(value, reader, key).ToLowerInvariant();
                    spec = spec with
                    {
                        ExtendDefault = extends switch
                        {
                            "default" => true,
                            "none" => false,
                            _ => throw reader.Error(value, key, $"'{extends}' is not 'default' or 'none'"),
                        },
                    };
                    break;
                case "network":
                    spec = spec with { Network = Bool(value, reader, key) };
                    break;
                case "read":
                    foreach (var (k, v) in Mapping(value, reader, key, "deny", "allow"))
                        spec = k == "deny" ? spec with { ReadDeny = Paths(v, reader, "read.deny", context) } : spec with { ReadAllow = Paths(v, reader, "read.allow", context) };
                    break;
                case "write":
                    foreach (var (k, v) in Mapping(value, reader, key, "allow", "deny"))
                        spec = k == "allow" ? spec with { WriteAllow = Paths(v, reader, "write.allow", context) } : spec with { WriteDeny = Paths(v, reader, "write.deny", context) };
                    break;
                case "scratch":
                    spec = spec with { Scratch = Paths(value, reader, "scratch", context) };
                    break;
                case "environment":
                    foreach (var (k, v) in Mapping(value, reader, key, "allow", "set"))
                    {
                        if (k == "allow") spec = spec with { EnvironmentAllow = Strings(v, reader, "environment.allow") };
                        else spec = spec with { EnvironmentSet = Variables(v, reader, "environment.set") };
                    }
                    break;
                case "limits":
                    foreach (var (k, v) in Mapping(value, reader, key, "memory", "processes"))
                    {
                        if (k == "memory") spec = spec with { MemoryLimitBytes = Size(v, reader, "limits.memory") };
                        else spec = spec with { MaxProcesses = Count(v, reader, "limits.processes") };
                    }
                    break;
                default:
                    throw reader.Error(keyNode, key, $"unknown setting (known: {string.Join(", ", s_topLevel)})");
            }
        }
        return spec;
    }

    private static string Key(YamlNode node, Reader reader, string parent)
    {
        if (node is not YamlScalarNode { Value: { } key }) throw reader.Error(node, parent, "expected a setting name");
        return key;
    }

    private static IEnumerable<(string Key, YamlNode Value)> Mapping(YamlNode node, Reader reader, string field, params string[] known)
    {
        if (node is YamlScalarNode { Value: null or "" }) yield break;
        if (node is not YamlMappingNode mapping) throw reader.Error(node, field, $"expected a mapping with {string.Join(" and/or ", known)}");
        foreach (var (keyNode, value) in mapping.Children)
        {
            var key = Key(keyNode, reader, field);
            if (!known.Contains(key)) throw reader.Error(keyNode, $"{field}.{key}", $"unknown setting (known under '{field}': {string.Join(", ", known)})");
            yield return (key, value);
        }
    }

    private static string Scalar(YamlNode node, Reader reader, string field)
    {
        if (node is not YamlScalarNode { Value: { } value }) throw reader.Error(node, field, "expected a single value");
        return value;
    }

    private static bool Bool(YamlNode node, Reader reader, string field) => Scalar(node, reader, field).ToLowerInvariant() switch
    {
        "true" or "yes" or "on" => true,
        "false" or "no" or "off" => false,
        var other => throw reader.Error(node, field, $"'{other}' is not true or false"),
    };

    private static List<string> Strings(YamlNode node, Reader reader, string field)
    {
        if (node is YamlScalarNode { Value: null or "" }) return new List<string>();
        if (node is not YamlSequenceNode sequence) throw reader.Error(node, field, "expected a list");
        var result = new List<string>();
        var index = 0;
        foreach (var item in sequence.Children)
        {
            var itemField = $"{field}[{index++}]";
            var value = Scalar(item, reader, itemField);
            reader.Values.Add(new Located(value, (int)item.Start.Line, itemField));
            result.Add(value);
        }
        return result;
    }

    private static List<string> Paths(YamlNode node, Reader reader, string field, SandboxContext context)
    {
        var values = Strings(node, reader, field);
        foreach (var located in reader.Values.Where(v => v.Field.StartsWith(field + "[", StringComparison.Ordinal)))
        {
            try
            {
                var expanded = SandboxPolicies.ExpandPath(located.Value, context);
                if (SandboxGlob.IsGlob(expanded)) SandboxGlob.Parse(expanded);
            }
            catch (FormatException ex)
            {
                throw reader.Error(located.Line, located.Field, ex.Message);
            }
        }
        return values;
    }

    private static Dictionary<string, string> Variables(YamlNode node, Reader reader, string field)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is YamlScalarNode { Value: null or "" }) return result;
        if (node is not YamlMappingNode mapping) throw reader.Error(node, field, "expected a mapping of NAME: value");
        foreach (var (keyNode, value) in mapping.Children)
        {
            var name = Key(keyNode, reader, field);
            var entryField = $"{field}.{name}";
            if (!SandboxEnvironment.IsValidName(name)) throw reader.Error(keyNode, entryField, $"'{name}' is not a valid variable name");
            reader.Values.Add(new Located(name, (int)keyNode.Start.Line, entryField));
            result[name] = value is YamlScalarNode { Value: var v } ? v ?? "" : throw reader.Error(value, entryField, "expected a single value");
        }
        return result;
    }

    private static int Count(YamlNode node, Reader reader, string field)
    {
        var text = Scalar(node, reader, field);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0)
            throw reader.Error(node, field, $"'{text}' is not a positive whole number");
        reader.Values.Add(new Located(field == "limits.processes" ? SandboxRuleIds.ProcessLimit : field, (int)node.Start.Line, field));
        return value;
    }

    private static long Size(YamlNode node, Reader reader, string field)
    {
        var text = Scalar(node, reader, field);
        if (!TryParseSize(text, out var bytes)) throw reader.Error(node, field, $"'{text}' is not a size (bytes, or a number with K, M, G, T, KiB, MiB, GiB, TiB)");
        reader.Values.Add(new Located(SandboxRuleIds.MemoryLimit, (int)node.Start.Line, field));
        return bytes;
    }

    /// <summary>Bytes, or a number with a binary unit: 512M, 2GiB, 1.5G (units are powers of 1024).</summary>
    public static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        var trimmed = text.Trim();
        var split = 0;
        while (split < trimmed.Length && (char.IsDigit(trimmed[split]) || trimmed[split] == '.')) split++;
        if (split == 0 || !decimal.TryParse(trimmed[..split], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)) return false;
        var unit = trimmed[split..].Trim().ToUpperInvariant();
        long multiplier = unit switch
        {
            "" or "B" => 1,
            "K" or "KB" or "KIB" => 1L << 10,
            "M" or "MB" or "MIB" => 1L << 20,
            "G" or "GB" or "GIB" => 1L << 30,
            "T" or "TB" or "TIB" => 1L << 40,
            _ => 0,
        };
        if (multiplier == 0 || number <= 0) return false;
        var value = number * multiplier;
        if (value > long.MaxValue) return false;
        bytes = (long)value;
        return true;
    }
}
