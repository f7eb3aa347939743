namespace Kai.Native.Install;

/// <summary>
/// What never goes from a source tree into the install tree: version control, build and cache output,
/// environment/secret files, editor litter; at the top level also what the installer manages itself
/// (home/, models/, run.sh, checksum and manifest files), so an installed tree can serve as a source.
/// </summary>
public static class PayloadFilter
{
    private static readonly HashSet<string> ExcludedDirectories = new(StringComparer.Ordinal)
    {
        ".git", ".svn", ".hg", "obj", "__pycache__", ".venv", ".vs", ".idea", ".vscode", ".pytest_cache", ".mypy_cache", "node_modules",
    };

    private static readonly HashSet<string> ExcludedTopLevel = new(StringComparer.Ordinal)
    {
        "home", "models", "run.sh", InstallLayout.RuntimeChecksumFileName, InstallLayout.PayloadManifestFileName, InstallLayout.ModelsManifestFileName,
    };

    /// <summary>True when <paramref name="relativePath"/> (forward slashes, relative to the payload root) stays out.</summary>
    public static bool IsExcluded(string relativePath, bool isDirectory, bool topLevelRules = true)
    {
        var segments = relativePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length == 0) return false;
        if (topLevelRules && segments.Length == 1 && ExcludedTopLevel.Contains(segments[0])) return true;
        for (var i = 0; i < segments.Length; i++)
        {
            var isLast = i == segments.Length - 1;
            if ((!isLast || isDirectory) && ExcludedDirectories.Contains(segments[i])) return true;
        }
        if (isDirectory) return false;
        var name = segments[^1];
        return name == ".env" || name.StartsWith(".env.", StringComparison.Ordinal) || name == ".DS_Store" || name == "install.conf"
               || name.EndsWith(".pyc", StringComparison.Ordinal) || name.EndsWith(".pdb", StringComparison.Ordinal)
               || name.EndsWith(".tmp", StringComparison.Ordinal) || name.EndsWith('~') || name.EndsWith(".swp", StringComparison.Ordinal);
    }
}
