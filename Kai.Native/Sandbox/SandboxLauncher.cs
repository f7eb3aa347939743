using System.Globalization;
using System.Text;

namespace Kai.Native.Sandbox;

/// <summary>
/// The few lines of bash that run first inside the sandbox, before the real command is exec'd: close every
/// inherited file descriptor above 2, apply resource limits, and (on macOS, where the OS mechanism cannot)
/// clear the environment down to the allowed names and change directory. Costs one exec of bash.
/// </summary>
internal static class SandboxLauncher
{
    public const string Bash = "/bin/bash";
    public const string ArgumentZero = "kai-sandbox";
    /// <summary>Exit status when the launcher cannot set the sandbox up (never the command's own status by accident).</summary>
    public const int SetupFailedExitCode = 125;

    public sealed record Options
    {
        /// <summary>Where the process's own descriptors are listed (/proc/self/fd on Linux, /dev/fd on macOS).</summary>
        public required string DescriptorDirectory { get; init; }
        public long? MemoryLimitBytes { get; init; }
        public int? MaxProcesses { get; init; }
        /// <summary>When set, every variable not in this set is unset before the command runs.</summary>
        public IReadOnlyCollection<string>? KeepOnlyVariables { get; init; }
        /// <summary>When set, the launcher changes to this directory first.</summary>
        public string? WorkingDirectory { get; init; }
        /// <summary>Write <see cref="ReadyMarker"/> to stderr right before the exec (the sandbox is fully set up by then).</summary>
        public bool SignalReady { get; init; }
    }

    /// <summary>What <see cref="Options.SignalReady"/> writes: record separators and a name no tool prints by chance.</summary>
    public static readonly byte[] ReadyMarker = "\u001e\u001eKAI-SANDBOX-READY\n"u8.ToArray();

    /// <summary>bash's argv: the launcher script followed by the command's own argv.</summary>
    public static IReadOnlyList<string> Wrap(IReadOnlyList<string> argv, Options options)
    {
        var arguments = new List<string> { Bash, "--noprofile", "--norc", "-c", Script(options), ArgumentZero };
        if (options.WorkingDirectory is not null) arguments.Add(options.WorkingDirectory);
        arguments.AddRange(argv);
        return arguments;
    }

    public static string Script(Options options)
    {
        var script = new StringBuilder();
        // The glob is expanded before the loop runs, so the directory handle it used is already closed.
        script.Append("for kai_fd in ").Append(options.DescriptorDirectory).Append("/*; do kai_fd=${kai_fd##*/}; ")
            .Append("case $kai_fd in 0|1|2|*[!0-9]*) ;; *) eval \"exec $kai_fd>&-\";; esac; done; unset kai_fd; ");
        if (options.KeepOnlyVariables is { } keep)
        {
            var names = string.Join(' ', keep.Order(StringComparer.Ordinal));
            script.Append("for kai_v in $(compgen -e); do case \" ").Append(names).Append(" \" in *\" $kai_v \"*) ;; *) unset \"$kai_v\";; esac; done; unset kai_v; ");
        }
        if (options.WorkingDirectory is not null)
            script.Append("cd -- \"$1\" || exit ").Append(SetupFailedExitCode).Append("; shift; ");
        if (options.MemoryLimitBytes is { } memory)
            script.Append("ulimit -S -H -v ").Append((memory / 1024).ToString(CultureInfo.InvariantCulture))
                .Append(" || { echo 'kai-sandbox: cannot apply the memory limit' >&2; exit ").Append(SetupFailedExitCode).Append("; }; ");
        if (options.MaxProcesses is { } processes)
            script.Append("ulimit -S -H -u ").Append(processes.ToString(CultureInfo.InvariantCulture))
                .Append(" || { echo 'kai-sandbox: cannot apply the process limit' >&2; exit ").Append(SetupFailedExitCode).Append("; }; ");
        if (options.SignalReady) script.Append("builtin printf '\\36\\36KAI-SANDBOX-READY\\n' >&2; ");
        script.Append("exec \"$@\"");
        return script.ToString();
    }
}
