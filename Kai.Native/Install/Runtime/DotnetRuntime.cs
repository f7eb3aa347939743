using System.Text.Json;
using Kai.Native.Platform;

namespace Kai.Native.Install;

/// <summary>A shared framework an app needs (from its runtimeconfig.json) or a machine has (from dotnet --list-runtimes).</summary>
public sealed record DotnetFramework(string Name, Version Version)
{
    public override string ToString() => $"{Name} {Version}";
}

/// <summary>What bin/kai.runtimeconfig.json asks for.</summary>
public sealed record RuntimeRequirement(IReadOnlyList<DotnetFramework> Frameworks, string RollForward)
{
    public bool IsSelfContained => Frameworks.Count == 0;
}

/// <summary>
/// Kai's "runtime" is the .NET shared framework the framework-dependent kai executable runs on. Its needs are
/// described by bin/*.runtimeconfig.json and bin/*.deps.json (the analogue of the seed's pyproject.toml): when
/// their checksum changes the installer checks again that the machine's runtime satisfies them.
/// </summary>
public static class DotnetRuntime
{
    /// <summary>Where a .NET install lives: $DOTNET_ROOT, the `dotnet` on PATH (resolved), the usual locations, /etc/dotnet/install_location.</summary>
    public static string? FindDotnetRoot()
    {
        var candidates = new List<string?> { Environment.GetEnvironmentVariable("DOTNET_ROOT") };
        if (ProcessRunner.FindOnPath("dotnet") is { } onPath)
        {
            try
            {
                var resolved = new FileInfo(onPath).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? onPath;
                candidates.Add(Path.GetDirectoryName(resolved));
            }
            catch (IOException)
            {
                candidates.Add(Path.GetDirectoryName(onPath));
            }
        }
        candidates.AddRange(["/usr/share/dotnet", "/usr/lib/dotnet", "/usr/local/share/dotnet", "/opt/dotnet"]);
        foreach (var file in new[] { "/etc/dotnet/install_location", "/etc/dotnet/install_location_x64", "/etc/dotnet/install_location_arm64" })
        {
            try
            {
                if (File.Exists(file)) candidates.Add(File.ReadAllText(file).Trim());
            }
            catch (IOException)
            {
            }
        }
        return candidates
            .Where(c => !string.IsNullOrWhiteSpace(c) && Path.IsPathRooted(c))
            .Select(c => Path.TrimEndingDirectorySeparator(c!))
            .FirstOrDefault(c => ProcessRunner.IsExecutableFile(Path.Combine(c, "dotnet")));
    }

    /// <summary>The runtimeconfig.json files of a bin/ directory and the deps.json beside them: what the runtime checksum covers.</summary>
    public static IReadOnlyList<string> DescriptorFiles(string binDirectory) =>
        Directory.Exists(binDirectory)
            ? Directory.EnumerateFiles(binDirectory, "*.runtimeconfig.json")
                .Concat(Directory.EnumerateFiles(binDirectory, "*.deps.json"))
                .Order(StringComparer.Ordinal)
                .ToList()
            : Array.Empty<string>();

    /// <summary>sha256 over the descriptor files (name and content) and the runtime location they resolve against.</summary>
    public static string Checksum(string binDirectory, string? dotnetRoot)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var file in DescriptorFiles(binDirectory))
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetFileName(file) + "\0"));
            hash.AppendData(File.ReadAllBytes(file));
            hash.AppendData("\0"u8);
        }
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes("dotnet-root=" + (dotnetRoot ?? "")));
        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }

    public static RuntimeRequirement ReadRequirement(string runtimeConfigPath)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(runtimeConfigPath));
            var options = document.RootElement.GetProperty("runtimeOptions");
            var frameworks = new List<DotnetFramework>();
            if (options.TryGetProperty("framework", out var single)) frameworks.Add(ReadFramework(single));
            if (options.TryGetProperty("frameworks", out var many))
                frameworks.AddRange(many.EnumerateArray().Select(ReadFramework));
            var rollForward = options.TryGetProperty("rollForward", out var rf) ? rf.GetString() ?? "Minor" : "Minor";
            return new RuntimeRequirement(frameworks, rollForward);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IOException)
        {
            throw new KaiException("RuntimeConfigInvalid", KaiErrorKind.InvalidData, $"{runtimeConfigPath}: not a valid runtimeconfig.json ({ex.Message})", runtimeConfigPath, ex);
        }
    }

    private static DotnetFramework ReadFramework(JsonElement element) =>
        new(element.GetProperty("name").GetString() ?? "", Version.Parse(element.GetProperty("version").GetString() ?? "0.0"));

    /// <summary>Parses `dotnet --list-runtimes`: "Microsoft.NETCore.App 10.0.12 [/usr/share/dotnet/shared/Microsoft.NETCore.App]".</summary>
    public static IReadOnlyList<DotnetFramework> ParseListRuntimes(string output)
    {
        var result = new List<DotnetFramework>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2) continue;
            var numeric = parts[1].Split('-', 2)[0]; // 9.0.0-preview.1 → 9.0.0
            if (Version.TryParse(numeric, out var version)) result.Add(new DotnetFramework(parts[0], version));
        }
        return result;
    }

    /// <summary>The installed framework the host would pick for <paramref name="required"/> under the roll-forward policy, or null.</summary>
    public static DotnetFramework? Resolve(DotnetFramework required, string rollForward, IEnumerable<DotnetFramework> installed)
    {
        var sameName = installed.Where(f => f.Name.Equals(required.Name, StringComparison.Ordinal)).ToList();
        var r = required.Version;
        bool Acceptable(Version v) => rollForward.ToLowerInvariant() switch
        {
            "disable" => v == r,
            "latestpatch" => v.Major == r.Major && v.Minor == r.Minor && v >= r,
            "minor" or "latestminor" => v.Major == r.Major && v >= r,
            "major" or "latestmajor" => v >= r,
            _ => v.Major == r.Major && v >= r,
        };
        return sameName.Where(f => Acceptable(f.Version)).OrderByDescending(f => f.Version).FirstOrDefault();
    }

    /// <summary>Asks <paramref name="dotnetRoot"/>/dotnet for its runtimes and checks every framework of <paramref name="requirement"/>.</summary>
    public static IReadOnlyList<DotnetFramework> Verify(RuntimeRequirement requirement, string? dotnetRoot, CancellationToken cancellationToken = default)
    {
        if (requirement.IsSelfContained) return Array.Empty<DotnetFramework>();
        var needed = string.Join(", ", requirement.Frameworks);
        if (dotnetRoot is null)
            throw new KaiException("RuntimeNotFound", KaiErrorKind.NotInstalled,
                $"No .NET runtime found: Kai needs {needed} (roll forward: {requirement.RollForward}).", "dotnet")
            {
                RecommendedAction = "Install the .NET runtime (e.g. apt-get install dotnet-runtime-8.0, or set DOTNET_ROOT) and re-run.",
            };
        var output = ProcessRunner.Run(Path.Combine(dotnetRoot, "dotnet"), ["--list-runtimes"], TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
        if (!output.Succeeded)
            throw new KaiException("RuntimeNotFound", KaiErrorKind.NotInstalled,
                $"'{dotnetRoot}/dotnet --list-runtimes' failed (exit {output.ExitCode}): {output.Diagnostic}", dotnetRoot);
        var installed = ParseListRuntimes(output.StandardOutput);
        var resolved = new List<DotnetFramework>();
        foreach (var framework in requirement.Frameworks)
        {
            resolved.Add(Resolve(framework, requirement.RollForward, installed)
                ?? throw new KaiException("RuntimeNotFound", KaiErrorKind.NotInstalled,
                    $"The .NET runtime at {dotnetRoot} cannot run Kai: it needs {framework} (roll forward: {requirement.RollForward}); installed: {(installed.Count == 0 ? "none" : string.Join(", ", installed))}.",
                    dotnetRoot)
                {
                    RecommendedAction = $"Install {framework.Name} {framework.Version.Major}.x or later and re-run.",
                });
        }
        return resolved;
    }
}
