using System.CommandLine;
using Kai.Native.Install;

namespace Kai.Cli.Install;

/// <summary>
/// The options `kai install apply` and `kai install uninstall` share (--config, --root, [--source], --scope, --dry-run,
/// --json, --verbose) and how they run: load install.conf, build the plan, run it with the exit codes of <see cref="InstallRunCli"/>.
/// </summary>
internal sealed class InstallPlanOptions(bool withSource)
{
    private readonly Option<string> _config = InstallCli.ConfigOption();
    private readonly Option<string?> _root = InstallRunCli.RootOption();
    private readonly Option<string?>? _source = withSource ? InstallRunCli.SourceOption() : null;
    private readonly Option<InstallScope?> _scope = InstallRunCli.ScopeOption();
    private readonly Option<bool> _dryRun = InstallRunCli.DryRunOption();
    private readonly Option<bool> _json = InstallRunCli.JsonOption();
    private readonly Option<bool> _verbose = InstallRunCli.VerboseOption();

    /// <summary>
    /// The subcommand with the shared options and <paramref name="extra"/> ones; <paramref name="plan"/> builds the plan
    /// from the parse result and whether this is a dry run (a KaiException it throws is printed like any other failure).
    /// </summary>
    public Command Command(string name, string description, IEnumerable<Option> extra, Func<ParseResult, bool, InstallPlan> plan)
    {
        var command = new Command(name, description) { _config, _root };
        if (_source is not null) command.Options.Add(_source);
        foreach (var option in new Option[] { _scope, _dryRun, _json, _verbose }.Concat(extra)) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var asJson = parse.GetValue(_json);
            return InstallRunCli.Guard(asJson, name, () =>
            {
                var dryRun = parse.GetValue(_dryRun);
                return InstallRunCli.RunPlan(name, plan(parse, dryRun), dryRun, asJson, parse.GetValue(_verbose));
            });
        });
        return command;
    }

    /// <summary>install.conf and the options from the command line (--source only where the command has it).</summary>
    public (InstallConfig Config, InstallOptions Options) Load(ParseResult parse, string[]? steps = null) =>
        InstallRunCli.Load(parse.GetValue(_config)!, parse.GetValue(_root), _source is null ? null : parse.GetValue(_source), parse.GetValue(_scope), steps);
}
