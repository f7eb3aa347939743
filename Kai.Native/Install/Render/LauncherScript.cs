namespace Kai.Native.Install;

/// <summary>
/// run.sh (macOS): the process launchd tracks. It starts `kai serve`, forwards SIGTERM/SIGINT/SIGHUP to it so
/// shutdown stays graceful, and exits with its status, so whatever the runtime does with its own process
/// tree launchd keeps a stable PID to watch (the seed's reason: interpreters that re-exec change the PID).
/// </summary>
public static class LauncherScript
{
    public static string Render(ServiceSettings s) =>
        $$"""
        #!/bin/sh
        # Kai launcher for launchd, written by Kai's installer. Regenerated on every apply.
        # launchd tracks this process; it forwards termination signals to the service and exits with its status.
        set -u
        # The trap is set before the service starts, so a signal in between is remembered and forwarded.
        child=
        stopping=
        trap 'stopping=1; [ -n "$child" ] && kill -TERM "$child" 2>/dev/null' TERM INT HUP
        {{ShellQuote(s.Executable)}} serve &
        child=$!
        [ -n "$stopping" ] && kill -TERM "$child" 2>/dev/null
        # `wait` returns early when a trapped signal arrives: wait again until the service is really gone.
        wait "$child"
        status=$?
        while kill -0 "$child" 2>/dev/null; do
          wait "$child"
          status=$?
        done
        exit "$status"

        """.Replace("\r\n", "\n", StringComparison.Ordinal);

    /// <summary>POSIX single-quoting.</summary>
    public static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
