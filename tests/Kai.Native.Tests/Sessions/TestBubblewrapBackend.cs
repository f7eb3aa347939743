using Kai.Native.Sandbox;

namespace Kai.Native.Tests.Sessions;

/// <summary>
/// TEST ONLY: a minimal bubblewrap wrapper (PID + user namespace, read-only root, writable allow-list)
/// so the engine's process-tree, cancel and self-heal logic is proven through a PID namespace, until the
/// real backend of the sandbox work is merged. Not a security boundary and not used outside tests.
/// </summary>
internal sealed class TestBubblewrapBackend : ISandboxBackend
{
    public static TestBubblewrapBackend Instance { get; } = new();

    public static bool IsUsable { get; } = Probe_();

    public SandboxKind Kind => SandboxKind.Bubblewrap;
    public string Name => "test-bwrap";

    public SandboxAvailability Probe() => new(IsUsable, Name, "/usr/bin/bwrap", null, IsUsable ? null : "bwrap cannot create namespaces here", null);

    public SandboxedCommand Prepare(SandboxPolicy policy, SandboxSpawn spawn)
    {
        var arguments = new List<string>
        {
            "--unshare-pid", "--unshare-user", "--die-with-parent",
            "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
        };
        foreach (var path in policy.WriteAllow.Where(Directory.Exists)) arguments.AddRange(["--bind", path, path]);
        arguments.AddRange(["--chdir", spawn.WorkingDirectory, "--clearenv"]);
        foreach (var (key, value) in spawn.Environment) arguments.AddRange(["--setenv", key, value]);
        arguments.Add("--");
        arguments.AddRange(spawn.Argv);
        return new SandboxedCommand("/usr/bin/bwrap", arguments, new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" });
    }

    private static bool Probe_()
    {
        if (!File.Exists("/usr/bin/bwrap")) return false;
        try
        {
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/usr/bin/bwrap")
            {
                ArgumentList = { "--unshare-pid", "--unshare-user", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--", "/bin/true" },
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            })!;
            process.WaitForExit(10_000);
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
