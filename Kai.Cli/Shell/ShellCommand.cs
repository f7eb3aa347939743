using System.CommandLine;
using Kai.Native.Sandbox;

namespace Kai.Cli.Shell;

/// <summary>
/// `kai shell [SESSION]`: a sandboxed session outside pwsh. With --command, runs one command and exits with
/// its status; otherwise an interactive loop like Enter-KaiSession.
/// </summary>
internal static class ShellCommand
{
    public const string DefaultSession = "default";

    public static Command Create()
    {
        var session = new Argument<string>("session")
        {
            Description = $"The session (created on first use; default: {DefaultSession}). Its shell state carries over between commands and kai processes.",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => DefaultSession,
        };
        var workspace = new Option<string?>("--workspace", "-w")
        {
            Description = "Directory the session works in (writable inside the sandbox). Used when the session is created.",
            HelpName = "DIR",
        };
        var policy = new Option<string?>("--policy")
        {
            Description = "Sandbox policy file (YAML or JSON). Used when the session is created.",
            HelpName = "FILE",
        };
        var sandbox = new Option<string?>("--sandbox")
        {
            Description = "Sandbox backend: auto (default), bubblewrap, sandbox-exec, or none (must be chosen explicitly).",
            HelpName = "auto|bubblewrap|sandbox-exec|none",
        };
        sandbox.AcceptOnlyFromAmong(SandboxNames.Keys.ToArray());
        var command = new Option<string?>("--command", "-c")
        {
            Description = "Run this one command, print its output, exit with its status (124 timed out, 130 cancelled, 125 Kai failed).",
            HelpName = "CMD",
        };
        var fresh = new Option<bool>("--fresh")
        {
            Description = "Run in a brand-new short-lived sandboxed shell; the session's state is neither used nor changed.",
        };
        var timeout = new Option<int?>("--timeout", "-t")
        {
            Description = "Seconds a command may run before it is cancelled (default 30).",
            HelpName = "SEC",
        };
        var stdin = new Option<bool>("--stdin")
        {
            Description = "Pass this process's standard input to the --command (otherwise the command's stdin is empty).",
        };

        var shell = new Command("shell", "Run commands in a persistent, sandboxed shell session (interactive without --command).")
        {
            session, workspace, policy, sandbox, command, fresh, timeout, stdin,
        };
        shell.Validators.Add(result =>
        {
            if (result.GetValue(timeout) is <= 0) result.AddError("--timeout must be a positive number of seconds.");
            if (result.GetValue(stdin) && result.GetValue(command) is null) result.AddError("--stdin needs --command.");
        });
        shell.SetAction(result => ShellRunner.Run(new ShellOptions(
            result.GetValue(session) ?? DefaultSession,
            result.GetValue(workspace),
            result.GetValue(policy),
            result.GetValue(sandbox) is { } name ? SandboxNames[name] : SandboxKind.Auto,
            result.GetValue(command),
            result.GetValue(fresh),
            result.GetValue(timeout) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            result.GetValue(stdin))));
        return shell;
    }

    private static readonly Dictionary<string, SandboxKind> SandboxNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["auto"] = SandboxKind.Auto,
        ["bubblewrap"] = SandboxKind.Bubblewrap,
        ["sandbox-exec"] = SandboxKind.SandboxExec,
        ["none"] = SandboxKind.None,
    };
}

/// <summary>What `kai shell` was asked to do.</summary>
internal sealed record ShellOptions(
    string Session,
    string? Workspace,
    string? Policy,
    SandboxKind Sandbox,
    string? Command,
    bool Fresh,
    TimeSpan? Timeout,
    bool ForwardStandardInput);
