namespace Kai.Native.Sandbox;

public enum SandboxRuleKind { ReadDeny, ReadAllow, WriteAllow, WriteDeny, Scratch, Network, MemoryLimit, ProcessLimit }

/// <summary>
/// One rule of a policy with its stable id, as used in explanations, in <c>ExecResult.BlockedBy</c> and by
/// <see cref="SandboxPolicy.Relax"/>: <c>network</c>, <c>read-deny:&lt;path|glob&gt;</c>, <c>read-allow:&lt;path&gt;</c>,
/// <c>write-allow:&lt;path&gt;</c>, <c>write-deny:&lt;path|glob&gt;</c>, <c>scratch:&lt;path&gt;</c>,
/// <c>limit:memory</c>, <c>limit:processes</c>.
/// </summary>
public sealed record SandboxRule(string Id, SandboxRuleKind Kind, string? Path, string Description)
{
    public bool IsGlob => Path is not null && SandboxGlob.IsGlob(Path);
    public override string ToString() => Id;
}

/// <summary>Builds and parses rule ids.</summary>
public static class SandboxRuleIds
{
    public const string Network = "network";
    public const string MemoryLimit = "limit:memory";
    public const string ProcessLimit = "limit:processes";
    public const string ReadDenyPrefix = "read-deny:";
    public const string ReadAllowPrefix = "read-allow:";
    public const string WriteAllowPrefix = "write-allow:";
    public const string WriteDenyPrefix = "write-deny:";
    public const string ScratchPrefix = "scratch:";

    public static string ReadDeny(string path) => ReadDenyPrefix + path;
    public static string ReadAllow(string path) => ReadAllowPrefix + path;
    public static string WriteAllow(string path) => WriteAllowPrefix + path;
    public static string WriteDeny(string path) => WriteDenyPrefix + path;
    public static string Scratch(string path) => ScratchPrefix + path;

    /// <summary>Splits an id into its kind and path; false for an id of no known form.</summary>
    public static bool TryParse(string id, out SandboxRuleKind kind, out string? path)
    {
        path = null;
        kind = default;
        switch (id)
        {
            case Network:
                kind = SandboxRuleKind.Network;
                return true;
            case MemoryLimit:
                kind = SandboxRuleKind.MemoryLimit;
                return true;
            case ProcessLimit:
                kind = SandboxRuleKind.ProcessLimit;
                return true;
        }
        foreach (var (prefix, k) in new[]
                 {
                     (ReadDenyPrefix, SandboxRuleKind.ReadDeny), (ReadAllowPrefix, SandboxRuleKind.ReadAllow),
                     (WriteAllowPrefix, SandboxRuleKind.WriteAllow), (WriteDenyPrefix, SandboxRuleKind.WriteDeny),
                     (ScratchPrefix, SandboxRuleKind.Scratch),
                 })
        {
            if (id.StartsWith(prefix, StringComparison.Ordinal) && id.Length > prefix.Length)
            {
                kind = k;
                path = id[prefix.Length..];
                return true;
            }
        }
        return false;
    }
}
