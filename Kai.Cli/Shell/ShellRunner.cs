using Kai.Native;
using Kai.Native.Service;
using Kai.Native.Sessions;
using Kai.Native.Sessions.Interactive;

namespace Kai.Cli.Shell;

/// <summary>Runs `kai shell`: makes sure the session exists, then one command or the interactive loop.</summary>
internal static class ShellRunner
{
    /// <summary>Exit status when Kai itself could not run the command (bad session, sandbox unavailable, …).</summary>
    public const int KaiFailed = 125;

    public static int Run(ShellOptions options)
    {
        try
        {
            return RunAsync(options).GetAwaiter().GetResult();
        }
        catch (KaiException ex)
        {
            Console.Error.WriteLine($"kai shell: {ex.Message}");
            if (ex.RecommendedAction is { } action && !ex.Message.Contains(action, StringComparison.Ordinal)) Console.Error.WriteLine(action);
            return KaiFailed;
        }
    }

    private static async Task<int> RunAsync(ShellOptions options)
    {
        // A running `kai serve` (its socket answers) hosts the session, so pwsh and other kai shells share it.
        await using var host = (ISessionHost?)await ServiceSessionHost.DetectAsync("kai shell", CancellationToken.None).ConfigureAwait(false)
            ?? new EmbeddedSessionHost(EmbeddedHostOptions.ForCurrentUser());
        using var terminal = new ConsoleTerminal();
        var reopened = await OpenSessionAsync(host, options, CancellationToken.None).ConfigureAwait(false);
        var mode = options.Fresh ? ExecMode.Fresh : ExecMode.Persistent;
        if (options.Command is null)
        {
            // Every kai process starts the shell anew: a session that already existed shows its last screen
            // to the person at the terminal (a script piping lines in gets only its commands' output).
            var showScreen = reopened && !Console.IsInputRedirected;
            var loop = new InteractiveShell(host, options.Session, terminal, new InteractiveOptions(options.Timeout, mode, ShowRestoredScreen: showScreen));
            return await loop.RunAsync(CancellationToken.None).ConfigureAwait(false);
        }

        var input = options.ForwardStandardInput ? await ReadStandardInputAsync().ConfigureAwait(false) : null;
        var request = new ExecRequest(options.Session, options.Command, mode, StandardInput: input, Timeout: options.Timeout);
        // A script gets the exit status as $?, and every new process starts a new shell: say only what went wrong.
        var result = await InteractiveShell.RunCommandAsync(host, request, terminal, ExecResultDetail.Problems, CancellationToken.None)
            .ConfigureAwait(false);
        return InteractiveShell.ExitCodeOf(result);
    }

    /// <summary>
    /// Creates the session on first use, or re-opens it (the host refuses, with SessionExists, a workspace,
    /// policy or sandbox that differs from the session's). True when the session existed already.
    /// </summary>
    private static async Task<bool> OpenSessionAsync(ISessionHost host, ShellOptions options, CancellationToken cancellationToken)
    {
        var sessions = await host.GetSessionsAsync(cancellationToken).ConfigureAwait(false);
        var existed = sessions.Any(s => s.Name == options.Session);
        var workspace = options.Workspace is null ? null : Path.GetFullPath(options.Workspace);
        var policy = options.Policy is null ? null : Path.GetFullPath(options.Policy);
        await host.StartSessionAsync(new StartSessionRequest(options.Session, workspace, policy, options.Sandbox), cancellationToken)
            .ConfigureAwait(false);
        return existed;
    }

    private static async Task<byte[]> ReadStandardInputAsync()
    {
        using var buffer = new MemoryStream();
        await using var stdin = Console.OpenStandardInput();
        await stdin.CopyToAsync(buffer).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
