namespace Kai.Native.Sandbox;

public enum SandboxProbeOutcome
{
    /// <summary>The sandbox stopped the attempt.</summary>
    Blocked,
    /// <summary>The attempt succeeded: the sandbox does not hold, and sessions must not start.</summary>
    Escaped,
    /// <summary>Nothing to try on this host or under this policy (for example the network probe when the policy allows network).</summary>
    NotApplicable,
}

/// <summary>One directed probe run inside the real sandbox with the real policy.</summary>
public sealed record SandboxProbeResult(string Probe, string Description, SandboxProbeOutcome Outcome, string Detail, string? RuleId)
{
    public bool Blocked => Outcome == SandboxProbeOutcome.Blocked;
    public bool Escaped => Outcome == SandboxProbeOutcome.Escaped;
}

/// <summary>All probes of one preflight, and what they were run against.</summary>
public sealed record SandboxPreflightReport(
    string Backend,
    string BinarySha256,
    string PolicyHash,
    DateTimeOffset CheckedAt,
    bool FromCache,
    IReadOnlyList<SandboxProbeResult> Results)
{
    /// <summary>No probe escaped.</summary>
    public bool IsSafe => Results.All(r => !r.Escaped);
}
