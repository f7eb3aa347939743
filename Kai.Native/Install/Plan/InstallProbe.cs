using Kai.Native.Platform;
using Kai.Native.Platform.Services;

namespace Kai.Native.Install;

/// <summary>Probes the machine for <see cref="InstallFacts"/>.</summary>
public static class InstallProbe
{
    public static InstallFacts Probe(InstallConfig config, IEnumerable<SeparateUser>? separateUsers = null, string? payloadVersion = null)
    {
        var installing = UnixAccounts.FindUser(UnixAccounts.EffectiveUserId)
            ?? new UnixUser(UnixAccounts.EffectiveUserId.ToString(), UnixAccounts.EffectiveUserId, UnixAccounts.EffectiveGroupId,
                Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), "/bin/sh");
        var userScope = config.Scope == InstallScope.CurrentUser;
        var serviceUserName = userScope ? installing.Name : config.ServiceUser;
        var service = userScope ? installing : UnixAccounts.FindUser(serviceUserName);
        var (claude, found) = DetectClaude(service);
        return new InstallFacts
        {
            IsRoot = UnixAccounts.IsRoot,
            InstallingUser = installing,
            ServiceAccount = service,
            ServiceUserName = serviceUserName,
            SeparateUsers = separateUsers?.ToList() ?? new List<SeparateUser>(),
            ClaudeBinary = claude,
            ClaudeBinaryFound = found,
            DotnetRoot = DotnetRuntime.FindDotnetRoot(),
            SystemdVersion = config.Platform == ServicePlatform.Linux ? SystemdServiceManager.InstalledVersion() : null,
            CatPath = ProcessRunner.FindProgram("/usr/bin/cat", "/bin/cat") ?? "/bin/cat",
            PayloadVersion = payloadVersion ?? "0.0.0",
            SetuidSandbox = ProcessRunner.FindProgram("/usr/bin/bwrap", "bwrap") is { } bwrap && (File.GetUnixFileMode(bwrap) & UnixFileMode.SetUser) != 0,
        };
    }

    /// <summary>
    /// The claude binary: the service user's ~/.local/bin/claude, else the first on PATH, else the place it is
    /// expected (~/.local/bin/claude, reported as not found) so rules and environment are ready when it arrives.
    /// </summary>
    public static (string Path, bool Found) DetectClaude(UnixUser? serviceUser)
    {
        var expected = serviceUser is { Home.Length: > 0 } ? Path.Combine(serviceUser.Home, ".local", "bin", "claude") : null;
        if (expected is not null && ProcessRunner.IsExecutableFile(expected)) return (expected, true);
        if (ProcessRunner.FindOnPath("claude") is { } onPath) return (onPath, true);
        return (expected ?? "/usr/local/bin/claude", false);
    }

    /// <summary>CLAUDE_USER and every users.yaml os_user, once each, in configuration order.</summary>
    public static IReadOnlyList<SeparateUser> SeparateUsers(InstallConfig config, IEnumerable<KaiUserEntry> users)
    {
        var result = new List<SeparateUser>();
        void Add(string? name, string by)
        {
            if (string.IsNullOrWhiteSpace(name) || result.Any(u => u.Name == name)) return;
            result.Add(new SeparateUser(name, by, UnixAccounts.FindUser(name)));
        }
        Add(config.ClaudeUser, "CLAUDE_USER in install.conf");
        foreach (var user in users)
            Add(user.OsUser, $"os_user of user {user.TelegramUserId} in users.yaml");
        return result;
    }
}
