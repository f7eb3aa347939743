using Kai.Native.Install;
using Kai.Native.Platform;
using Kai.Native.Platform.Services;

namespace Kai.Native.Tests.Install;

/// <summary>A real system user (useradd -r kaitest…) for the duration of a test; deleted on dispose.</summary>
public sealed class TestUser : IDisposable
{
    public TestUser(string? home = null)
    {
        Name = "kaitest" + Guid.NewGuid().ToString("N")[..8];
        var args = new List<string> { "-r", "-s", "/usr/sbin/nologin", "-d", home ?? "/nonexistent/" + Name, "-M", Name };
        var output = ProcessRunner.Run("useradd", args);
        if (!output.Succeeded) throw new InvalidOperationException("useradd failed: " + output.Diagnostic);
        Account = UnixAccounts.FindUser(Name) ?? throw new InvalidOperationException("user not found after useradd");
    }

    public string Name { get; }
    public UnixUser Account { get; }

    public void Dispose() => ProcessRunner.Run("userdel", [Name]);
}

/// <summary>A temp directory removed on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string prefix = "kai-install-test-")
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    public string Path { get; }
    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A small Kai distribution: bin/kai (a script that prints a version), the real runtimeconfig/deps files, a module folder, and litter that must not be copied.</summary>
public static class FakePayload
{
    public static string RealBin => System.IO.Path.Combine(RepoRoot, "artifacts", "bin");

    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "Kai.sln"))) return dir.FullName;
            throw new InvalidOperationException("Kai.sln not found");
        }
    }

    public static string Create(string directory, string version = "0.1.0")
    {
        Directory.CreateDirectory(System.IO.Path.Combine(directory, "bin"));
        Directory.CreateDirectory(System.IO.Path.Combine(directory, "Kai", "Dependencies"));
        var kai = System.IO.Path.Combine(directory, "bin", "kai");
        File.WriteAllText(kai, $"#!/bin/sh\necho {version}\n");
        File.SetUnixFileMode(kai, (UnixFileMode)0b111_101_101);
        File.Copy(System.IO.Path.Combine(RealBin, "kai.runtimeconfig.json"), System.IO.Path.Combine(directory, "bin", "kai.runtimeconfig.json"));
        File.WriteAllText(System.IO.Path.Combine(directory, "bin", "kai.deps.json"), "{\"runtimeTarget\":{\"name\":\".NETCoreApp,Version=v8.0\"}}\n");
        File.WriteAllText(System.IO.Path.Combine(directory, "Kai", "Kai.psd1"), "@{ ModuleVersion = '" + version + "' }\n");
        File.WriteAllText(System.IO.Path.Combine(directory, "Kai", "Dependencies", "Kai.Native.dll"), "not really a dll");
        File.WriteAllText(System.IO.Path.Combine(directory, "VERSION"), version + "\n");
        // Litter the copy must leave out.
        Directory.CreateDirectory(System.IO.Path.Combine(directory, ".git"));
        File.WriteAllText(System.IO.Path.Combine(directory, ".git", "HEAD"), "ref: refs/heads/main\n");
        Directory.CreateDirectory(System.IO.Path.Combine(directory, "obj"));
        File.WriteAllText(System.IO.Path.Combine(directory, "obj", "x.cache"), "x");
        File.WriteAllText(System.IO.Path.Combine(directory, ".env"), "SECRET=1\n");
        File.WriteAllText(System.IO.Path.Combine(directory, "bin", "kai.pdb"), "symbols");
        Directory.CreateDirectory(System.IO.Path.Combine(directory, "Kai", "__pycache__"));
        File.WriteAllText(System.IO.Path.Combine(directory, "Kai", "__pycache__", "m.pyc"), "x");
        return directory;
    }
}

/// <summary>A service manager that remembers what it was asked and can refuse to keep the service running.</summary>
public sealed class FakeServiceManager : IServiceManager
{
    public string Name => "fake";
    public string ServiceName => "kai.service";
    public string? UnavailableReason { get; init; }
    public bool StartFails { get; init; }
    public bool Running { get; set; }
    public bool Enabled { get; set; }
    public bool StaleUnit { get; set; }
    public List<string> Calls { get; } = new();
    private int _pid = 1000;

    public ServiceStatus GetStatus() => Running
        ? new ServiceStatus(ServiceRunState.Running, Enabled, StartFails ? ++_pid : _pid, "active/running")
        : new ServiceStatus(ServiceRunState.Stopped, Enabled, null, "inactive/dead");

    public void Stop()
    {
        Calls.Add("stop");
        Running = false;
    }

    public void Start()
    {
        Calls.Add("start");
        Enabled = true;
        // A crash loop: "running" at every look, but a new process each time.
        Running = true;
    }

    public bool NeedsReload() => StaleUnit;

    public void Reload()
    {
        Calls.Add("reload");
        StaleUnit = false;
    }

    public void Disable()
    {
        Calls.Add("disable");
        Running = false;
        Enabled = false;
    }
}

public static class TestConfigs
{
    public const string BotToken = "123456:TOKEN-secret-value-xyz";
    public const string ApiSecret = "api-secret-value-abc";

    public static InstallConfig For(string serviceUser, Action<InstallConfig>? _ = null) => new()
    {
        ServiceUser = serviceUser,
        TelegramBotToken = new Kai.Native.Secret(BotToken),
        ApiSecret = new Kai.Native.Secret(ApiSecret),
        AllowedUserIds = [111, 222],
        Platform = ServicePlatform.Linux,
    };
}
