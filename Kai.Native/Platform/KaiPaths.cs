namespace Kai.Native.Platform;

/// <summary>Where the embedded (no service) host keeps its data.</summary>
public static class KaiPaths
{
    /// <summary>$KAI_DATA_DIR, else $XDG_DATA_HOME/kai, else ~/.local/share/kai.</summary>
    public static string UserDataDirectory(IReadOnlyDictionary<string, string?>? environment = null)
    {
        string? Get(string name) => environment is null
            ? Environment.GetEnvironmentVariable(name)
            : environment.TryGetValue(name, out var v) ? v : null;

        var explicitDir = Get("KAI_DATA_DIR");
        if (!string.IsNullOrWhiteSpace(explicitDir)) return Path.GetFullPath(explicitDir);
        var xdg = Get("XDG_DATA_HOME");
        if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)) return Path.Combine(xdg, "kai");
        var home = Get("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".local", "share", "kai");
    }

    /// <summary>$XDG_CONFIG_HOME/kai, else ~/.config/kai (per-user install secrets).</summary>
    public static string UserConfigDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
        if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)) return Path.Combine(xdg, "kai");
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "kai");
    }

    /// <summary>Joins an absolute path under an optional root prefix (like DESTDIR).</summary>
    public static string UnderRoot(string? root, string absolutePath)
    {
        if (string.IsNullOrEmpty(root) || root == "/") return absolutePath;
        return Path.Join(Path.GetFullPath(root), absolutePath.TrimStart('/'));
    }
}
