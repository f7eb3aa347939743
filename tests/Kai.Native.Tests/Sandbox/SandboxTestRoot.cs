using Kai.Native.Sandbox;

namespace Kai.Native.Tests.Sandbox;

/// <summary>
/// A throw-away world for one sandbox test: a fake host home (with credential files), a Kai data directory holding
/// a root-only kai.db, a workspace, a session home and a session tmp, all under one temp root that is removed after.
/// </summary>
public sealed class SandboxTestRoot : IDisposable
{
    public SandboxTestRoot()
    {
        // Not under /tmp: the default policy replaces /tmp with a private scratch tmpfs, which would hide
        // everything there and make the deny rules under test look effective when they are not even mounted.
        Root = Path.Combine(BaseDirectory, "kai-sbx-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        Workspace = Dir("ws");
        Home = Dir("session/home");
        Temp = Dir("session/tmp");
        Data = Dir("data");
        HostHome = Dir("hosthome");
        Secrets = Dir("etc-kai");
        Outside = Dir("outside");
        Context = new SandboxContext(Workspace, Home, Temp, Data, Secrets, HostHome);
    }

    public static string BaseDirectory { get; } =
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "kai-tests");

    public string Root { get; }
    public string Workspace { get; }
    public string Home { get; }
    public string Temp { get; }
    public string Data { get; }
    public string HostHome { get; }
    public string Secrets { get; }
    /// <summary>A host directory outside every allow-list, writable by the test process.</summary>
    public string Outside { get; }
    public SandboxContext Context { get; }

    public string Dir(string relative)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(path);
        return path;
    }

    public string File(string relative, string content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, content);
        System.IO.File.SetUnixFileMode(path, mode);
        return path;
    }

    public SandboxPolicy DefaultPolicy() => SandboxPolicies.Default(Context);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Runs bash inside the real bubblewrap sandbox.</summary>
public static class Sandboxed
{
    public static readonly Lazy<BubblewrapBackend> Backend = new(() => new BubblewrapBackend());

    public static SandboxRunResult Bash(SandboxPolicy policy, string script, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null,
        IReadOnlyDictionary<string, string>? launcherEnvironment = null, ISandboxBackend? backend = null)
    {
        var env = environment ?? SandboxEnvironment.Current();
        using var command = (backend ?? Backend.Value).Prepare(policy, new SandboxSpawn(new[] { "/bin/bash", "--noprofile", "--norc", "-c", script }, workingDirectory, env));
        return SandboxProcess.Run(command, timeout: TimeSpan.FromSeconds(60), extraEnvironment: launcherEnvironment);
    }
}
