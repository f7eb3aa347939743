using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Kai.Native.Platform;

namespace Kai.Native.Sandbox;

internal sealed partial class SandboxProbes
{
    private SandboxProbeResult ListDeniedDirectory()
    {
        const string id = "list-denied-directory", what = "List a denied directory";
        var directories = Mounts(SandboxMountKind.HiddenDirectory)
            .OrderBy(m => _policy.Context?.DataDirectory is { } data && SandboxPaths.IsSameOrUnder(m.Path, SandboxPaths.Resolve(data)) ? 0 : 1)
            .Where(m => Directory.EnumerateFileSystemEntries(m.Path).Any() || HostCanWrite(m.Path))
            .Take(6).ToList();
        if (directories.Count == 0)
            return Result(id, what, SandboxProbeOutcome.NotApplicable, "No denied directory exists on this host.");
        var canaries = new List<string>();
        try
        {
            foreach (var directory in directories.Where(d => !Directory.EnumerateFileSystemEntries(d.Path).Any()))
            {
                var canary = Path.Combine(directory.Path, ".kai-preflight-" + _nonce);
                File.WriteAllText(canary, "");
                canaries.Add(canary);
            }
            var script = string.Join('\n', directories.Select((d, i) => $"ls -A {Quote(d.Path)} 2>/dev/null | sed 's/^/entry{i}=/'"));
            var output = Bash(id, script);
            var leaked = new List<string>();
            for (var i = 0; i < directories.Count; i++)
            {
                // Mount points of paths allowed beneath the hidden directory are expected; anything else is the host's.
                var expected = _plan.Mounts.Where(m => SandboxPaths.IsStrictlyUnder(m.Path, directories[i].Path))
                    .Select(m => m.Path[(directories[i].Path.Length + 1)..].Split('/')[0]).ToHashSet(StringComparer.Ordinal);
                leaked.AddRange(Lines(output, $"entry{i}=").Where(e => !expected.Contains(e)).Select(e => SandboxPaths.Join(directories[i].Path, e)));
            }
            return leaked.Count > 0
                ? Result(id, what, SandboxProbeOutcome.Escaped, "Visible inside the sandbox: " + string.Join(", ", leaked.Take(10)), directories[0].RuleId)
                : Result(id, what, SandboxProbeOutcome.Blocked, $"{directories.Count} denied director{(directories.Count == 1 ? "y" : "ies")} listed empty: {string.Join(", ", directories.Select(d => d.Path))}.",
                    directories[0].RuleId);
        }
        finally
        {
            canaries.ForEach(TryDelete);
        }
    }
}
