using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Kai.Native.Sessions;

/// <summary>
/// The wire protocol between the engine and a persistent bash. Each command goes out as ONE line:
/// <code>[__kai_c 'DIR' &amp;&amp;] for __kai_x in '';do [K='v' …] eval 'COMMAND' [&lt;'STDIN'];done;__kai_e NONCE</code>
/// The command is a single single-quoted word, so nothing in it (syntax errors, unterminated quotes,
/// newlines) can make the line itself incomplete: bash always parses exactly our line, and the eval
/// reports the command's own syntax errors. <c>eval</c> runs at top level (not inside a function), so
/// <c>declare</c>, <c>local</c> and <c>return</c> behave as at a prompt. <c>__kai_e</c> then prints the end
/// sentinel <c>\x1e\x1eK:NONCE:STATUS:PWD\0</c> with a fresh random nonce that exists only in bash's
/// parsed line — never in a variable the command could read — so no output can forge it. Everything
/// is builtins (eval, printf, cd, export): no extra process per command.
/// </summary>
internal static partial class ShellFraming
{
    /// <summary>First bytes of every sentinel.</summary>
    public static ReadOnlySpan<byte> SentinelStart => "\u001e\u001eK:"u8;

    /// <summary>
    /// Defined once per shell. bash's stdin becomes /dev/null (the script itself is read from fd 255),
    /// so commands get empty input unless a redirection supplies some. <c>__kai_E</c> also dumps
    /// <c>export -p</c> after the sentinel so exports can be restored into a replacement shell.
    /// </summary>
    public const string Prelude =
        "exec </dev/null\n" +
        // Ctrl+C: SIGINT reaches the command's processes and the shell, whose trap leaves every loop —
        // including the one-pass loop around each command — so the rest of the command line is skipped
        // (as at a terminal) while the shell itself lives on.
        "trap '__kai_x=130; break 100000 2>/dev/null' INT\n" +
        "__kai_c(){ __kai_cs=$PWD; __kai_co=${OLDPWD-}; builtin cd -- \"$1\"; }\n" +
        "__kai_b(){ case ${__kai_x-} in ?*) __kai_r=$__kai_x;; esac; __kai_x=; if [ -n \"${__kai_cs+x}\" ]; then builtin cd -- \"$__kai_cs\"; OLDPWD=$__kai_co; builtin unset __kai_cs __kai_co; fi; }\n" +
        "__kai_e(){ __kai_r=$?; __kai_b; builtin printf '\\36\\36K:%s:%d:%s\\0' \"$1\" \"$__kai_r\" \"$PWD\"; return $__kai_r; }\n" +
        "__kai_E(){ __kai_r=$?; __kai_b; builtin printf '\\36\\36K:%s:%d:%s\\0' \"$1\" \"$__kai_r\" \"$PWD\"; builtin export -p; builtin printf '\\0'; return $__kai_r; }\n";

    /// <summary>12 base64url characters = 72 random bits, new for every command.</summary>
    public static string NewNonce()
    {
        Span<byte> bytes = stackalloc byte[9];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');
    }

    /// <summary>POSIX single-quoting: the result is one shell word that means exactly <paramref name="value"/>.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>The line that runs one command, ready to write to bash's stdin.</summary>
    public static byte[] BuildCommandLine(string nonce, string command, string? workingDirectory,
        IReadOnlyDictionary<string, string>? environment, string? standardInputPath, bool captureExports)
    {
        var line = new StringBuilder(command.Length + 64);
        // A leading empty line resets bash's parser after an earlier eval hit a syntax error (bash would
        // otherwise not see the reserved word `for` that starts our line).
        line.Append('\n');
        if (workingDirectory is not null) line.Append("__kai_c ").Append(Quote(workingDirectory)).Append(" && ");
        // A one-pass loop at top level (not a function: `declare` stays global): the SIGINT trap breaks
        // out of it, and the command's own top-level break/continue end it as they would end a line.
        line.Append("for __kai_x in '';do ");
        if (environment is { Count: > 0 })
        {
            // Assignments before `eval` are exported to the command and undone afterwards, as for any
            // command prefix: per-call variables apply to that command only.
            foreach (var (name, value) in environment) line.Append(name).Append('=').Append(Quote(value)).Append(' ');
        }
        line.Append("eval ").Append(Quote(command));
        if (standardInputPath is not null) line.Append(" <").Append(Quote(standardInputPath));
        line.Append(captureExports ? ";done;__kai_E " : ";done;__kai_e ").Append(nonce).Append('\n');
        return Encoding.UTF8.GetBytes(line.ToString());
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
