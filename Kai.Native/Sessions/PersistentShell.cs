using System.Text;

namespace Kai.Native.Sessions;

/// <summary>Everything needed to start a session's processes: sandbox, policy, environment, places.</summary>
internal sealed record ShellLaunch(
    Sandbox.ISandboxBackend Backend,
    Sandbox.SandboxPolicy Policy,
    IReadOnlyDictionary<string, string> Environment,
    string BashPath,
    string StartDirectory,
    string ScriptPath);

/// <summary>
/// One long-lived `bash --noprofile --norc` (no rc files) for a session. It reads its commands as a
/// script from the pipe on its stdin — moved to fd 255 by bash, while the commands' own stdin is
/// /dev/null — framed by <see cref="ShellFraming"/>. cwd, exports, functions and options live in it;
/// the engine keeps the last cwd and exports so a replacement shell can get them back.
/// </summary>
internal sealed class PersistentShell : IDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private readonly ShellProcess _process;
    private readonly Redactor _redactor;
    private readonly TimeSpan _grace;
    private (int Stream, byte[] Data)? _leftover;

    private PersistentShell(ShellProcess process, Redactor redactor, TimeSpan grace)
    {
        _process = process;
        _redactor = redactor;
        _grace = grace;
    }

    public int LauncherPid => _process.LauncherPid;
    public string Backend => _process.Backend;
    /// <summary>No further commands may go to this shell (it ended, was reset, lost stderr, or went to the background).</summary>
    public bool Broken { get; private set; }
    /// <summary>The session defined functions or traps: from now on every command may change exports.</summary>
    public bool Dynamic { get; private set; }
    public string? WorkingDirectory { get; private set; }
    public bool IsAlive => !Broken && !_process.HasExited;

    public int ShellPid => _process.FindShellPid();

    /// <summary>How many sandboxes in a row may lose a mount before its first command before a start gives up.</summary>
    public const int MaxIntegrityAttempts = 3;

    /// <summary>Starts a shell and brings back <paramref name="exports"/> and <paramref name="directory"/>.</summary>
    public static PersistentShell Start(ShellLaunch launch, string? exports, string directory, string fallbackDirectory, Redactor redactor, TimeSpan grace)
    {
        for (var attempt = 1; ; attempt++)
        {
            var shell = StartOnce(launch, exports, directory, fallbackDirectory, redactor, grace);
            if (shell.ReplacedPath is not { } replaced) return shell;
            // The host replaced a hidden path between the sandbox's setup and the restore: build another one.
            shell.Dispose();
            if (attempt >= MaxIntegrityAttempts) throw IntegrityLost(replaced, attempt);
        }
    }

    /// <summary>Fail closed: a sandbox that cannot keep <paramref name="path"/> hidden runs nothing.</summary>
    public static KaiException IntegrityLost(string path, int attempts) =>
        new("SandboxIntegrityLost", KaiErrorKind.ResourceUnavailable,
            $"The sandbox could not keep {path} hidden: it was replaced on the host {attempts} times in a row while sandboxes were being built, so nothing was run.", path)
        { RecommendedAction = "Retry when whatever is rewriting that path on the host (a package install, useradd, an editor) has finished." };

    private static PersistentShell StartOnce(ShellLaunch launch, string? exports, string directory, string fallbackDirectory, Redactor redactor, TimeSpan grace)
    {
        var process = ShellProcess.Start(launch.Backend, launch.Policy,
            [launch.BashPath, "--noprofile", "--norc", launch.ScriptPath], launch.StartDirectory, launch.Environment);
        var shell = new PersistentShell(process, redactor, grace) { _integrity = SandboxIntegrity.For(process.Mounts) };
        try
        {
            process.TryWrite(Encoding.UTF8.GetBytes(ShellFraming.PreludeFor(shell._integrity)));
            var restore = new CommandSpec(ShellFraming.RestoreScript(exports, directory, fallbackDirectory), null, null, null,
                StartTimeout, TimeoutAction.Cancel, 4096, null, CancellationToken.None);
            var run = shell.Begin(restore, null);
            run.Advance(int.MaxValue);
            shell.Complete(run);
            if (shell.ReplacedPath is not null) return shell;
            if (run.ShellEnded || run.TimedOut || run.Status is null)
            {
                var (_, error) = run.Snapshot();
                var why = error.Text.Trim();
                throw new KaiException("ShellStartFailed", KaiErrorKind.ResourceUnavailable,
                    $"The session shell ({launch.Backend.Name} sandbox) did not start" +
                    (run.TimedOut ? $" within {StartTimeout.TotalSeconds:0} s" : $" (exit status {run.Status?.ToString() ?? "unknown"})") +
                    (why.Length > 0 ? ": " + redactor.Redact(why.Length > 2000 ? why[..2000] : why) : "."),
                    launch.Backend.Name);
            }
            return shell;
        }
        catch
        {
            shell.Dispose();
            throw;
        }
    }

    /// <summary>Sends one command; the caller advances the returned run until it is done, then calls <see cref="Complete"/>.</summary>
    public PersistentCommandRun Begin(CommandSpec spec, string? standardInputPath, bool forceExports = false)
    {
        if (Broken) throw new InvalidOperationException("This shell can take no more commands.");
        if (ShellFraming.DefinesDynamicCode(spec.Command)) Dynamic = true;
        var captureExports = forceExports || Dynamic || ShellFraming.MayChangeExports(spec.Command);
        var nonce = ShellFraming.NewNonce();
        var run = new PersistentCommandRun(_process, spec, nonce, captureExports, _redactor, _grace);
        if (_leftover is { } stray)
        {
            // Late output of an earlier background job attaches to the next command, as in a terminal.
            _leftover = null;
            run.OnData(stray.Stream, stray.Data);
        }
        var record = ShellFraming.BuildCommandRecord(nonce, spec.Command, spec.WorkingDirectory, spec.Environment, standardInputPath, captureExports);
        // A failed write means the shell is gone; the run then sees end of file and reports it.
        _process.TryWrite(record);
        return run;
    }

    public void Complete(PersistentCommandRun run)
    {
        if (run.WorkingDirectory is { Length: > 0 } directory) WorkingDirectory = directory;
        _leftover = run.Leftover;
        if (run.ShellEnded || run.ShellWasReset || run.StderrBroken || run.MovedToBackground) Broken = true;
        if (!run.ShellEnded && _integrity?.FailedPath(run.Status) is { } replaced)
        {
            // The command did not run: this sandbox no longer hides or protects `replaced`. It takes no more commands.
            ReplacedPath = replaced;
            Broken = true;
        }
    }

    /// <summary>
    /// Set when a command was refused because a mount of this sandbox is gone (the host replaced or removed
    /// the path): the command did not run, and the shell must be replaced by one in a new sandbox.
    /// </summary>
    public string? ReplacedPath { get; private set; }

    private SandboxIntegrity? _integrity;

    /// <summary>Hands the process to a background job (the command goes on; this shell takes no more commands).</summary>
    public ShellProcess GiveAway()
    {
        Broken = true;
        _given = true;
        return _process;
    }

    private bool _given;

    /// <summary>Kills the shell's whole process tree now (any thread); a running command then ends.</summary>
    public void Kill()
    {
        if (_given) return;
        Broken = true;
        _process.Kill();
    }

    public void Dispose()
    {
        Broken = true;
        if (!_given) _process.Dispose();
    }
}
