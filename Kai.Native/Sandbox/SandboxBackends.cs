namespace Kai.Native.Sandbox;

/// <summary>
/// Picks the backend for a <see cref="SandboxKind"/>. Fails closed: a backend that cannot run here is a
/// <see cref="KaiException"/> (SandboxUnavailable) naming the cause and the fix, never a silent fallback to no
/// sandbox. <see cref="SandboxKind.None"/> is only ever the result of choosing it: the kind itself, or
/// KAI_SANDBOX=off with <see cref="SandboxKind.Auto"/>.
/// </summary>
public static class SandboxBackends
{
    public const string EnvironmentVariable = "KAI_SANDBOX";
    private static readonly Lazy<BubblewrapBackend> s_bubblewrap = new(() => new BubblewrapBackend());
    private static readonly Lazy<SandboxExecBackend> s_sandboxExec = new(() => new SandboxExecBackend());

    public static ISandboxBackend Resolve(SandboxKind kind) => Resolve(kind, Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>Resolve with an explicit KAI_SANDBOX value and backends (for tests and the service's own settings).</summary>
    public static ISandboxBackend Resolve(SandboxKind kind, string? kaiSandboxSetting, BubblewrapBackend? bubblewrap = null, SandboxExecBackend? sandboxExec = null)
    {
        if (kind == SandboxKind.Auto) kind = FromSetting(kaiSandboxSetting);
        if (kind == SandboxKind.Auto)
            kind = OperatingSystem.IsLinux() ? SandboxKind.Bubblewrap
                : OperatingSystem.IsMacOS() ? SandboxKind.SandboxExec
                : throw new KaiException("SandboxUnavailable", KaiErrorKind.ResourceUnavailable,
                    "Kai sandboxes commands on Linux (bubblewrap) and macOS (sandbox-exec) only.", kind.ToString());
        switch (kind)
        {
            case SandboxKind.None:
                return NoSandboxBackend.Instance;
            case SandboxKind.Bubblewrap:
                var bwrap = bubblewrap ?? s_bubblewrap.Value;
                bwrap.EnsureAvailable();
                return bwrap;
            case SandboxKind.SandboxExec:
                var seatbelt = sandboxExec ?? s_sandboxExec.Value;
                seatbelt.EnsureAvailable();
                return seatbelt;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    /// <summary>KAI_SANDBOX: off/none → None; bubblewrap/bwrap; sandbox-exec; auto or empty → Auto; anything else is an error.</summary>
    public static SandboxKind FromSetting(string? setting) => (setting ?? "").Trim().ToLowerInvariant() switch
    {
        "" or "auto" => SandboxKind.Auto,
        "off" or "none" or "0" or "false" or "no" => SandboxKind.None,
        "bubblewrap" or "bwrap" => SandboxKind.Bubblewrap,
        "sandbox-exec" or "sandboxexec" or "seatbelt" => SandboxKind.SandboxExec,
        _ => throw new KaiException("SandboxSettingInvalid", KaiErrorKind.InvalidArgument,
            $"{EnvironmentVariable}='{setting}' is not a sandbox setting (use auto, bubblewrap, sandbox-exec or off).", EnvironmentVariable),
    };

    internal static KaiException Unavailable(SandboxAvailability availability, SandboxKind kind) =>
        new("SandboxUnavailable", KaiErrorKind.ResourceUnavailable,
            $"The {availability.Backend} sandbox is unavailable: {availability.Problem} Fix: {availability.Fix}", kind.ToString())
        { RecommendedAction = availability.Fix };
}
