using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Kai.Native.Platform;

namespace Kai.Native.Sandbox;

internal sealed partial class SandboxProbes
{
    private SandboxProbeResult GainPrivileges()
    {
        const string id = "gain-privileges", what = "Gain privileges via a setuid binary";
        string? copy = null;
        try
        {
            var lines = new List<string>
            {
                "echo \"uid=$(id -u)\"",
                "grep -E '^(NoNewPrivs|CapEff):' /proc/self/status 2>/dev/null | tr -s '\\t ' ' '",
                "command -v sudo >/dev/null && sudo -n true 2>/dev/null && echo escaped=sudo",
                "command -v su >/dev/null && su -c true root </dev/null >/dev/null 2>&1 && echo escaped=su",
            };
            var tmp = _policy.Context?.TempDirectory;
            if (UnixAccounts.IsRoot && tmp is not null && Directory.Exists(tmp) && File.Exists("/usr/bin/id"))
            {
                copy = Path.Combine(tmp, ".kai-preflight-setuid-" + _nonce[..12]);
                File.Copy("/usr/bin/id", copy, overwrite: true);
                File.SetUnixFileMode(copy, (UnixFileMode)Convert.ToInt32("4755", 8));
                lines.Add($"echo \"setuid=$({Quote(copy)} -u 2>/dev/null)\"");
            }
            var output = Bash(id, string.Join('\n', lines));
            var uid = Lines(output, "uid=").FirstOrDefault()?.Trim();
            var setuid = Lines(output, "setuid=").FirstOrDefault()?.Trim();
            var escapes = Lines(output, "escaped=").ToList();
            if (setuid is { Length: > 0 } && (setuid != uid || setuid == "0")) escapes.Add($"a setuid-root binary ran with euid {setuid}");
            if (uid == "0" && UnixAccounts.IsRoot && OperatingSystem.IsLinux()) escapes.Add("the sandbox runs as uid 0");
            var capabilities = Lines(output, "CapEff: ").FirstOrDefault()?.Trim();
            if (capabilities is not null && capabilities.Trim('0').Length > 0) escapes.Add($"effective capabilities {capabilities}");
            var noNewPrivs = Lines(output, "NoNewPrivs: ").FirstOrDefault()?.Trim();
            if (escapes.Count > 0)
                return Result(id, what, SandboxProbeOutcome.Escaped, "Privileges gained: " + string.Join("; ", escapes));
            return Result(id, what, SandboxProbeOutcome.Blocked,
                $"uid {uid}, no capabilities{(noNewPrivs == "1" ? ", no_new_privs set" : "")}; sudo/su refused{(copy is not null ? $", a setuid-root copy of id ran as uid {setuid}" : "")}.");
        }
        finally
        {
            if (copy is not null) TryDelete(copy);
        }
    }
}
