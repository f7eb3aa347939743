using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Kai.Native.IO;
using Kai.Native.Platform;

namespace Kai.Native.Install;

/// <summary>How <see cref="InstallConfigFile.Load(string, InstallConfigLoadOptions)"/> reads a file.</summary>
public sealed record InstallConfigLoadOptions
{
    /// <summary>Whether a users.yaml will be installed (allowed user IDs optional); null: look beside the file.</summary>
    public bool? UsersYamlAvailable { get; init; }

    /// <summary>
    /// Read a file that group or others can write. Only for showing it: anything that acts on the config
    /// as root must refuse such a file (its content may not be the owner's).
    /// </summary>
    public bool AllowInsecure { get; init; }
}

/// <summary>
/// install.conf: versioned JSON (<c>"schemaVersion": 1</c>, camelCase keys in seed order, secrets in clear
/// because the file is 0600), written atomically and owned by the invoking user (SUDO_UID under sudo).
/// Loading a malformed, truncated or invalid file raises ONE <see cref="ConfigValidationException"/>
/// (ErrorId <see cref="InvalidErrorId"/>, target = the path) whose message names the file, each line and
/// column, and each field.
/// </summary>
public static class InstallConfigFile
{
    public const string InvalidErrorId = "InstallConfigInvalid";
    public const string NotFoundErrorId = "InstallConfigNotFound";
    public const string ReadErrorId = "InstallConfigReadFailed";
    public const string WriteErrorId = "InstallConfigWriteFailed";
    public const string InsecureErrorId = "InstallConfigInsecure";
    public const string SchemaVersionKey = "schemaVersion";
    public const string DefaultFileName = "install.conf";

    /// <summary>0600: the file holds secrets.</summary>
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const int MaxFileBytes = 1 << 20;

    private const UnixFileMode GroupOrOtherWrite = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
    private const UnixFileMode GroupOrOtherAccess = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Reads and validates install.conf; users.yaml beside it makes allowed user IDs optional.</summary>
    public static InstallConfig Load(string path) => Load(path, usersYamlAvailable: null);

    /// <param name="usersYamlAvailable">Whether a users.yaml will be installed (null: look beside the file).</param>
    public static InstallConfig Load(string path, bool? usersYamlAvailable) =>
        Load(path, new InstallConfigLoadOptions { UsersYamlAvailable = usersYamlAvailable });

    public static InstallConfig Load(string path, InstallConfigLoadOptions options)
    {
        var full = Path.GetFullPath(path);
        var bytes = ReadBytes(full);
        if (!options.AllowInsecure) RefuseInsecure(full);
        return Parse(bytes, full, options.UsersYamlAvailable ?? InstallConfigValidator.FindUsersYaml(full) is not null);
    }

    /// <summary>Parses install.conf content; <paramref name="sourceName"/> is what errors call the file.</summary>
    public static InstallConfig Parse(string json, string sourceName, bool usersYamlAvailable = false) =>
        Parse(Encoding.UTF8.GetBytes(json), sourceName, usersYamlAvailable);

    public static InstallConfig Parse(byte[] utf8, string sourceName, bool usersYamlAvailable = false)
    {
        if (utf8.AsSpan().StartsWith("\uFEFF"u8)) utf8 = utf8[3..];
        var (map, syntax) = JsonSourceMap.Build(utf8);
        if (syntax is not null) throw Invalid(sourceName, new[] { syntax });

        using var document = JsonDocument.Parse(utf8, new JsonDocumentOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            MaxDepth = 16,
        });
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw Invalid(sourceName, new[] { new ConfigProblem("", $"expected a JSON object {{ \"schemaVersion\": 1, … }}, found {Describe(root.ValueKind)}.", 1, 1) });

        CheckSchemaVersion(root, map!, sourceName);

        var problems = new List<ConfigProblem>();
        foreach (var (name, line, column, firstLine) in map!.Duplicates)
            problems.Add(new ConfigProblem(name, $"appears more than once (first on line {firstLine}).", line, column));

        var config = new InstallConfig();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var badFields = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (string.Equals(property.Name, SchemaVersionKey, StringComparison.OrdinalIgnoreCase)) continue;
            var field = InstallConfigFields.All.FirstOrDefault(f => string.Equals(f.Key, property.Name, StringComparison.OrdinalIgnoreCase));
            if (field is null)
            {
                var at = map.NameOf(property.Name);
                var suggestion = InstallConfigFields.Suggest(property.Name);
                problems.Add(new ConfigProblem(property.Name,
                    "unknown field" + (suggestion is null ? $"; known fields: {string.Join(", ", InstallConfigFields.All.Select(f => f.Key))}." : $"; did you mean '{suggestion}'?"),
                    at?.Line, at?.Column));
                continue;
            }
            if (!seen.Add(field.Key)) continue; // a repeat: reported above, the first value counts
            var (value, problem) = ReadValue(field, property.Value);
            if (problem is not null)
            {
                var at = map.ValueOf(problem.Field);
                problems.Add(problem with { Line = at?.Line, Column = at?.Column });
                badFields.Add(field.Key);
                continue;
            }
            config = field.SetValue(config, value);
        }

        foreach (var problem in InstallConfigValidator.Validate(config, usersYamlAvailable))
        {
            var key = problem.Field.Split('[')[0];
            if (badFields.Contains(key)) continue; // its value could not be read; already reported
            var at = map.ValueOf(problem.Field);
            problems.Add(at is null
                ? problem with { Message = root.TryGetProperty(key, out _) ? problem.Message : "is missing; it " + problem.Message }
                : problem with { Line = at.Value.Line, Column = at.Value.Column });
        }
        if (problems.Count > 0) throw Invalid(sourceName, problems.OrderBy(p => p.Line ?? int.MaxValue).ThenBy(p => p.Column ?? 0).ToList());
        return config;
    }

    /// <summary>Fills in what is generated rather than asked: the API secret (cryptographically random).</summary>
    public static InstallConfig Complete(InstallConfig config) =>
        config.ApiSecret is null || config.ApiSecret.IsEmpty ? config with { ApiSecret = Secret.Generate() } : config;

    /// <summary>
    /// Validates (after <see cref="Complete"/>), then writes atomically (temp file, fsync, rename) with mode
    /// 0600. Under sudo the file is given to SUDO_UID/SUDO_GID so its user can re-run the config step;
    /// as root otherwise, an existing file keeps its owner.
    /// </summary>
    public static void Save(InstallConfig config, string path) => Save(config, path, environment: null);

    internal static void Save(InstallConfig config, string path, Func<string, string?>? environment)
    {
        var full = Path.GetFullPath(path);
        config = Complete(config);
        InstallConfigValidator.ThrowIfInvalid(config, $"Cannot write '{full}'", full, InstallConfigValidator.FindUsersYaml(full) is not null);
        var directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory))
            throw new KaiException(WriteErrorId, KaiErrorKind.ObjectNotFound, $"Cannot write '{full}': the directory '{directory}' does not exist.", full);
        if (Directory.Exists(full))
            throw new KaiException(WriteErrorId, KaiErrorKind.InvalidArgument, $"Cannot write '{full}': it is a directory.", full);

        var owner = InvokingUser.SudoOwner(environment);
        if (owner is null && UnixAccounts.IsRoot && UnixFiles.TryStat(full) is { } existing)
            owner = (existing.Uid, existing.Gid);
        try
        {
            AtomicFile.WriteAllText(full, Render(config), Mode, owner);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new KaiException(WriteErrorId, KaiErrorKind.PermissionDenied, $"Cannot write '{full}': permission denied.", full, ex);
        }
        catch (IOException ex)
        {
            throw new KaiException(WriteErrorId, KaiErrorKind.WriteError, $"Cannot write '{full}': {ex.Message}", full, ex);
        }
    }

    /// <summary>The JSON text Save writes (contains secrets: only for the file).</summary>
    public static string Render(InstallConfig config)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteNumber(SchemaVersionKey, InstallConfig.CurrentSchemaVersion);
            foreach (var field in InstallConfigFields.All)
            {
                writer.WritePropertyName(field.Key);
                WriteValue(writer, field.GetValue(config));
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>
    /// A warning when the file is readable by group or others (it holds secrets), else null.
    /// Files writable by them are refused by <see cref="Load(string)"/>.
    /// </summary>
    public static string? PermissionWarning(string path)
    {
        var status = UnixFiles.TryStat(Path.GetFullPath(path));
        if (status is null || (status.Mode & GroupOrOtherAccess) == 0) return null;
        var what = (status.Mode & GroupOrOtherWrite) != 0 ? "change it and read the secrets in it" : "read the secrets in it";
        return $"'{status.Path}' has mode {status.OctalMode}, so other users can {what}; run: chmod 600 '{status.Path}'";
    }

    private static void RefuseInsecure(string full)
    {
        var status = UnixFiles.TryStat(full);
        if (status is null || (status.Mode & GroupOrOtherWrite) == 0) return;
        throw new KaiException(InsecureErrorId, KaiErrorKind.SecurityError,
            $"Refusing to use '{full}': it has mode {status.OctalMode}, so other users could change what the installer does as root.", full)
        {
            RecommendedAction = $"chmod 600 '{full}' (and check its content), then try again.",
        };
    }

    private static byte[] ReadBytes(string full)
    {
        try
        {
            if (Directory.Exists(full))
                throw new KaiException(ReadErrorId, KaiErrorKind.InvalidArgument, $"'{full}' is a directory, not an install.conf file.", full);
            using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read);
            if (stream.Length > MaxFileBytes)
                throw Invalid(full, new[] { new ConfigProblem("", $"the file is {stream.Length} bytes; an install.conf is a few hundred bytes (limit {MaxFileBytes}).") });
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            return bytes;
        }
        catch (FileNotFoundException ex)
        {
            throw NotFound(full, ex);
        }
        catch (DirectoryNotFoundException ex)
        {
            throw NotFound(full, ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new KaiException(ReadErrorId, KaiErrorKind.PermissionDenied,
                $"Cannot read '{full}': permission denied (it is mode 0600; run as its owner or root).", full, ex);
        }
        catch (IOException ex)
        {
            throw new KaiException(ReadErrorId, KaiErrorKind.ResourceUnavailable, $"Cannot read '{full}': {ex.Message}", full, ex);
        }
    }

    private static KaiException NotFound(string full, Exception inner) =>
        new(NotFoundErrorId, KaiErrorKind.ObjectNotFound, $"The install configuration '{full}' does not exist.", full, inner)
        {
            RecommendedAction = "Create it with New-KaiInstallConfig or `kai install config`.",
        };

    internal static ConfigValidationException Invalid(string sourceName, IReadOnlyList<ConfigProblem> problems) =>
        new(InvalidErrorId, KaiErrorKind.InvalidData, $"Invalid install configuration '{sourceName}'", problems, sourceName);

    private static void CheckSchemaVersion(JsonElement root, JsonSourceMap map, string sourceName)
    {
        var property = root.EnumerateObject().FirstOrDefault(p => string.Equals(p.Name, SchemaVersionKey, StringComparison.OrdinalIgnoreCase));
        ConfigProblem? problem = null;
        if (property.Value.ValueKind == JsonValueKind.Undefined)
            problem = new ConfigProblem(SchemaVersionKey, $"is missing; install.conf must start with \"{SchemaVersionKey}\": {InstallConfig.CurrentSchemaVersion}.", 1, 1);
        else if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out var version))
            problem = new ConfigProblem(SchemaVersionKey, $"must be the number {InstallConfig.CurrentSchemaVersion}, found {Describe(property.Value.ValueKind)}.");
        else if (version != InstallConfig.CurrentSchemaVersion)
            problem = new ConfigProblem(SchemaVersionKey,
                $"version {version} is not supported: this Kai reads schema version {InstallConfig.CurrentSchemaVersion}" +
                (version > InstallConfig.CurrentSchemaVersion ? " (the file was written by a newer Kai)." : "."));
        if (problem is null) return;
        var at = problem.Line is null ? map.ValueOf(SchemaVersionKey) : null;
        throw Invalid(sourceName, new[] { at is null ? problem : problem with { Line = at.Value.Line, Column = at.Value.Column } });
    }

    /// <summary>Converts one JSON value to the field's type; a wrong type is a problem that never shows a secret.</summary>
    private static (object? Value, ConfigProblem? Problem) ReadValue(InstallConfigField field, JsonElement value)
    {
        ConfigProblem Wrong(string expected, string? path = null, JsonValueKind? kind = null) =>
            new(path ?? field.Key, $"expected {expected}, found {Describe(kind ?? value.ValueKind)}.");

        if (value.ValueKind == JsonValueKind.Null)
        {
            return field.Kind switch
            {
                InstallFieldKind.Secret or InstallFieldKind.Text or InstallFieldKind.UserName or InstallFieldKind.Path => (null, null),
                InstallFieldKind.IdList or InstallFieldKind.PathList => (null, null),
                _ => (null, new ConfigProblem(field.Key, "must not be null.")),
            };
        }

        switch (field.Kind)
        {
            case InstallFieldKind.Secret:
                if (value.ValueKind != JsonValueKind.String) return (null, Wrong("a string"));
                return (value.GetString() is { Length: > 0 } secret ? new Secret(secret) : null, null);
            case InstallFieldKind.Text:
            case InstallFieldKind.UserName:
                if (value.ValueKind != JsonValueKind.String) return (null, Wrong("a string"));
                return (value.GetString() is { Length: > 0 } text ? text : null, null);
            case InstallFieldKind.Path:
                if (value.ValueKind != JsonValueKind.String) return (null, Wrong("a path string"));
                return (value.GetString() is { Length: > 0 } pathText ? ConfigRules.NormalizePath(pathText) : null, null);
            case InstallFieldKind.Choice:
                if (value.ValueKind != JsonValueKind.String) return (null, Wrong($"a string ({field.ExpectedChoices})"));
                var choice = field.ParseChoice(value.GetString()!);
                return choice is null
                    ? (null, new ConfigProblem(field.Key, $"unknown value '{ConfigRules.Printable(value.GetString()!)}'; expected {field.ExpectedChoices}."))
                    : (choice, null);
            case InstallFieldKind.Boolean:
                return value.ValueKind is JsonValueKind.True or JsonValueKind.False ? (value.GetBoolean(), null) : (null, Wrong("true or false"));
            case InstallFieldKind.Integer:
                if (value.ValueKind != JsonValueKind.Number) return (null, Wrong("a whole number"));
                return value.TryGetInt32(out var number) ? (number, null) : (null, new ConfigProblem(field.Key, $"expected a whole number, found {value.GetRawText()}."));
            case InstallFieldKind.Decimal:
                if (value.ValueKind != JsonValueKind.Number) return (null, Wrong("a number"));
                return value.TryGetDecimal(out var amount) ? (amount, null) : (null, new ConfigProblem(field.Key, $"expected a number, found {value.GetRawText()}."));
            case InstallFieldKind.IdList:
            {
                if (value.ValueKind != JsonValueKind.Array) return (null, Wrong("an array of Telegram user IDs, e.g. [111, 222]"));
                var ids = new List<long>();
                var i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    var element = $"{field.Key}[{i++}]";
                    if (item.ValueKind != JsonValueKind.Number) return (null, Wrong("a numeric Telegram user ID", element, item.ValueKind));
                    if (!item.TryGetInt64(out var id)) return (null, new ConfigProblem(element, $"expected a whole number, found {item.GetRawText()}."));
                    if (!ids.Contains(id)) ids.Add(id);
                }
                return (ids.ToArray(), null);
            }
            case InstallFieldKind.PathList:
            {
                if (value.ValueKind != JsonValueKind.Array) return (null, Wrong("an array of absolute paths"));
                var paths = new List<string>();
                var i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    var element = $"{field.Key}[{i++}]";
                    if (item.ValueKind != JsonValueKind.String) return (null, Wrong("a path string", element, item.ValueKind));
                    var normalized = ConfigRules.NormalizePath(item.GetString()!);
                    if (!paths.Contains(normalized)) paths.Add(normalized);
                }
                return (paths.ToArray(), null);
            }
            default:
                throw new InvalidOperationException($"Unknown field kind {field.Kind}.");
        }
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case Secret secret:
                writer.WriteStringValue(secret.Reveal());
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case int number:
                writer.WriteNumberValue(number);
                break;
            case decimal amount:
                writer.WriteNumberValue(amount);
                break;
            case Enum choice:
                writer.WriteStringValue(EnumText.ToText(choice));
                break;
            case IReadOnlyList<long> ids:
                writer.WriteStartArray();
                foreach (var id in ids) writer.WriteNumberValue(id);
                writer.WriteEndArray();
                break;
            case IReadOnlyList<string> paths:
                writer.WriteStartArray();
                foreach (var path in paths) writer.WriteStringValue(path);
                writer.WriteEndArray();
                break;
            default:
                throw new InvalidOperationException($"Cannot write a {value.GetType().Name}.");
        }
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
