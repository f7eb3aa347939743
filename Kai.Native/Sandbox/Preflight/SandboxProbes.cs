using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Kai.Native.Platform;

namespace Kai.Native.Sandbox;

/// <summary>
/// The directed probes. Each one sets up something on the host (a canary file, a listener, a beacon process, an
/// inheritable descriptor, fake secrets), tries to reach it from inside the real sandbox with the real policy,
/// and checks the outcome on the host side where it can (a file that appeared, content that changed).
/// </summary>
internal sealed partial class SandboxProbes
{
    private const string Done = "kai-probe-done";
    private readonly SandboxPolicy _policy;
    private readonly ISandboxBackend _backend;
    private readonly string _workingDirectory;
    private readonly string _nonce = Guid.NewGuid().ToString("N");
    private readonly TimeSpan _timeout;
    private SandboxMountPlan _plan;

    public SandboxProbes(SandboxPolicy policy, ISandboxBackend backend, TimeSpan timeout)
    {
        _policy = policy;
        _backend = backend;
        _timeout = timeout;
        _plan = SandboxMountPlan.Build(policy);
        _workingDirectory = new[] { policy.Context?.Workspace, policy.Context?.Home }
            .FirstOrDefault(d => d is not null && d.StartsWith('/') && Directory.Exists(d)) ?? "/";
    }

    /// <summary>Every probe, in the order they run. One file per probe (SandboxProbes.&lt;Name&gt;.cs); a new probe adds its line here.</summary>
    private static readonly (string Id, Func<SandboxProbes, SandboxProbeResult> Run)[] s_all =
    [
        ("read-denied-file", p => p.ReadDeniedFile()),
        ("list-denied-directory", p => p.ListDeniedDirectory()),
        ("write-outside-allow-list", p => p.WriteOutsideAllowList()),
        ("write-denied-file", p => p.WriteDeniedFile()),
        ("see-host-processes", p => p.SeeHostProcesses()),
        ("reach-network", p => p.ReachNetwork()),
        ("reach-host-socket", p => p.ReachHostSocket()),
        ("environment-secrets", p => p.EnvironmentSecrets()),
        ("gain-privileges", p => p.GainPrivileges()),
        ("inherit-descriptor", p => p.InheritDescriptor()),
        ("change-kernel-settings", p => p.ChangeKernelSettings()),
    ];

    /// <summary>
    /// Names the probe set (ids plus a revision bumped when a probe's logic changes): a cached report of another
    /// set proves nothing about this one.
    /// </summary>
    public static string ProbeSet { get; } = "r1:" + string.Join(',', s_all.Select(p => p.Id));

    public IReadOnlyList<SandboxProbeResult> RunAll() => s_all.Select(p => p.Run(this)).ToList();

    // ---- helpers -------------------------------------------------------------------------------------------

    private string Bash(string probe, string script, IReadOnlyDictionary<string, string>? spawnEnvironment = null,
        IReadOnlyDictionary<string, string>? launcherEnvironment = null)
    {
        var result = SandboxProcess.Run(_backend, _policy, new SandboxSpawn(
            new[] { "/bin/bash", "--noprofile", "--norc", "-c", script + "\necho " + Done },
            _workingDirectory,
            spawnEnvironment ?? SandboxEnvironment.Current()), timeout: _timeout, extraEnvironment: launcherEnvironment);
        if (!result.Output.Contains(Done, StringComparison.Ordinal))
            throw new KaiException("SandboxProbeFailed", KaiErrorKind.InvalidOperation,
                $"The sandbox probe '{probe}' could not run inside the sandbox (exit {result.ExitCode}{(result.TimedOut ? ", timed out" : "")}): {Trim(result.Error)}", probe);
        return result.Output;
    }

    private static string Trim(string text)
    {
        var trimmed = text.Trim();
        return trimmed.Length > 500 ? trimmed[..500] + "…" : trimmed;
    }

    internal static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static SandboxProbeResult Result(string probe, string description, SandboxProbeOutcome outcome, string detail, string? rule = null) =>
        new(probe, description, outcome, detail, rule);

    private IEnumerable<SandboxMount> Mounts(SandboxMountKind kind) => _plan.Mounts.Where(m => m.Kind == kind);

    /// <summary>The data directory as a hidden place to put a canary in, when the policy hides it and the host can write there.</summary>
    private SandboxMount? HiddenDataDirectory()
    {
        if (_policy.Context?.DataDirectory is not { } data || !HostCanWrite(data)) return null;
        var resolved = SandboxPaths.Resolve(data);
        var explanation = SandboxExplainer.Explain(_policy, resolved, _plan);
        return explanation.Access is SandboxAccess.Hidden or SandboxAccess.Private
            ? new SandboxMount(SandboxMountKind.HiddenDirectory, resolved, explanation.RuleId)
            : null;
    }

    private static bool HostCanWrite(string directory) => Directory.Exists(directory) && UnixFiles.CanWrite(directory);

    private static void TryDelete(string path)
    {
        try
        {
            if (File.Exists(path)) File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static IEnumerable<string> Lines(string output, string marker) =>
        output.Split('\n').Where(l => l.StartsWith(marker, StringComparison.Ordinal)).Select(l => l[marker.Length..]);
}
