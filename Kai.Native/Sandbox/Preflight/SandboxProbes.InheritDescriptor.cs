using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Kai.Native.Platform;

namespace Kai.Native.Sandbox;

internal sealed partial class SandboxProbes
{
    private SandboxProbeResult InheritDescriptor()
    {
        const string id = "inherit-descriptor", what = "Inherit a file descriptor above 2";
        var fd = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() ? Interop.OpenInheritable("/dev/null") : -1;
        try
        {
            // Linux: ls lists the shell's descriptors while the shell waits (a second command keeps bash from exec'ing ls
            // in its own place). macOS has no /proc: bash lists its own /dev/fd, where 3 is the glob's directory handle.
            var script = OperatingSystem.IsMacOS()
                ? "for f in /dev/fd/*; do echo \"fd=${f##*/}\"; done"
                : "ls -1 /proc/$$/fd; true";
            var output = Bash(id, script);
            var own = OperatingSystem.IsMacOS() ? 3 : 2;
            var listed = OperatingSystem.IsMacOS() ? Lines(output, "fd=") : output.Split('\n');
            var inherited = listed.Select(s => s.Trim())
                .Where(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > own).ToList();
            return inherited.Count > 0
                ? Result(id, what, SandboxProbeOutcome.Escaped, $"Descriptors {string.Join(", ", inherited)} reached the sandbox (the host held {fd} open and inheritable).")
                : Result(id, what, SandboxProbeOutcome.Blocked, $"The host held descriptor {fd} open and inheritable; the sandboxed shell had none above 2.");
        }
        finally
        {
            if (fd >= 0) Interop.Close(fd);
        }
    }
}
