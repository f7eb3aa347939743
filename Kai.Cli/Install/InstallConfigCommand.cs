using System.CommandLine;
using Kai.Native;
using Kai.Native.Install;

namespace Kai.Cli.Install;

/// <summary>
/// `kai install config`: writes install.conf (versioned JSON, 0600). Interactive Q&amp;A by default (an
/// existing file's values are the defaults); with --set / --secret-env / --secret-stdin it changes just
/// those fields without asking, for scripts. Secrets never go on the command line.
/// </summary>
internal static class InstallConfigCommand
{
    private const string Name = "config";

    public static Command Create()
    {
        var config = InstallCli.ConfigOption();
        var set = new Option<string[]>("--set", "-s")
        {
            Description = "Set a field without asking: KEY=VALUE (KEY as in install.conf, e.g. apiPort=8080, allowedUserIds=111,222). Repeatable. Not for secrets.",
            HelpName = "KEY=VALUE",
            AllowMultipleArgumentsPerToken = false,
        };
        var secretEnv = new Option<string[]>("--secret-env")
        {
            Description = "Set a secret field from an environment variable: KEY=VARIABLE (e.g. telegramBotToken=KAI_BOT_TOKEN). Repeatable.",
            HelpName = "KEY=VARIABLE",
        };
        var secretStdin = new Option<string[]>("--secret-stdin")
        {
            Description = "Read a secret field from standard input, one line per KEY, in the order given. Repeatable.",
            HelpName = "KEY",
        };
        var scope = new Option<string?>("--scope")
        {
            Description = "allUsers (system service, default) or currentUser (per-user service without root).",
            HelpName = "SCOPE",
        };
        scope.AcceptOnlyFromAmong(EnumText.Names<InstallScope>().ToArray());
        var interactive = new Option<bool>("--interactive", "-i")
        {
            Description = "Ask the remaining fields even when --set or --secret-* options are given.",
        };
        var show = new Option<bool>("--show")
        {
            Description = "Print the current configuration (secrets as set / not set) and change nothing.",
        };

        var command = new Command(Name, "Write install.conf: interactive Q&A, or --set KEY=VALUE for scripts. Run as your normal user; then: sudo kai install apply.")
        {
            config, set, secretEnv, secretStdin, scope, interactive, show,
        };
        command.SetAction(result => Run(new Request(
            Path.GetFullPath(result.GetValue(config)!),
            result.GetValue(set) ?? Array.Empty<string>(),
            result.GetValue(secretEnv) ?? Array.Empty<string>(),
            result.GetValue(secretStdin) ?? Array.Empty<string>(),
            result.GetValue(scope),
            result.GetValue(interactive),
            result.GetValue(show))));
        return command;
    }

    internal sealed record Request(string Path, string[] Sets, string[] SecretEnv, string[] SecretStdin, string? Scope, bool Interactive, bool Show)
    {
        public bool HasAssignments => Sets.Length + SecretEnv.Length + SecretStdin.Length > 0;
    }

    private static int Run(Request request)
    {
        try
        {
            if (request.Show) return Show(request.Path);
            return Write(request);
        }
        catch (KaiException ex)
        {
            return InstallCli.Fail(Name, ex);
        }
    }

    private static int Show(string path)
    {
        var config = InstallConfigFile.Load(path, new InstallConfigLoadOptions { AllowInsecure = true });
        var view = InstallConfigView.From(config, path);
        Console.WriteLine($"{path} ({view.FileMode}, {view.Owner})");
        string? section = null;
        foreach (var (heading, label, value) in InstallConfigView.Describe(config))
        {
            if (heading != section)
            {
                section = heading;
                Console.WriteLine();
                Console.WriteLine(heading);
            }
            Console.WriteLine($"  {label,-24} {value}");
        }
        if (view.PermissionWarning is { } warning) InstallCli.Warn(warning);
        return 0;
    }

    private static int Write(Request request)
    {
        var exists = File.Exists(request.Path);
        var config = StartingPoint(request, exists);
        var usersYaml = InstallConfigValidator.FindUsersYaml(request.Path) is not null;
        config = Assign(config, request, out var fixedFields);

        if (!request.HasAssignments || request.Interactive)
        {
            var terminal = !Console.IsInputRedirected;
            Console.WriteLine(exists
                ? $"Updating {request.Path}: press Enter to keep the value shown in [brackets]."
                : $"Writing {request.Path}: press Enter to accept the default shown in [brackets].");
            config = new InstallConfigQuestionnaire(new ConsoleInstallPrompter(Console.In, Console.Out, terminal))
            {
                Fixed = fixedFields,
                UsersYamlAvailable = usersYaml,
            }.Run(config);
            Console.WriteLine();
        }

        config = InstallConfigFile.Complete(config);
        var problems = InstallConfigValidator.Validate(config, usersYaml);
        if (problems.Count > 0)
            throw new ConfigValidationException(InstallConfigFile.InvalidErrorId, KaiErrorKind.InvalidArgument, $"Invalid configuration for '{request.Path}'",
                problems, request.Path)
            {
                RecommendedAction = "Fix the values with --set KEY=VALUE (or run `kai install config` interactively).",
            };
        InstallConfigFile.Save(config, request.Path);
        Console.WriteLine($"Configuration written to {request.Path}");
        var defaultPath = Path.GetFullPath(InstallConfigFile.DefaultFileName) == request.Path;
        Console.WriteLine("Review the file, then run: sudo kai install apply" + (defaultPath ? "" : $" --config {Quote(request.Path)}"));
        return 0;
    }

    /// <summary>The existing file's values (the defaults for a re-run), or the scope's defaults.</summary>
    private static InstallConfig StartingPoint(Request request, bool exists)
    {
        InstallScope? scope = request.Scope is null ? null : EnumText.TryParse<InstallScope>(request.Scope, out var s) ? s : null;
        if (!exists) return InstallConfigDefaults.For(scope ?? InstallScope.AllUsers);
        try
        {
            var existing = InstallConfigFile.Load(request.Path, new InstallConfigLoadOptions { UsersYamlAvailable = true });
            return scope is { } newScope ? InstallConfigDefaults.Rescope(existing, newScope) : existing;
        }
        catch (KaiException ex) when (ex.ErrorId is InstallConfigFile.InvalidErrorId or InstallConfigFile.InsecureErrorId)
        {
            InstallCli.Warn($"not using the existing file's values: {ex.Message}");
            return InstallConfigDefaults.For(scope ?? InstallScope.AllUsers);
        }
    }

    /// <summary>Applies --set, --secret-env and --secret-stdin; collects every bad one into one error.</summary>
    private static InstallConfig Assign(InstallConfig config, Request request, out ISet<string> fixedFields)
    {
        var problems = new List<ConfigProblem>();
        var assigned = new HashSet<string>(StringComparer.Ordinal);

        InstallConfigField? Field(string option, string key, bool secret)
        {
            var field = InstallConfigFields.Find(key.Trim());
            if (field is null)
            {
                var suggestion = InstallConfigFields.Suggest(key.Trim());
                problems.Add(new ConfigProblem($"{option} {key}", "unknown field" + (suggestion is null
                    ? $"; fields: {string.Join(", ", InstallConfigFields.All.Select(f => f.Key))}."
                    : $"; did you mean '{suggestion}'?")));
                return null;
            }
            if (field.IsSecret != secret)
            {
                problems.Add(new ConfigProblem($"{option} {field.Key}", secret
                    ? "is not a secret; use --set."
                    : "is a secret: command lines are visible to other users, so use --secret-env KEY=VARIABLE or --secret-stdin KEY."));
                return null;
            }
            return field;
        }

        void Apply(InstallConfigField field, object? value)
        {
            config = field.SetValue(config, value);
            assigned.Add(field.Key);
        }

        foreach (var assignment in request.Sets)
        {
            var (key, value) = Split(assignment);
            if (value is null)
            {
                problems.Add(new ConfigProblem($"--set {assignment}", "expected KEY=VALUE."));
                continue;
            }
            if (Field("--set", key, secret: false) is not { } field) continue;
            try
            {
                Apply(field, field.ParseText(ResolvePaths(field, value)));
            }
            catch (FormatException ex)
            {
                problems.Add(new ConfigProblem($"--set {field.Key}", ex.Message));
            }
        }
        foreach (var assignment in request.SecretEnv)
        {
            var (key, variable) = Split(assignment);
            if (variable is null || variable.Length == 0)
            {
                problems.Add(new ConfigProblem($"--secret-env {assignment}", "expected KEY=VARIABLE."));
                continue;
            }
            if (Field("--secret-env", key, secret: true) is not { } field) continue;
            var value = Environment.GetEnvironmentVariable(variable);
            if (string.IsNullOrWhiteSpace(value)) problems.Add(new ConfigProblem($"--secret-env {field.Key}", $"the environment variable {variable} is not set."));
            else Apply(field, field.ParseText(value));
        }
        foreach (var key in request.SecretStdin)
        {
            if (Field("--secret-stdin", key, secret: true) is not { } field) continue;
            var line = Console.In.ReadLine();
            if (line is null) problems.Add(new ConfigProblem($"--secret-stdin {field.Key}", "standard input ended before this secret was read."));
            else Apply(field, field.ParseText(line));
        }
        if (problems.Count > 0)
            throw new ConfigValidationException(InstallConfigFile.InvalidErrorId, KaiErrorKind.InvalidArgument, "Invalid options", problems, request.Path);
        fixedFields = assigned;
        return config;
    }

    /// <summary>Relative paths in --set resolve against the current directory, as a shell user expects.</summary>
    private static string ResolvePaths(InstallConfigField field, string value) => field.Kind switch
    {
        InstallFieldKind.Path when value.Trim() is { Length: > 0 } path && !path.StartsWith('~') => Path.GetFullPath(path),
        InstallFieldKind.PathList => string.Join(",", value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.StartsWith('~') ? p : Path.GetFullPath(p))),
        _ => value,
    };

    private static (string Key, string? Value) Split(string assignment)
    {
        var equals = assignment.IndexOf('=');
        return equals <= 0 ? (assignment, null) : (assignment[..equals], assignment[(equals + 1)..]);
    }

    private static string Quote(string path) => path.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+".Contains(c)) ? path : "'" + path.Replace("'", "'\\''") + "'";
}
