using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Kai.Native.Platform;

namespace Kai.Native.Sandbox;

internal sealed partial class SandboxProbes
{
    /// <summary>A canary (0600, owned by the caller: what root's files look like from inside) in a hidden directory, plus real hidden files.</summary>
    private SandboxProbeResult ReadDeniedFile()
    {
        const string id = "read-denied-file", what = "Read a denied file";
        // Kai's own data directory first (the canary then stands for kai.db), whether a deny or a scratch hides it.
        var canaryDirectory = HiddenDataDirectory() ?? Mounts(SandboxMountKind.HiddenDirectory).FirstOrDefault(m => HostCanWrite(m.Path));
        string? canary = null;
        var content = "kai-canary-" + _nonce;
        try
        {
            if (canaryDirectory is not null)
            {
                canary = Path.Combine(canaryDirectory.Path, ".kai-preflight-" + _nonce);
                File.WriteAllText(canary, content);
                File.SetUnixFileMode(canary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            var targets = new List<(string Path, string Rule, long HostSize)>();
            if (canary is not null) targets.Add((canary, canaryDirectory!.RuleId, content.Length));
            foreach (var mount in Mounts(SandboxMountKind.HiddenFile).Take(5))
            {
                var size = new FileInfo(mount.Path).Length;
                if (size > 0) targets.Add((mount.Path, mount.RuleId, size));
            }
            if (targets.Count == 0)
                return Result(id, what, SandboxProbeOutcome.NotApplicable, "No denied file with content exists on this host, and no denied directory is writable for a canary.");

            var script = string.Join('\n', targets.Select((t, i) => $"printf 'size{i}=%s\\n' \"$(wc -c < {Quote(t.Path)} 2>/dev/null || echo 0)\"; head -c 200 {Quote(t.Path)} 2>/dev/null; echo"));
            // A hidden file the host replaces (rename over it: useradd rewriting /etc/shadow) while the probe runs is
            // visible from then on in that sandbox (its mount detaches; sessions check for this before every
            // command). That says nothing about the policy: probe again. If it keeps changing, nothing is proven.
            string output;
            List<string> leaked;
            for (var attempt = 1; ; attempt++)
            {
                var before = targets.Select(t => Interop.LStatInode(t.Path)).ToList();
                output = Bash(id, script);
                leaked = new List<string>();
                var replaced = new List<string>();
                for (var i = 0; i < targets.Count; i++)
                {
                    var seen = Lines(output, $"size{i}=").Select(s => long.TryParse(s.Trim(), out var n) ? n : 0).FirstOrDefault();
                    if (seen <= 0) continue;
                    if (Interop.LStatInode(targets[i].Path) != before[i]) replaced.Add(targets[i].Path);
                    else leaked.Add($"{targets[i].Path} ({seen} bytes visible)");
                }
                if (replaced.Count == 0 || leaked.Count > 0) break;
                if (attempt == 3)
                    throw new KaiException("SandboxProbeFailed", KaiErrorKind.InvalidOperation,
                        $"The sandbox probe '{id}' could not prove that denied files stay hidden: {string.Join(", ", replaced)} kept being replaced on the host while it ran.", id)
                    { RecommendedAction = "Run the preflight again when the host has finished rewriting those files (a package install, useradd)." };
            }
            if (output.Contains(content, StringComparison.Ordinal) && !leaked.Any(l => l.StartsWith(canary!, StringComparison.Ordinal)))
                leaked.Add($"{canary} (content visible)");
            return leaked.Count > 0
                ? Result(id, what, SandboxProbeOutcome.Escaped, "Readable inside the sandbox: " + string.Join("; ", leaked), targets[0].Rule)
                : Result(id, what, SandboxProbeOutcome.Blocked,
                    $"{targets.Count} denied file(s) read as empty, including a 0600 canary in {canaryDirectory?.Path ?? "(none)"}: {string.Join(", ", targets.Select(t => t.Path))}.",
                    targets[0].Rule);
        }
        finally
        {
            if (canary is not null) TryDelete(canary);
        }
    }
}
