using Kai.Native.Platform;

namespace Kai.Native.Install;

/// <summary>Whether the platform's sandbox backend exists and runs (bubblewrap on Linux, sandbox-exec on macOS).</summary>
public sealed record SandboxBackendStatus(string Backend, bool Available, string? Path, string Detail)
{
    public override string ToString() => Available ? $"{Backend} {Path} ({Detail})" : $"{Backend} unavailable: {Detail}";
}

/// <summary>A quick probe for status reports; the sandbox area owns the real backend and its preflight.</summary>
public static class SandboxProbe
{
    public static SandboxBackendStatus Probe(ServicePlatform platform)
    {
        if (platform == ServicePlatform.Darwin)
        {
            const string sandboxExec = "/usr/bin/sandbox-exec";
            if (!File.Exists(sandboxExec)) return new SandboxBackendStatus("sandbox-exec", false, null, "/usr/bin/sandbox-exec is missing");
            return Run("sandbox-exec", sandboxExec, ["-p", "(version 1)(allow default)", "/usr/bin/true"]);
        }
        var bwrap = ProcessRunner.FindProgram("/usr/bin/bwrap", "/usr/local/bin/bwrap", "bwrap");
        if (bwrap is null) return new SandboxBackendStatus("bubblewrap", false, null, "bwrap not found (apt-get install bubblewrap)");
        return Run("bubblewrap", bwrap, ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-all", "--die-with-parent", "true"]);
    }

    private static SandboxBackendStatus Run(string backend, string path, string[] arguments)
    {
        try
        {
            var output = ProcessRunner.Run(path, arguments, TimeSpan.FromSeconds(15));
            return output.Succeeded
                ? new SandboxBackendStatus(backend, true, path, "works")
                : new SandboxBackendStatus(backend, false, path, $"exists but cannot start a sandbox: {output.Diagnostic}");
        }
        catch (KaiException ex)
        {
            return new SandboxBackendStatus(backend, false, path, ex.Message);
        }
    }
}
