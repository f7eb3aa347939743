using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Kai.Native.Platform;

namespace Kai.Native.Sandbox;

internal sealed partial class SandboxProbes
{
    private SandboxProbeResult ChangeKernelSettings()
    {
        const string id = "change-kernel-settings", what = "Change kernel settings";
        if (!OperatingSystem.IsLinux())
            return Result(id, what, SandboxProbeOutcome.NotApplicable, "Kernel settings are a Linux /proc/sys probe.");
        // Writing back the current value: harmless even if it got through.
        var output = Bash(id, "v=$(cat /proc/sys/kernel/printk_ratelimit) && (echo \"$v\" > /proc/sys/kernel/printk_ratelimit) 2>/dev/null && echo escaped=sysctl");
        return output.Contains("escaped=", StringComparison.Ordinal)
            ? Result(id, what, SandboxProbeOutcome.Escaped, "Wrote /proc/sys/kernel/printk_ratelimit from inside the sandbox.")
            : Result(id, what, SandboxProbeOutcome.Blocked, "/proc/sys is read-only inside the sandbox.");
    }
}
