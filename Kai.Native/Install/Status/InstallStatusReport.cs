using System.Text;

namespace Kai.Native.Install;

/// <summary>One location of the installation: does it exist, who owns it, its mode, and whether that is what the seed wants.</summary>
public sealed record InstallLocation(string Name, string Path, bool Exists, string? Owner, string? Mode, string? Expected)
{
    /// <summary>Set when the location could not be looked at (a non-root check of a root-only directory).</summary>
    public string? Note { get; init; }

    /// <summary>Null when there is no expectation (or it does not exist), else whether owner:group mode matches.</summary>
    public bool? AsExpected => Exists && Expected is not null ? $"{Owner} {Mode}" == Expected : null;

    public override string ToString()
    {
        if (Note is not null) return $"{Path} (unknown: {Note})";
        if (!Exists) return $"{Path} (missing)";
        var text = $"{Path} (exists, {Owner} {Mode})";
        return AsExpected == false ? text + $" expected {Expected}" : text;
    }
}

/// <summary>The service as the service manager sees it.</summary>
public sealed record InstallServiceState(string Manager, string Name, string State, bool Enabled, string Detail)
{
    public override string ToString() => State == "unknown" ? $"{Name} (unknown: {Detail})" : $"{Name} ({State}{(Enabled ? ", enabled" : "")})";
}

/// <summary>Where the claude binary is, according to each place that names it, and whether they agree.</summary>
public sealed record ClaudeBinaryStatus(string Detected, bool Found, string? InServiceDefinition, string? InEnvFile, string? InSudoers)
{
    public bool Mismatch =>
        new[] { InServiceDefinition, InEnvFile, InSudoers }.Where(p => p is not null).Distinct(StringComparer.Ordinal).Count() > 1
        || (InServiceDefinition is not null && InServiceDefinition != Detected);

    public override string ToString()
    {
        var configured = InServiceDefinition ?? InEnvFile ?? InSudoers ?? Detected;
        var text = $"{configured} ({(File.Exists(configured) ? "found" : "not found")})";
        if (!Mismatch) return text;
        var parts = new List<string>();
        if (InServiceDefinition is not null) parts.Add($"service definition {InServiceDefinition}");
        if (InEnvFile is not null) parts.Add($"env {InEnvFile}");
        if (InSudoers is not null) parts.Add($"sudoers {InSudoers}");
        parts.Add($"detected now {Detected}");
        return text + " MISMATCH: " + string.Join(", ", parts) + " (re-run the installer)";
    }
}

/// <summary>What Get-KaiStatus / `kai install status` report (no root needed; what root alone may read is marked so).</summary>
public sealed class InstallStatusReport
{
    public required InstallLocation Installation { get; init; }
    public required InstallLocation Data { get; init; }
    public required InstallLocation Home { get; init; }
    public required InstallLocation SecretsDirectory { get; init; }
    /// <summary>env, services.yaml, users.yaml, workspaces.yaml, totp.secret, totp.attempts.</summary>
    public required IReadOnlyList<InstallLocation> Secrets { get; init; }
    public InstallLocation? Sudoers { get; init; }
    public required InstallLocation ServiceDefinition { get; init; }
    public required InstallServiceState Service { get; init; }
    public string? InstalledVersion { get; init; }
    public required string KaiVersion { get; init; }
    public required SandboxBackendStatus Sandbox { get; init; }
    public required ClaudeBinaryStatus Claude { get; init; }
    public IReadOnlyList<WorkspaceAccessProblem> WorkspaceProblems { get; init; } = Array.Empty<WorkspaceAccessProblem>();
    /// <summary>Steps not in their desired state (drift); null when no install.conf was given or planning failed.</summary>
    public IReadOnlyList<InstallStepResult>? Drift { get; init; }
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();

    public bool IsInstalled => Installation.Exists && InstalledVersion is not null;
    public bool? InDesiredState => Drift is null ? null : Drift.Count == 0;

    /// <summary>The seed's status text.</summary>
    public string Render()
    {
        var b = new StringBuilder();
        b.Append("Kai Installation Status\n");
        b.Append("==============================\n");
        void Line(string label, object? value)
        {
            if (value is not null) b.Append((label + ":").PadRight(14)).Append(value).Append('\n');
        }
        Line("Installation", Installation);
        Line("Home", Home);
        Line("Data", Data);
        Line("Secrets", Secrets.FirstOrDefault(s => s.Name == "env"));
        foreach (var s in Secrets.Skip(1).Where(s => s.Exists || s.Name == "services.yaml"))
            Line(s.Name switch { "services.yaml" => "Services", "users.yaml" => "Users", "workspaces.yaml" => "Workspaces", _ => "TOTP" }, s);
        Line("Sudoers", Sudoers);
        Line(ServiceDefinition.Name, ServiceDefinition);
        Line("Service", Service);
        Line("Version", InstalledVersion is null ? $"not installed (this Kai: {KaiVersion})" : InstalledVersion == KaiVersion ? InstalledVersion : $"{InstalledVersion} (this Kai: {KaiVersion})");
        Line("Sandbox", Sandbox);
        Line("Claude", Claude);
        if (Drift is not null)
            Line("Drift", Drift.Count == 0 ? "none" : $"{Drift.Count} step(s) not in the desired state");
        foreach (var d in Drift ?? Array.Empty<InstallStepResult>())
            b.Append("  ").Append(d.Step).Append(' ').Append(d.Target).Append(": ").Append(d.Detail).Append('\n');
        foreach (var problem in WorkspaceProblems) b.Append(problem).Append('\n');
        foreach (var warning in Warnings) b.Append("WARNING: ").Append(warning).Append('\n');
        return b.ToString();
    }

    public override string ToString() => Render();
}
