using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Kai.Native.Platform;

namespace Kai.Native.Sandbox;

internal sealed partial class SandboxProbes
{
    private SandboxProbeResult WriteDeniedFile()
    {
        const string id = "write-denied-file", what = "Write a write-denied file";
        string? canary = null;
        try
        {
            var protectedFiles = Mounts(SandboxMountKind.WriteProtected).Where(m => File.Exists(m.Path)).Take(4).ToList();
            if (protectedFiles.Count == 0)
            {
                // Make one: the first write-deny file rule inside a writable place whose directory exists, the session
                // home's before the workspace's (the home is Kai's, the workspace the user's).
                var home = _policy.Context?.Home is { } h ? SandboxPaths.Resolve(h) : null;
                foreach (var entry in _policy.WriteDeny.Where(e => !SandboxGlob.IsGlob(e))
                             .OrderBy(e => home is not null && SandboxPaths.IsSameOrUnder(SandboxPaths.Resolve(e), home) ? 0 : 1))
                {
                    var path = SandboxPaths.Resolve(entry);
                    var directory = SandboxPaths.Parent(path);
                    if (File.Exists(path) || Directory.Exists(path) || directory is null || !Directory.Exists(directory)) continue;
                    if (_plan.Covering(path)?.Kind != SandboxMountKind.Writable || !HostCanWrite(directory)) continue;
                    File.WriteAllText(path, "# kai preflight canary " + _nonce + "\n");
                    canary = path;
                    _plan = SandboxMountPlan.Build(_policy);
                    protectedFiles = Mounts(SandboxMountKind.WriteProtected).Where(m => m.Path == path).ToList();
                    break;
                }
            }
            if (protectedFiles.Count == 0)
                return Result(id, what, SandboxProbeOutcome.NotApplicable, "No write-denied file exists in a writable place, and none could be created as a canary.");

            var before = protectedFiles.Select(f => File.ReadAllBytes(f.Path)).ToList();
            var script = string.Join('\n', protectedFiles.Select((f, i) =>
                $"head -c 1 {Quote(f.Path)} >/dev/null 2>&1 && echo readable{i}; echo '# escaped' >> {Quote(f.Path)} 2>/dev/null; mv {Quote(f.Path)} {Quote(f.Path + ".moved")} 2>/dev/null"));
            var output = Bash(id, script);
            var changed = protectedFiles.Where((f, i) => !File.Exists(f.Path) || !File.ReadAllBytes(f.Path).AsSpan().SequenceEqual(before[i])).Select(f => f.Path).ToList();
            var unreadable = protectedFiles.Where((f, i) => !output.Contains($"readable{i}\n", StringComparison.Ordinal)).Select(f => f.Path).ToList();
            if (changed.Count > 0)
                return Result(id, what, SandboxProbeOutcome.Escaped, "Changed from inside the sandbox: " + string.Join(", ", changed), protectedFiles[0].RuleId);
            var detail = $"Appending to and renaming {string.Join(", ", protectedFiles.Select(f => f.Path))} failed";
            detail += unreadable.Count == 0 ? "; they stay readable." : $"; but {string.Join(", ", unreadable)} could not be read either (shells and git may fail).";
            return Result(id, what, SandboxProbeOutcome.Blocked, detail, protectedFiles[0].RuleId);
        }
        finally
        {
            if (canary is not null)
            {
                TryDelete(canary);
                TryDelete(canary + ".moved");
                _plan = SandboxMountPlan.Build(_policy);
            }
        }
    }
}
