namespace Kai.Native.Sandbox;

/// <summary>
/// Where sessions get their policy. (The sandbox work completes this: the full default deny list,
/// YAML/JSON loading, validation, hashing.)
/// </summary>
public static class SandboxPolicies
{
    /// <summary>The default policy for one session: write only the workspace, the session home and tmp.</summary>
    public static SandboxPolicy Default(SandboxContext context) => new()
    {
        WriteAllow = new[] { context.Workspace, context.Home, context.TempDirectory },
        EnvironmentAllow = new[] { "PATH", "LANG", "LC_ALL", "TERM", "TZ" },
    };

    /// <summary>A policy file (YAML or JSON) rendered against <paramref name="context"/>.</summary>
    public static SandboxPolicy Load(string path, SandboxContext context) =>
        throw new KaiException("SandboxPolicyUnsupported", KaiErrorKind.InvalidOperation, "Policy files are not supported yet.", path);
}
