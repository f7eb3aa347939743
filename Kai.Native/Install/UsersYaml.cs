using Kai.Native.Install.Yaml;
using YamlDotNet.RepresentationModel;

namespace Kai.Native.Install;

public enum KaiUserRole { User, Admin }

/// <summary>
/// One entry of users.yaml: a Telegram user allowed to talk to Kai. <see cref="OsUser"/> is the account
/// that user's Claude subprocess runs as (user separation; takes precedence over CLAUDE_USER).
/// </summary>
public sealed record KaiUserEntry(long TelegramUserId, string? Name, string? OsUser)
{
    public KaiUserRole Role { get; init; } = KaiUserRole.User;
    /// <summary>The user's home workspace (absolute), when pinned.</summary>
    public string? Workspace { get; init; }
    /// <summary>A per-user default model, overriding install.conf's.</summary>
    public ClaudeModel? Model { get; init; }
    /// <summary>A per-user budget per session in USD, overriding install.conf's.</summary>
    public decimal? MaxBudgetUsd { get; init; }
}

/// <summary>
/// users.yaml: per-user configuration, copied to /etc/kai/users.yaml (0600) by the installer.
/// <code>
/// users:
///   - telegram_id: 111          # required, unique
///     name: alice               # optional display name
///     role: admin               # user (default) | admin
///     os_user: alice            # optional: run alice's Claude as this account
///     workspace: /srv/alice     # optional home workspace (absolute)
///     model: opus               # optional: haiku | sonnet | opus
///     max_budget_usd: 15        # optional
/// </code>
/// A malformed file is ONE error (ErrorId UsersYamlInvalid, target the path) naming each line and field.
/// </summary>
public static class UsersYaml
{
    public const string FileKind = "users.yaml";
    public const string ErrorPrefix = "UsersYaml";
    public const string InvalidErrorId = ErrorPrefix + "Invalid";

    private static readonly string[] s_rootKeys = { "users" };
    private static readonly string[] s_userKeys = { "telegram_id", "name", "role", "os_user", "workspace", "model", "max_budget_usd" };

    public static IReadOnlyList<KaiUserEntry> Load(string path) => YamlConfigReader.Load(path, FileKind, ErrorPrefix, Parse);

    /// <summary>Checks a users.yaml before the installer copies it; throws the same error <see cref="Load"/> would.</summary>
    public static void Validate(string path) => Load(path);

    public static IReadOnlyList<KaiUserEntry> Parse(string text, string sourceName)
    {
        var reader = new YamlConfigReader(FileKind, ErrorPrefix, sourceName);
        var root = reader.Parse(text);
        if (root is null || YamlConfigReader.IsNull(root))
        {
            reader.Add(root, "users", "the file is empty; expected a 'users:' list.");
            throw reader.Error();
        }
        if (reader.Mapping(root, "", "a map with a 'users:' list") is not { } top) throw reader.Error();
        var entries = reader.Entries(top, "", s_rootKeys);
        if (!entries.TryGetValue("users", out var users))
        {
            reader.Add(top, "users", "is missing; expected a 'users:' list.");
            throw reader.Error();
        }
        var result = new List<KaiUserEntry>();
        if (reader.Sequence(users.Value, "users", "a list of users") is { } list)
        {
            if (list.Children.Count == 0) reader.Add(list, "users", "lists no users; nobody could talk to Kai.");
            result = reader.UniqueEntries(list, "users", "a map with telegram_id, name, os_user, …",
                (map, field) => ReadUser(reader, map, field), user => user.TelegramUserId, "telegram_id",
                (user, first) => $"{user.TelegramUserId} is already listed as {first}.");
        }
        reader.ThrowIfProblems();
        return result;
    }

    private static KaiUserEntry? ReadUser(YamlConfigReader reader, YamlMappingNode map, string path)
    {
        var entries = reader.Entries(map, path, s_userKeys);
        var before = reader.Problems.Count;
        long? telegramId = null;
        if (!entries.TryGetValue("telegram_id", out var idEntry))
            reader.Add(map, path + ".telegram_id", "is required (the user's numeric Telegram ID).");
        else if (reader.Integer(idEntry.Value, path + ".telegram_id", "a numeric Telegram user ID") is { } id)
        {
            if (id <= 0) reader.Add(idEntry.Value, path + ".telegram_id", $"must be a positive Telegram user ID, not {id}.");
            else telegramId = id;
        }
        else if (YamlConfigReader.IsNull(idEntry.Value))
            reader.Add(idEntry.Value, path + ".telegram_id", "is required (the user's numeric Telegram ID).");

        string? Text(string key)
        {
            if (!entries.TryGetValue(key, out var entry)) return null;
            return reader.Text(entry.Value, YamlConfigReader.Join(path, key));
        }

        var name = Text("name");
        var osUser = Text("os_user");
        if (osUser is not null && ConfigRules.UserName(osUser) is { } userProblem)
            reader.Add(entries["os_user"].Value, path + ".os_user", userProblem);
        var workspace = Text("workspace");
        if (workspace is not null)
        {
            workspace = ConfigRules.NormalizePath(workspace);
            if (ConfigRules.AbsolutePath(workspace) is { } pathProblem) reader.Add(entries["workspace"].Value, path + ".workspace", pathProblem);
        }
        var role = entries.TryGetValue("role", out var roleEntry) ? reader.Choice<KaiUserRole>(roleEntry.Value, path + ".role") : null;
        var model = entries.TryGetValue("model", out var modelEntry) ? reader.Choice<ClaudeModel>(modelEntry.Value, path + ".model") : null;
        var budget = reader.PositiveUsd(entries, path, "max_budget_usd");
        if (telegramId is null || reader.Problems.Count > before) return null;
        return new KaiUserEntry(telegramId.Value, name, osUser)
        {
            Role = role ?? KaiUserRole.User,
            Workspace = workspace,
            Model = model,
            MaxBudgetUsd = budget,
        };
    }
}
