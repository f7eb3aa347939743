using System.Text.RegularExpressions;
using Kai.Native.Install.Yaml;
using Kai.Native.IO;
using YamlDotNet.RepresentationModel;

namespace Kai.Native.Install;

/// <summary>How the external services proxy authenticates to a service.</summary>
public enum ServiceAuthType { None, Bearer, Header, Query }

/// <summary>
/// Credentials for one service: the key itself (<see cref="Key"/>) or the name of a variable in
/// /etc/kai/env that holds it (<see cref="KeyEnv"/>). <see cref="ParameterName"/> is the header or query
/// parameter for <see cref="ServiceAuthType.Header"/> and <see cref="ServiceAuthType.Query"/>.
/// </summary>
public sealed record ServiceAuth(ServiceAuthType Type, string? ParameterName = null, Secret? Key = null, string? KeyEnv = null);

/// <summary>One external service the proxy may call.</summary>
public sealed record ServiceEntry(string Name, string Url)
{
    public string? Description { get; init; }
    public ServiceAuth Auth { get; init; } = new(ServiceAuthType.None);
}

/// <summary>
/// services.yaml: external services and their API keys, copied to /etc/kai/services.yaml (0600).
/// <code>
/// services:
///   perplexity:                         # name: lowercase letters, digits, '-', '_'
///     url: https://api.perplexity.ai    # https (http only to localhost)
///     description: Web search
///     auth:
///       type: bearer                    # none | bearer | header | query
///       key_env: PERPLEXITY_API_KEY     # a variable in /etc/kai/env, or
///       # key: pplx-…                   # the key itself
///       # name: X-Api-Key               # header / query parameter name (header, query)
/// </code>
/// </summary>
public static partial class ServicesYaml
{
    public const string FileKind = "services.yaml";
    public const string ErrorPrefix = "ServicesYaml";
    public const string InvalidErrorId = ErrorPrefix + "Invalid";

    private static readonly string[] s_rootKeys = { "services" };
    private static readonly string[] s_serviceKeys = { "url", "description", "auth" };
    private static readonly string[] s_authKeys = { "type", "name", "key", "key_env" };

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex ServiceName();

    public static IReadOnlyList<ServiceEntry> Load(string path) => YamlConfigReader.Load(path, FileKind, ErrorPrefix, Parse);

    public static void Validate(string path) => Load(path);

    public static IReadOnlyList<ServiceEntry> Parse(string text, string sourceName)
    {
        var reader = new YamlConfigReader(FileKind, ErrorPrefix, sourceName);
        var root = reader.Parse(text);
        var result = new List<ServiceEntry>();
        if (root is null || YamlConfigReader.IsNull(root)) return result;
        if (reader.Mapping(root, "", "a map with a 'services:' map") is not { } top) throw reader.Error();
        var entries = reader.Entries(top, "", s_rootKeys);
        if (entries.TryGetValue("services", out var services) && !YamlConfigReader.IsNull(services.Value)
            && reader.Mapping(services.Value, "services", "a map of service names to settings") is { } map)
        {
            foreach (var (name, (keyNode, value)) in reader.Entries(map, "services", known: null))
            {
                var field = "services." + name;
                if (!ServiceName().IsMatch(name))
                {
                    reader.Add(keyNode, field, "service names use lowercase letters, digits, '-' and '_' (at most 64).");
                    continue;
                }
                if (reader.Mapping(value, field, "a map with url, description, auth") is { } settings
                    && ReadService(reader, name, settings, field) is { } service)
                    result.Add(service);
            }
        }
        reader.ThrowIfProblems();
        return result;
    }

    private static ServiceEntry? ReadService(YamlConfigReader reader, string name, YamlMappingNode map, string path)
    {
        var entries = reader.Entries(map, path, s_serviceKeys);
        var before = reader.Problems.Count;
        string? url = null;
        if (!entries.TryGetValue("url", out var urlEntry))
            reader.Add(map, path + ".url", "is required.");
        else
        {
            var text = reader.Text(urlEntry.Value, path + ".url");
            if (text is null && !YamlConfigReader.IsNull(urlEntry.Value)) { } // not a single value: reported
            else if (ConfigRules.ServiceUrl(text) is { } urlProblem) reader.Add(urlEntry.Value, path + ".url", urlProblem);
            else url = text;
        }
        var description = entries.TryGetValue("description", out var descriptionEntry) ? reader.Text(descriptionEntry.Value, path + ".description") : null;
        var auth = new ServiceAuth(ServiceAuthType.None);
        if (entries.TryGetValue("auth", out var authEntry) && !YamlConfigReader.IsNull(authEntry.Value)
            && reader.Mapping(authEntry.Value, path + ".auth", "a map with type and key or key_env") is { } authMap)
            auth = ReadAuth(reader, authMap, path + ".auth") ?? auth;
        if (url is null || reader.Problems.Count > before) return null;
        return new ServiceEntry(name, url) { Description = description, Auth = auth };
    }

    private static ServiceAuth? ReadAuth(YamlConfigReader reader, YamlMappingNode map, string path)
    {
        var entries = reader.Entries(map, path, s_authKeys);
        if (!entries.TryGetValue("type", out var typeEntry))
        {
            reader.Add(map, path + ".type", $"is required ({EnumText.Expected<ServiceAuthType>()}).");
            return null;
        }
        if (reader.Choice<ServiceAuthType>(typeEntry.Value, path + ".type") is not { } type) return null;
        var parameter = entries.TryGetValue("name", out var nameEntry) ? reader.Text(nameEntry.Value, path + ".name") : null;
        var key = entries.TryGetValue("key", out var keyEntry) ? reader.SecretValue(keyEntry.Value, path + ".key") : null;
        var keyEnv = entries.TryGetValue("key_env", out var envEntry) ? reader.Text(envEntry.Value, path + ".key_env") : null;

        if (keyEnv is not null && !EnvFile.IsValidKey(keyEnv))
            reader.Add(envEntry.Value, path + ".key_env", $"'{ConfigRules.Printable(keyEnv)}' is not a valid environment variable name.");
        if (key is not null && ConfigRules.HeaderSafeSecret(key, 1) is { } keyProblem)
            reader.Add(keyEntry.Value, path + ".key", keyProblem);
        if (type == ServiceAuthType.None)
        {
            if (key is not null || keyEnv is not null) reader.Add(map, path + ".type", "is none, but a key is given; use bearer, header or query.");
        }
        else
        {
            if (key is null && keyEnv is null) reader.Add(map, path, $"type {EnumText.ToText(type)} needs 'key' or 'key_env'.");
            else if (key is not null && keyEnv is not null) reader.Add(map, path, "give 'key' or 'key_env', not both.");
            if (type is ServiceAuthType.Header or ServiceAuthType.Query && string.IsNullOrEmpty(parameter))
                reader.Add(map, path + ".name", $"is required for type {EnumText.ToText(type)} (the {(type == ServiceAuthType.Header ? "header" : "query parameter")} name).");
        }
        if (type == ServiceAuthType.Bearer && parameter is not null)
            reader.Add(nameEntry.Value, path + ".name", "is only used by the header and query types (bearer always uses Authorization).");
        return new ServiceAuth(type, parameter, key, keyEnv);
    }
}
