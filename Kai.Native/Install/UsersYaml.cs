namespace Kai.Native.Install;

/// <summary>One entry of users.yaml (per-user config; <see cref="OsUser"/> is the account its Claude subprocess runs as).</summary>
public sealed record KaiUserEntry(long TelegramUserId, string? Name, string? OsUser);

/// <summary>
/// users.yaml. SCAFFOLD: the install-config work replaces this file (YamlDotNet, errors with file/line/field).
/// </summary>
public static class UsersYaml
{
    public static IReadOnlyList<KaiUserEntry> Load(string path) =>
        throw new NotImplementedException("users.yaml loading is not built yet.");
}
