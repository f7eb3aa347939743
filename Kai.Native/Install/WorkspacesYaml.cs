using Kai.Native.Install.Yaml;
using Kai.Native.IO;
using YamlDotNet.RepresentationModel;

namespace Kai.Native.Install;

/// <summary>One entry of workspaces.yaml: settings for the workspace at <see cref="Path"/>.</summary>
public sealed record WorkspaceEntry(string Path)
{
    public string? Name { get; init; }
    public ClaudeModel? Model { get; init; }
    public int? TimeoutSeconds { get; init; }
    public decimal? MaxBudgetUsd { get; init; }
    /// <summary>Telegram user IDs allowed to use this workspace (empty: everyone allowed).</summary>
    public IReadOnlyList<long> AllowedUsers { get; init; } = Array.Empty<long>();
    /// <summary>Extra environment for Claude in this workspace (values may be secrets: never print them).</summary>
    public IReadOnlyDictionary<string, Secret> Environment { get; init; } = new Dictionary<string, Secret>();
}

/// <summary>
/// workspaces.yaml: per-workspace configuration, copied to /etc/kai/workspaces.yaml (0600) by the installer.
/// <code>
/// workspaces:
///   - path: /srv/projects/app   # required, absolute, unique
///     name: app                 # optional short name
///     model: opus               # optional: haiku | sonnet | opus
///     timeout_seconds: 300      # optional
///     max_budget_usd: 5         # optional
///     allowed_users: [111]      # optional Telegram user IDs
///     env:                      # optional extra environment (values may be keys: the file is 0600)
///       NODE_ENV: development
/// </code>
/// </summary>
public static class WorkspacesYaml
{
    public const string FileKind = "workspaces.yaml";
    public const string ErrorPrefix = "WorkspacesYaml";
    public const string InvalidErrorId = ErrorPrefix + "Invalid";

    private static readonly string[] s_rootKeys = { "workspaces" };
    private static readonly string[] s_keys = { "path", "name", "model", "timeout_seconds", "max_budget_usd", "allowed_users", "env" };

    public static IReadOnlyList<WorkspaceEntry> Load(string path) => YamlConfigReader.Load(path, FileKind, ErrorPrefix, Parse);

    public static void Validate(string path) => Load(path);

    public static IReadOnlyList<WorkspaceEntry> Parse(string text, string sourceName)
    {
        var reader = new YamlConfigReader(FileKind, ErrorPrefix, sourceName);
        var root = reader.Parse(text);
        var result = new List<WorkspaceEntry>();
        if (root is null || YamlConfigReader.IsNull(root)) return result; // an empty file configures nothing
        if (reader.Mapping(root, "", "a map with a 'workspaces:' list") is not { } top) throw reader.Error();
        var entries = reader.Entries(top, "", s_rootKeys);
        if (entries.TryGetValue("workspaces", out var workspaces) && !YamlConfigReader.IsNull(workspaces.Value)
            && reader.Sequence(workspaces.Value, "workspaces", "a list of workspaces") is { } list)
        {
            result = reader.UniqueEntries(list, "workspaces", "a map with path, name, model, …",
                (map, field) => ReadWorkspace(reader, map, field), workspace => workspace.Path, "path",
                (workspace, first) => $"'{workspace.Path}' is already configured as {first}.", StringComparer.Ordinal);
        }
        reader.ThrowIfProblems();
        return result;
    }

    private static WorkspaceEntry? ReadWorkspace(YamlConfigReader reader, YamlMappingNode map, string path)
    {
        var entries = reader.Entries(map, path, s_keys);
        var before = reader.Problems.Count;
        string? workspacePath = null;
        if (!entries.TryGetValue("path", out var pathEntry) || YamlConfigReader.IsNull(pathEntry.Value))
            reader.Add(pathEntry.Value ?? map, path + ".path", "is required (the workspace's absolute path).");
        else if (reader.Text(pathEntry.Value, path + ".path") is { } text)
        {
            workspacePath = ConfigRules.NormalizePath(text);
            if (ConfigRules.AbsolutePath(workspacePath) is { } problem) reader.Add(pathEntry.Value, path + ".path", problem);
        }

        var name = entries.TryGetValue("name", out var nameEntry) ? reader.Text(nameEntry.Value, path + ".name") : null;
        var model = entries.TryGetValue("model", out var modelEntry) ? reader.Choice<ClaudeModel>(modelEntry.Value, path + ".model") : null;
        int? timeout = null;
        if (entries.TryGetValue("timeout_seconds", out var timeoutEntry) && reader.Integer(timeoutEntry.Value, path + ".timeout_seconds") is { } seconds)
        {
            if (seconds is <= 0 or > InstallConfigValidator.MaxTimeoutSeconds)
                reader.Add(timeoutEntry.Value, path + ".timeout_seconds", $"must be from 1 to {InstallConfigValidator.MaxTimeoutSeconds} seconds, not {seconds}.");
            else timeout = (int)seconds;
        }
        var budget = reader.PositiveUsd(entries, path, "max_budget_usd");
        var allowed = new List<long>();
        if (entries.TryGetValue("allowed_users", out var usersEntry) && !YamlConfigReader.IsNull(usersEntry.Value)
            && reader.Sequence(usersEntry.Value, path + ".allowed_users", "a list of Telegram user IDs") is { } users)
        {
            for (var i = 0; i < users.Children.Count; i++)
            {
                var field = $"{path}.allowed_users[{i}]";
                if (reader.Integer(users.Children[i], field, "a numeric Telegram user ID") is not { } id) continue;
                if (id <= 0) reader.Add(users.Children[i], field, $"must be a positive Telegram user ID, not {id}.");
                else if (!allowed.Contains(id)) allowed.Add(id);
            }
        }
        var environment = new Dictionary<string, Secret>(StringComparer.Ordinal);
        if (entries.TryGetValue("env", out var envEntry) && !YamlConfigReader.IsNull(envEntry.Value)
            && reader.Mapping(envEntry.Value, path + ".env", "a map of variable names to values") is { } env)
        {
            foreach (var (key, (_, value)) in reader.Entries(env, path + ".env", known: null))
            {
                var field = $"{path}.env.{key}";
                if (!EnvFile.IsValidKey(key)) reader.Add(env, field, "is not a valid environment variable name (letters, digits and '_', not starting with a digit).");
                else if (reader.SecretValue(value, field) is { } secret) environment[key] = secret;
            }
        }
        if (workspacePath is null || reader.Problems.Count > before) return null;
        return new WorkspaceEntry(workspacePath)
        {
            Name = name,
            Model = model,
            TimeoutSeconds = timeout,
            MaxBudgetUsd = budget,
            AllowedUsers = allowed,
            Environment = environment,
        };
    }
}
