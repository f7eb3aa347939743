using System.Text.RegularExpressions;

namespace Kai.Native.Sessions.Interactive;

/// <summary>What an interactive loop runs each line with.</summary>
/// <param name="ShowRestoredScreen">
/// Show the session's last screen before the first prompt: null decides by itself (when the session has no
/// live shell); `kai shell`, which has just started the shell of a session from the store, says true.
/// </param>
public sealed record InteractiveOptions(TimeSpan? Timeout = null, ExecMode Mode = ExecMode.Persistent, bool? ShowRestoredScreen = null);

/// <summary>
/// The read-run-print loop of Enter-KaiSession and `kai shell`: a prompt with the session and its working
/// directory, each line run in the session with output written as it arrives, Ctrl+C cancelling only the
/// running command, `exit` leaving (the session's shell keeps running). Entering a session that has no live
/// shell (re-opened after a restart, or stopped) first shows the tail of its durable screen transcript.
/// </summary>
public sealed partial class InteractiveShell(ISessionHost host, string session, IInteractiveTerminal terminal, InteractiveOptions? options = null)
{
    private readonly InteractiveOptions _options = options ?? new InteractiveOptions();

    [GeneratedRegex(@"^\s*(exit|logout)(\s+(?<code>-?\d+))?\s*;?\s*$")]
    private static partial Regex ExitLine();

    /// <summary>Runs until `exit` or the end of input; returns the exit code a shell would (`exit N`, else the last command's).</summary>
    /// <param name="cancellationToken">Ends the whole loop (the running command is cancelled first).</param>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var info = await FindSessionAsync(cancellationToken).ConfigureAwait(false);
        if (_options.ShowRestoredScreen ?? info.ShellProcessId is null)
            await ShowRestoredTranscriptAsync(cancellationToken).ConfigureAwait(false);

        var workingDirectory = info.WorkingDirectory;
        var lastExitCode = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var line = await terminal.ReadLineAsync(Prompt(session, workingDirectory), cancellationToken).ConfigureAwait(false);
            if (line is null) return lastExitCode;
            if (ExitLine().Match(line) is { Success: true } exit)
                return ExitStatus(exit.Groups["code"], lastExitCode);
            if (line.Trim().Length == 0) continue;

            var result = await RunLineAsync(line, cancellationToken).ConfigureAwait(false);
            if (result is null) continue;
            workingDirectory = result.WorkingDirectory.Length > 0 ? result.WorkingDirectory : workingDirectory;
            lastExitCode = ExitCodeOf(result);
        }
    }

    /// <summary>`exit N` as bash reads it (N modulo 256); plain `exit` keeps the last command's status.</summary>
    private static int ExitStatus(Group code, int lastExitCode) =>
        code.Success && long.TryParse(code.Value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? (int)(value & 0xFF)
            : lastExitCode;

    /// <summary>The prompt: session name and the shell's working directory, bash style.</summary>
    public static string Prompt(string session, string workingDirectory) =>
        $"{session}:{(workingDirectory.Length > 0 ? workingDirectory : "?")}$ ";

    private async Task<SessionInfo> FindSessionAsync(CancellationToken cancellationToken)
    {
        var sessions = await host.GetSessionsAsync(cancellationToken).ConfigureAwait(false);
        return sessions.FirstOrDefault(s => s.Name == session)
            ?? throw SessionNames.NotFound(session);
    }

    private async Task ShowRestoredTranscriptAsync(CancellationToken cancellationToken)
    {
        var transcript = await host.GetTranscriptAsync(session, cancellationToken).ConfigureAwait(false);
        if (transcript.Screen.Length == 0) return;
        terminal.WriteStatus($"--- session '{session}' restored: its last screen ---");
        terminal.Write(new OutputChunk(OutputStream.StandardOutput, transcript.Screen.EndsWith('\n') ? transcript.Screen : transcript.Screen + "\n"));
        terminal.WriteStatus("--- a new shell starts with the next command ---");
    }

    private async Task<ExecResult?> RunLineAsync(string line, CancellationToken cancellationToken)
    {
        try
        {
            var request = new ExecRequest(session, line, _options.Mode, Timeout: _options.Timeout);
            return await RunCommandAsync(host, request, terminal, ExecResultDetail.All, cancellationToken).ConfigureAwait(false);
        }
        catch (KaiException ex) when (ex.ErrorId != "SessionNotFound")
        {
            // The loop survives what one line can cause (a sandbox refusal, a bad working directory).
            terminal.WriteStatus("kai: " + ex.Message);
            return null;
        }
    }

    /// <summary>
    /// Runs one command with its output written to <paramref name="terminal"/> as it arrives, Ctrl+C armed to
    /// cancel it, and a status line when it did not simply succeed (what counts is <paramref name="detail"/>).
    /// </summary>
    public static async Task<ExecResult> RunCommandAsync(ISessionHost host, ExecRequest request, IInteractiveTerminal terminal,
        ExecResultDetail detail, CancellationToken cancellationToken)
    {
        var writer = new StreamingWriter(terminal);
        using var command = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ExecResult result;
        using (terminal.InterruptCancels(command))
            result = await host.ExecAsync(request, writer, command.Token).ConfigureAwait(false);
        writer.Finish(result);
        if (ExecResultText.Describe(result, detail) is { } status) terminal.WriteStatus($"[{status}]");
        if (result.Notice is { } notice) terminal.WriteStatus($"[kai: {notice}]");
        return result;
    }

    /// <summary>
    /// The exit status a shell would report: 124 timed out (like timeout(1), whatever the signal left), 130
    /// cancelled, 126 refused by the sandbox or held for approval, else the command's own.
    /// </summary>
    public static int ExitCodeOf(ExecResult result) =>
        result.TimedOut && result.BackgroundProcessId is null ? 124
        : result.Cancelled ? 130
        : result.BlockedBy is not null || result.ApprovalId is not null ? 126
        : result.ExitCode ?? (result.BackgroundProcessId is not null ? 0 : 1);

    /// <summary>Forwards chunks in order, remembers whether the output ended mid-line.</summary>
    private sealed class StreamingWriter(IInteractiveTerminal terminal) : IProgress<OutputChunk>
    {
        private readonly object _gate = new();
        private bool _wroteAny;
        private bool _endsMidLine;

        public void Report(OutputChunk value)
        {
            if (value.Text.Length == 0) return;
            lock (_gate)
            {
                terminal.Write(value);
                _wroteAny = true;
                _endsMidLine = !value.Text.EndsWith('\n');
            }
        }

        /// <summary>Ends the command's output on a fresh line; a host that does not stream gets the result's text.</summary>
        public void Finish(ExecResult result)
        {
            lock (_gate)
            {
                if (!_wroteAny)
                {
                    if (result.Output.Length > 0) Report(new OutputChunk(OutputStream.StandardOutput, result.Output));
                    if (result.Error.Length > 0) Report(new OutputChunk(OutputStream.StandardError, result.Error));
                }
                if (_endsMidLine) terminal.Write(new OutputChunk(OutputStream.StandardOutput, "\n"));
                _endsMidLine = false;
            }
        }
    }
}
