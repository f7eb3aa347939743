using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Kai.Native.Platform;

namespace Kai.Native.Sandbox;

internal sealed partial class SandboxProbes
{
    private SandboxProbeResult SeeHostProcesses()
    {
        const string id = "see-host-processes", what = "See or signal host processes";
        var marker = "kai-beacon-" + _nonce;
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("read -r line; :");
        start.ArgumentList.Add(marker);
        using var beacon = Process.Start(start)!;
        try
        {
            // The marker is split in the script so the probe's own command line does not contain it.
            var half = marker.Length / 2;
            var script = $"""
                a={Quote(marker[..half])}; b={Quote(marker[half..])}
                for f in /proc/[0-9]*/cmdline; do tr '\0' ' ' < "$f" 2>/dev/null | grep -q -- "$a$b" && echo "visible=$f"; done
                kill -0 {beacon.Id} 2>/dev/null && echo signalled
                echo "count=$(ls -d /proc/[0-9]* 2>/dev/null | wc -l)"
                """;
            var output = Bash(id, script);
            var visible = Lines(output, "visible=").ToList();
            var count = Lines(output, "count=").FirstOrDefault()?.Trim() ?? "?";
            if (visible.Count > 0 || output.Contains("signalled\n", StringComparison.Ordinal))
                return Result(id, what, SandboxProbeOutcome.Escaped, $"A host process (pid {beacon.Id}) is visible or can be signalled from inside the sandbox.");
            return Result(id, what, SandboxProbeOutcome.Blocked, $"A host beacon process (pid {beacon.Id}) is invisible and unreachable; the sandbox sees {count} process(es), all its own.");
        }
        finally
        {
            try
            {
                beacon.StandardInput.Close();
                if (!beacon.WaitForExit(2000)) beacon.Kill();
            }
            catch (InvalidOperationException)
            {
            }
        }
    }
}
