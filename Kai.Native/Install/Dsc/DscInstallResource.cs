using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kai.Native.Install;

/// <summary>
/// The Kai/Install DSC v3 resource behind `kai install dsc get|test|set`: the instance is an install.conf path plus
/// the install options; get reports the actual state, test adds _inDesiredState (no step would change), set
/// applies (it tests first itself: implementsPretest) and returns the state afterwards.
/// </summary>
public static class DscInstallResource
{
    public const string ResourceType = "Kai/Install";

    public sealed record Instance(string ConfigPath, string? Root, string? SourcePath, InstallScope? Scope);

    public static Instance ParseInput(string json)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException ex)
        {
            throw Invalid($"the desired state is not JSON: {ex.Message}");
        }
        if (node is not JsonObject obj) throw Invalid("the desired state must be a JSON object.");
        string? Text(string name)
        {
            if (!obj.TryGetPropertyValue(name, out var value) || value is null) return null;
            if (value is JsonValue v && v.TryGetValue<string>(out var s)) return s;
            throw Invalid($"'{name}' must be a string.");
        }
        var known = new HashSet<string>(StringComparer.Ordinal) { "configPath", "root", "sourcePath", "scope", "_inDesiredState", "installed", "version", "service", "drift" };
        foreach (var (name, _) in obj)
            if (!known.Contains(name)) throw Invalid($"unknown property '{name}'.");
        var configPath = Text("configPath") ?? throw Invalid("'configPath' is required.");
        InstallScope? scope = Text("scope") switch
        {
            null => null,
            "allUsers" => InstallScope.AllUsers,
            "currentUser" => InstallScope.CurrentUser,
            var other => throw Invalid($"'scope' must be allUsers or currentUser, not '{other}'."),
        };
        return new Instance(Path.GetFullPath(configPath), Text("root"), Text("sourcePath"), scope);
    }

    public static InstallOptions Options(Instance instance) => new()
    {
        Root = instance.Root,
        SourcePath = instance.SourcePath,
        Scope = instance.Scope,
        ConfigDirectory = Path.GetDirectoryName(instance.ConfigPath),
    };

    /// <summary>The actual state as DSC sees it (get, and test with the _inDesiredState flag).</summary>
    public static JsonObject State(Instance instance, bool includeTest)
    {
        var config = InstallConfigFile.Load(instance.ConfigPath);
        var options = Options(instance);
        var plan = InstallPlanner.Create(config, options);
        var tests = InstallRunner.TestAll(plan);
        var drift = tests.Where(t => t.Status == InstallStepStatus.WouldChange && plan.Steps[t.Index].CountsAsDrift).ToList();
        var manifest = PayloadManifest.TryLoad(plan.Layout.OnDisk(plan.Layout.PayloadManifest));
        var service = tests.FirstOrDefault(t => t.Step == "StartService");
        var state = new JsonObject
        {
            ["configPath"] = instance.ConfigPath,
            ["root"] = instance.Root,
            ["sourcePath"] = instance.SourcePath,
            ["scope"] = plan.Layout.IsUserScope ? "currentUser" : "allUsers",
            ["installed"] = manifest is not null,
            ["version"] = manifest?.Version,
            ["service"] = service?.Detail,
            ["drift"] = new JsonArray(drift.Select(d => (JsonNode)JsonValue.Create($"{d.Step} {d.Target}: {d.Detail}")).ToArray()),
        };
        if (includeTest) state["_inDesiredState"] = drift.Count == 0;
        return state;
    }

    /// <summary>Applies the install, then reports the state afterwards.</summary>
    public static JsonObject Set(Instance instance, IInstallObserver? observer = null)
    {
        var config = InstallConfigFile.Load(instance.ConfigPath);
        var plan = InstallPlanner.Create(config, Options(instance));
        InstallRunner.Run(plan, InstallRunMode.Apply, observer ?? InstallObserver.Silent);
        return State(instance, includeTest: false);
    }

    private static KaiException Invalid(string message) =>
        new("DscInputInvalid", KaiErrorKind.InvalidArgument, $"Kai/Install: {message}", "stdin");
}
