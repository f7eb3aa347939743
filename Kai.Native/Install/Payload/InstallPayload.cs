using System.Diagnostics;

namespace Kai.Native.Install;

/// <summary>
/// A Kai distribution to install: the build output `artifacts/` (or an installed tree, or a release archive
/// unpacked), which holds bin/kai (the executable and its runtime files) and Kai/ (the PowerShell module).
/// </summary>
public sealed class InstallPayload
{
    private PayloadManifest? _manifest;
    private PayloadManifest? _models;

    private InstallPayload(string directory)
    {
        Directory = directory;
        Version = ReadVersion(directory);
    }

    public string Directory { get; }
    public string Version { get; }
    public string BinDirectory => Path.Combine(Directory, "bin");
    public string ModelsDirectory => Path.Combine(Directory, "models");
    public bool HasModels => System.IO.Directory.Exists(ModelsDirectory);

    /// <summary>What gets copied to the install tree (hashed once, on first use).</summary>
    public PayloadManifest Manifest => _manifest ??= PayloadManifest.FromDirectory(Directory, Version, topLevelRules: true);

    /// <summary>The models/ subtree (whisper, Piper), when the source has one.</summary>
    public PayloadManifest? Models => HasModels ? _models ??= PayloadManifest.FromDirectory(ModelsDirectory, Version, topLevelRules: false) : null;

    /// <summary>
    /// <paramref name="sourcePath"/> when given, else the distribution this code was loaded from: the folder above
    /// the one holding Kai.Native.dll (artifacts/bin/, artifacts/Kai/Dependencies/, /opt/kai/bin/ …) that has bin/kai.
    /// </summary>
    public static InstallPayload Locate(string? sourcePath, string? loadedFrom = null)
    {
        if (!string.IsNullOrEmpty(sourcePath))
        {
            var full = Path.GetFullPath(sourcePath);
            if (!System.IO.Directory.Exists(full))
                throw new KaiException("SourceNotFound", KaiErrorKind.ObjectNotFound, $"The source '{full}' does not exist.", full);
            if (!IsDistribution(full))
                throw new KaiException("SourceNotFound", KaiErrorKind.ObjectNotFound,
                    $"'{full}' is not a Kai distribution: bin/kai is missing (build one with: dotnet build Kai.sln, then use artifacts/).", full);
            return new InstallPayload(full);
        }

        var start = loadedFrom ?? Path.GetDirectoryName(typeof(InstallPayload).Assembly.Location) ?? AppContext.BaseDirectory;
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (IsDistribution(dir.FullName)) return new InstallPayload(dir.FullName);
        }
        throw new KaiException("SourceNotFound", KaiErrorKind.ObjectNotFound,
            $"No Kai distribution (a folder with bin/kai) above '{start}'. Pass the source explicitly (-SourcePath / --source).", start);
    }

    public static bool IsDistribution(string directory) => File.Exists(Path.Combine(directory, "bin", "kai"));

    /// <summary>The product version of bin/kai.dll ("0.1.0"), or "0.0.0".</summary>
    private static string ReadVersion(string directory)
    {
        var dll = Path.Combine(directory, "bin", "kai.dll");
        try
        {
            if (File.Exists(dll) && FileVersionInfo.GetVersionInfo(dll).ProductVersion is { Length: > 0 } v) return v.Split('+')[0];
        }
        catch (IOException)
        {
        }
        var versionFile = Path.Combine(directory, "VERSION");
        return File.Exists(versionFile) ? File.ReadAllText(versionFile).Trim() : "0.0.0";
    }
}
