using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Kai.Native.Platform;

namespace Kai.Native.Sandbox;

internal sealed partial class SandboxProbes
{
    private SandboxProbeResult WriteOutsideAllowList()
    {
        const string id = "write-outside-allow-list", what = "Write outside the allow-list";
        var candidates = new[]
            {
                _policy.Context?.Workspace is { } ws ? SandboxPaths.Parent(SandboxPaths.Resolve(ws)) : null,
                _policy.Context is { } c ? SandboxPolicies.HostHome(c) : null,
                _policy.Context?.DataDirectory is { } data ? SandboxPaths.Parent(SandboxPaths.Resolve(data)) : null,
                "/etc", "/usr/local", "/var",
            }
            .Where(d => d is not null).Select(d => SandboxPaths.Resolve(d!)).Distinct(StringComparer.Ordinal)
            .Where(d => HostCanWrite(d) && (_plan.Covering(d)?.Kind is null or SandboxMountKind.ReadOnly or SandboxMountKind.WriteProtected))
            .Take(3).ToList();
        if (candidates.Count == 0)
            return Result(id, what, SandboxProbeOutcome.NotApplicable, "No host directory outside the allow-list is writable by this user, so there is nothing the sandbox could add to.");
        var targets = candidates.Select(d => Path.Combine(d, ".kai-preflight-" + _nonce)).ToList();
        try
        {
            Bash(id, string.Join('\n', targets.Select(t => $"echo escaped > {Quote(t)} 2>/dev/null")));
            var written = targets.Where(File.Exists).ToList();
            var rule = SandboxRuleIds.WriteAllow(candidates[0]);
            return written.Count > 0
                ? Result(id, what, SandboxProbeOutcome.Escaped, "Created on the host: " + string.Join(", ", written), rule)
                : Result(id, what, SandboxProbeOutcome.Blocked, $"Creating a file failed in {string.Join(", ", candidates)} (read-only outside the allow-list).", rule);
        }
        finally
        {
            targets.ForEach(TryDelete);
        }
    }
}
