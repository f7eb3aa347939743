namespace Kai.Native.Install;

/// <summary>
/// install.conf: versioned JSON, written atomically with mode 0600.
/// SCAFFOLD: the install-config work replaces this file (format, validation with file/line/field errors).
/// </summary>
public static class InstallConfigFile
{
    /// <summary>Reads and validates install.conf; a malformed file is one KaiException naming file, line and field.</summary>
    public static InstallConfig Load(string path) =>
        throw new NotImplementedException("install.conf loading is not built yet.");

    /// <summary>Validates, then writes atomically (temp file, fsync, rename) with mode 0600.</summary>
    public static void Save(InstallConfig config, string path) =>
        throw new NotImplementedException("install.conf saving is not built yet.");
}
