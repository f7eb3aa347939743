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
            if (ex.RecommendedAction is { } action) Console.Error.WriteLine(action);
            return KaiFailed;
        }
    }

    private static async Task<int> RunAsync(ShellOptions options)
    {
        // A running `kai serve` (its socket answers) hosts the session, so pwsh and other kai shells share it.
        await using var host = (ISessionHost?)await ServiceSessionHost.DetectAsync("kai shell", CancellationToken.None).ConfigureAwait(false)
            ?? new EmbeddedSessionHost(EmbeddedHostOptions.ForCurrentUser());
        using var terminal = new ConsoleTerminal();
        await EnsureSessionAsync(host, options, CancellationToken.None).ConfigureAwait(false);
        var mode = options.Fresh ? ExecMode.Fresh : ExecMode.Persistent;
        if (options.Command is null)
        {
            var loop = new InteractiveShell(host, options.Session, terminal, new InteractiveOptions(options.Timeout, mode));
            return await loop.RunAsync(CancellationToken.None).ConfigureAwait(false);
        }

        var input = options.ForwardStandardInput ? await ReadStandardInputAsync().ConfigureAwait(false) : null;
        var request = new ExecRequest(options.Session, options.Command, mode, StandardInput: input, Timeout: options.Timeout);
        // A script gets the exit status as $?, and every new process starts a new shell: say only what went wrong.
        var result = await InteractiveShell.RunCommandAsync(host, request, terminal, ExecResultDetail.Problems, CancellationToken.None)
            .ConfigureAwait(false);
        return InteractiveShell.ExitCodeOf(result);
    }

    /// <summary>Creates the session on first use; an existing one is reused as it is (its workspace must match).</summary>
    private static async Task EnsureSessionAsync(ISessionHost host, ShellOptions options, CancellationToken cancellationToken)
    {
        var workspace = options.Workspace is null ? null : Path.GetFullPath(options.Workspace);
        var policy = options.Policy is null ? null : Path.GetFullPath(options.Policy);
        var sessions = await host.GetSessionsAsync(cancellationToken).ConfigureAwait(false);
        var existing = sessions.FirstOrDefault(s => s.Name == options.Session);
        if (existing is null)
        {
            await host.StartSessionAsync(new StartSessionRequest(options.Session, workspace, policy, options.Sandbox), cancellationToken)
                .ConfigureAwait(false);
            return;
        }
        if (workspace is not null && !SamePath(existing.Workspace, workspace))
        {
            throw new KaiException("SessionWorkspaceMismatch", KaiErrorKind.InvalidArgument,
                $"Session '{options.Session}' works in {existing.Workspace}, not {workspace}.", options.Session)
            {
                RecommendedAction = "Use another session name, or leave out --workspace to use the session as it is.",
            };
        }
    }

    private static bool SamePath(string a, string b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(a), Path.TrimEndingDirectorySeparator(b), StringComparison.Ordinal);

    private static async Task<byte[]> ReadStandardInputAsync()
    {
        using var buffer = new MemoryStream();
        await using var stdin = Console.OpenStandardInput();
        await stdin.CopyToAsync(buffer).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
