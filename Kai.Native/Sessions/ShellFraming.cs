using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Kai.Native.Sessions;

/// <summary>
/// The wire protocol between the engine and a persistent bash. bash reads a tiny script (<see cref="Prelude"/>)
/// whose last part is a loop: read a NUL-terminated record <c>[:+]COMMAND</c> from the pipe (fd 255,
/// close-on-exec, so no command inherits it), <c>eval</c> it at top level — not inside a function, so
/// <c>declare</c>, <c>local</c> and <c>return</c> behave as at a prompt — then read a second record, the
/// command's nonce, and print the end sentinel <c>\x1e\x1eK:NONCE:STATUS:PWD\0</c> (and, after a <c>+</c>
/// command, <c>export -p</c> and <c>\0</c>). The command travels as raw bytes up to its NUL, so nothing in
/// it (syntax errors, unterminated quotes, newlines) can desync the stream; the nonce — fresh and random
/// for every command — is read only after the command has finished, so no shell variable ever shows it
/// to the command and no output can forge the end. Builtins only (read, eval, printf, case): no extra
/// process per command.
/// </summary>
internal static partial class ShellFraming
{
    /// <summary>
    /// Sent once per shell. bash's stdin becomes /dev/null (it reads this script, and then its commands,
    /// from fd 255), so commands get empty input unless a redirection supplies some.
    /// Ctrl+C: SIGINT reaches the command's processes and the shell, whose trap — only while a command
    /// runs — continues the outermost loop: the rest of the command line is skipped (as at a terminal,
    /// loops of builtins included) and the shell itself lives on. <c>$?</c> carries over between commands.
    /// A one-pass <c>for</c> around each command turns a top-level break/continue into the end of that command.
    /// </summary>
    public static readonly string Prelude = PreludeFor(null);

    /// <summary>
    /// The prelude of a shell whose sandbox mounts <paramref name="integrity"/> checks before every command: while
    /// they are all in place the command runs; otherwise it does not, and its status names the failed check.
    /// </summary>
    public static string PreludeFor(SandboxIntegrity? integrity)
    {
        const string run =
            "for __kai_x in ''; do __kai_in=1; case ${__kai_xt-} in 1) __kai_xt=; set -x;; esac; case $__kai_r in 0) ;; *) __kai_s $__kai_r;; esac; eval \"$__kai_p\"; done";
        // The check is part of the loop, parsed once before any command runs: no command can redefine it.
        var step = integrity is null ? run + "\n" : $"if [[ {integrity.Condition} ]]; then {run}; else {integrity.FailureScript}; fi\n";
        return PreludeHead + step + "done\n";
    }

    private const string PreludeHead =
        "exec </dev/null\n" +
        "[ -e /dev/fd/255 ] || { echo 'kai: bash does not read its script on fd 255' >&2; exit 125; }\n" +
        "trap 'case ${__kai_in-} in ?*) __kai_x=130; continue 100000 2>/dev/null;; esac' INT\n" +
        "__kai_s(){ return $1; }\n" +
        "__kai_cd(){ __kai_cs=$PWD; __kai_co=${OLDPWD-}; builtin cd -- \"$1\"; }\n" +
        "__kai_back(){ builtin cd -- \"$__kai_cs\"; OLDPWD=$__kai_co; builtin unset __kai_cs __kai_co; }\n" +
        "case ${BASH_VERSINFO[0]}.${BASH_VERSINFO[1]} in [0-3].*|4.0) __kai_rn=-n;; *) __kai_rn=-N;; esac\n" +
        "__kai_f=\n" +
        // set -x traces the user's commands, not this loop: tracing pauses here and resumes right before eval.
        "while __kai_r=$? __kai_in=; case $- in *x*) set +x; __kai_xt=1;; esac; do\n" +
        "case ${__kai_cs+x} in x) __kai_back;; esac\n" +
        // The nonce is a fixed 12 ASCII characters: read -N takes it in one read(2) (bash < 4.1, e.g. macOS's
        // /bin/bash 3.2, has only -n, which reads them one by one).
        "case $__kai_f in ?*) IFS= read -r $__kai_rn 12 -u 255 __kai_h || exit; " +
        "builtin printf '\\36\\36K:%s:%d:%s\\0' \"$__kai_h\" \"${__kai_x:-$__kai_r}\" \"$PWD\"; " +
        "case $__kai_f in +) builtin export -p; builtin printf '\\0';; esac; __kai_h=;; esac\n" +
        "__kai_x=\n" +
        "IFS= read -r -d '' -u 255 __kai_p || exit\n" +
        "__kai_f=${__kai_p:0:1} __kai_p=${__kai_p:1}\n";

    /// <summary>12 base64url characters = 72 random bits, new for every command (the prelude reads exactly 12).</summary>
    public static string NewNonce()
    {
        // Cryptographic randomness, drawn in bulk: one RNG call serves a hundred commands.
        var pool = t_random;
        if (pool is null || t_used + 9 > pool.Length)
        {
            pool = t_random ??= new byte[1008];
            RandomNumberGenerator.Fill(pool);
            t_used = 0;
        }
        var nonce = Convert.ToBase64String(pool, t_used, 9).Replace('+', '-').Replace('/', '_');
        Array.Clear(pool, t_used, 9); // a used nonce does not linger in memory
        t_used += 9;
        return nonce;
    }

    [ThreadStatic] private static byte[]? t_random;
    [ThreadStatic] private static int t_used;

    /// <summary>POSIX single-quoting: the result is one shell word that means exactly <paramref name="value"/>.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>The two records that run one command (the command, then its nonce), ready to write to bash's stdin.</summary>
    public static byte[] BuildCommandRecord(string nonce, string command, string? workingDirectory,
        IReadOnlyDictionary<string, string>? environment, string? standardInputPath, bool captureExports)
    {
        var record = new StringBuilder(command.Length + 24);
        record.Append(captureExports ? '+' : ':');
        if (workingDirectory is null && environment is not { Count: > 0 } && standardInputPath is null)
        {
            record.Append(command);
        }
        else
        {
            // Per-call directory, variables and input wrap the command in one more eval: assignments before
            // `eval` are exported to it and undone afterwards, and the loop changes back to the directory.
            if (workingDirectory is not null) record.Append("__kai_cd ").Append(Quote(workingDirectory)).Append(" && ");
            if (environment is { Count: > 0 })
                foreach (var (name, value) in environment) record.Append(name).Append('=').Append(Quote(value)).Append(' ');
            record.Append("eval ").Append(Quote(command));
            if (standardInputPath is not null) record.Append(" <").Append(Quote(standardInputPath));
        }
        record.Append('\0').Append(nonce);
        return Encoding.UTF8.GetBytes(record.ToString());
    }

    public static byte[] SentinelPattern(string nonce) => Encoding.ASCII.GetBytes("\u001e\u001eK:" + nonce + ":");

    /// <summary>Rejects what bash cannot carry (NUL) and variable names that are not names.</summary>
    public static void ValidateRequest(string command, string? workingDirectory, IReadOnlyDictionary<string, string>? environment)
    {
        if (command.Contains('\0'))
            throw new KaiException("InvalidCommand", KaiErrorKind.InvalidArgument, "The command contains a NUL character, which a shell cannot run.", "Command");
        if (workingDirectory is not null && (workingDirectory.Length == 0 || workingDirectory.Contains('\0')))
            throw new KaiException("InvalidWorkingDirectory", KaiErrorKind.InvalidArgument, "The working directory is empty or contains a NUL character.", workingDirectory);
        if (environment is null) return;
        foreach (var (name, value) in environment)
        {
            if (!IsVariableName(name) || name.StartsWith("__kai", StringComparison.Ordinal))
                throw new KaiException("InvalidEnvironmentVariable", KaiErrorKind.InvalidArgument,
                    $"'{name}' is not a valid environment variable name (letters, digits and '_', not starting with a digit).", name);
            if (value is null || value.Contains('\0'))
                throw new KaiException("InvalidEnvironmentVariable", KaiErrorKind.InvalidArgument,
                    $"The value of '{name}' is null or contains a NUL character.", name);
        }
    }

    public static bool IsVariableName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>
    /// Whether a command could change the shell's exported variables, so the engine must re-read them
    /// (`export -p`) afterwards. Only the shell itself can change its exports — by an assignment, a
    /// builtin (export, declare, unset, source, eval, set -a, read…) or a shell function — never a
    /// program it runs. So a command with none of those needs no snapshot; anything doubtful gets one.
    /// </summary>
    public static bool MayChangeExports(string command) => ExportChangingCommand().IsMatch(command);

    /// <summary>Whether the command defines functions or traps: from then on every command may change exports.</summary>
    public static bool DefinesDynamicCode(string command) => DynamicCode().IsMatch(command);

    [GeneratedRegex(
        @"(?:^|[\s;&|({`])[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\])?\+?=" +
        @"|(?:^|[^A-Za-z0-9_./-])(?:export|declare|typeset|readonly|unset|source|eval|set|read|readarray|mapfile|printf|let|getopts|local|shopt|trap|alias|enable|builtin|command|exec)(?![A-Za-z0-9_.-])" +
        @"|(?:^|[\s;&|({`])\.(?=\s)" +
        @"|\\|\$'|\$\{[^}]*[=:]")]
    private static partial Regex ExportChangingCommand();

    [GeneratedRegex(@"\(\s*\)|(?:^|[\s;&|({])(?:function|trap|enable)\s")]
    private static partial Regex DynamicCode();

    /// <summary>
    /// Turns an `export -p` dump into the script that restores it in a new shell: every declaration except
    /// the ones a shell manages itself (PWD, OLDPWD, SHLVL, _) and, when <paramref name="redactor"/> is
    /// given, except any that holds a secret (those are dropped rather than stored).
    /// </summary>
    public static string FilterExports(string exportDump, Redactor? redactor, out int dropped)
    {
        dropped = 0;
        var result = new StringBuilder(exportDump.Length);
        foreach (var declaration in SplitDeclarations(exportDump))
        {
            var name = DeclaredName(declaration);
            if (name is null or "PWD" or "OLDPWD" or "SHLVL" or "_") continue;
            if (redactor is not null && redactor.ContainsSecret(declaration))
            {
                dropped++;
                continue;
            }
            result.Append(declaration);
            if (!declaration.EndsWith('\n')) result.Append('\n');
        }
        return result.ToString();
    }

    /// <summary>Splits at line starts that begin a new `declare -…` (values may span lines).</summary>
    internal static IEnumerable<string> SplitDeclarations(string dump)
    {
        var start = 0;
        for (var i = 0; i < dump.Length; i++)
        {
            if (dump[i] != '\n' || i + 1 >= dump.Length) continue;
            if (string.CompareOrdinal(dump, i + 1, "declare -", 0, 9) != 0) continue;
            yield return dump[start..(i + 1)];
            start = i + 1;
        }
        if (start < dump.Length) yield return dump[start..];
    }

    private static string? DeclaredName(string declaration)
    {
        var match = DeclarationHead().Match(declaration);
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex(@"^declare -[A-Za-z-]+ ([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex DeclarationHead();

    /// <summary>The first command of a new shell: bring back exports and the working directory.</summary>
    public static string RestoreScript(string? exports, string directory, string fallbackDirectory)
    {
        var script = new StringBuilder();
        if (!string.IsNullOrEmpty(exports)) script.Append("{\n").Append(exports).Append("} 2>/dev/null\n");
        script.Append("builtin cd -- ").Append(Quote(directory)).Append(" 2>/dev/null || builtin cd -- ").Append(Quote(fallbackDirectory)).Append('\n');
        script.Append("builtin unset OLDPWD; builtin export OLDPWD\n");
        return script.ToString();
    }
}
