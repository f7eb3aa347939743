namespace Kai.Native.Sandbox;

/// <summary>Structural checks of a policy (no file system access); the backend checks enforceability when it prepares.</summary>
internal static class SandboxPolicyValidator
{
    public const long MinimumMemoryBytes = 32L * 1024 * 1024;
    public const int MinimumProcesses = 2;

    public static void Validate(SandboxPolicy policy)
    {
        CheckPaths(policy, policy.ReadDeny, SandboxRuleIds.ReadDeny, globs: true);
        CheckPaths(policy, policy.WriteDeny, SandboxRuleIds.WriteDeny, globs: true);
        CheckPaths(policy, policy.ReadAllow, SandboxRuleIds.ReadAllow, globs: false);
        CheckPaths(policy, policy.WriteAllow, SandboxRuleIds.WriteAllow, globs: false);
        CheckPaths(policy, policy.Scratch, SandboxRuleIds.Scratch, globs: false);
        foreach (var deny in policy.ReadDeny)
            if (SandboxPaths.Normalize(deny) == "/")
                throw Invalid(policy, SandboxRuleIds.ReadDeny(deny), "hiding '/' would hide the whole system; deny the directories that hold secrets instead");
        foreach (var scratch in policy.Scratch)
            if (SandboxPaths.Normalize(scratch) == "/")
                throw Invalid(policy, SandboxRuleIds.Scratch(scratch), "a scratch directory cannot be '/' (it would hide the whole system)");

        foreach (var entry in policy.EnvironmentAllow)
        {
            var problem = SandboxEnvironment.CheckAllowEntry(entry);
            if (problem is not null)
                throw new KaiException("SandboxEnvironmentForbidden", KaiErrorKind.SecurityError,
                    $"Sandbox policy {policy.Source}: environment allow-list: {problem}.", entry)
                { RecommendedAction = "Remove it from the allow-list; pass such values to a command explicitly if it really needs them." };
        }
        foreach (var (name, value) in policy.EnvironmentSet)
        {
            if (!SandboxEnvironment.IsValidName(name))
                throw Invalid(policy, "environment", $"'{name}' is not a valid variable name");
            if (SandboxEnvironment.ForbiddenReason(name) is { } reason)
                throw new KaiException("SandboxEnvironmentForbidden", KaiErrorKind.SecurityError,
                    $"Sandbox policy {policy.Source}: the variable {name} may not be set in a sandbox: {reason}.", name);
            if (value.Contains('\0')) throw Invalid(policy, "environment", $"the value of {name} contains a NUL character");
        }

        if (policy.MemoryLimitBytes is { } memory && memory < MinimumMemoryBytes)
            throw Invalid(policy, SandboxRuleIds.MemoryLimit, $"{memory:N0} bytes is below the {MinimumMemoryBytes / (1024 * 1024)} MiB a shell needs to start");
        if (policy.MaxProcesses is { } processes && processes < MinimumProcesses)
            throw Invalid(policy, SandboxRuleIds.ProcessLimit, $"{processes} is below the {MinimumProcesses} processes a shell needs to run a command");
    }

    private static void CheckPaths(SandboxPolicy policy, IReadOnlyList<string> paths, Func<string, string> id, bool globs)
    {
        foreach (var path in paths)
        {
            if (string.IsNullOrEmpty(path)) throw Invalid(policy, id(path), "an empty path");
            if (path.Contains('\0')) throw Invalid(policy, id(path), "the path contains a NUL character");
            if (!path.StartsWith('/')) throw Invalid(policy, id(path), $"'{path}' is not absolute (use an absolute path, ~, ${{workspace}}, ${{home}} or ${{tmp}})");
            if (!SandboxGlob.IsGlob(path)) continue;
            if (!globs)
                throw new KaiException("SandboxRuleUnenforceable", KaiErrorKind.InvalidData,
                    $"Sandbox policy {policy.Source}: rule {id(path)}: wildcards are only supported in read and write denies; name the directory instead.", id(path));
            try
            {
                SandboxGlob.Parse(path);
            }
            catch (FormatException ex)
            {
                throw Invalid(policy, id(path), ex.Message);
            }
        }
    }

    public static KaiException Invalid(SandboxPolicy policy, string rule, string problem) =>
        new("SandboxPolicyInvalid", KaiErrorKind.InvalidData, $"Sandbox policy {policy.Source}: rule {rule}: {problem}.", rule);
}
