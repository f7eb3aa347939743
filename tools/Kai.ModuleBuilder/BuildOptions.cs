namespace Kai.ModuleBuilder;

internal sealed record BuildOptions(string Manifest, string Version, string Docs, string Assembly, string Out)
{
    public static BuildOptions? Parse(string[] args)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) return null;
            map[args[i][2..]] = args[i + 1];
        }
        string? Get(string key) => map.TryGetValue(key, out var v) ? v : null;
        if (Get("manifest") is not { } manifest || Get("version") is not { } version || Get("docs") is not { } docs
            || Get("assembly") is not { } assembly || Get("out") is not { } output)
        {
            return null;
        }
        return new BuildOptions(manifest, version, docs, assembly, output);
    }
}
