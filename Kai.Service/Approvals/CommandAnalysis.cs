using System.Text.RegularExpressions;

namespace Kai.Service.Approvals;

/// <summary>
/// A static look at a shell command line, for the approval rules "uses the network" and "writes outside the
/// workspace". It reads what is written, not what will run (a script can hide anything), so it is a gate for
/// humans to notice, never the enforcement: the sandbox is.
/// </summary>
public static partial class CommandAnalysis
{
    private static readonly HashSet<string> NetworkTools = new(StringComparer.Ordinal)
    {
        "curl", "wget", "ssh", "scp", "sftp", "rsync", "nc", "ncat", "netcat", "telnet", "ftp", "lftp", "ping", "dig",
        "nslookup", "host", "apt", "apt-get", "aptitude", "pip", "pip3", "npm", "npx", "yarn", "pnpm", "gem", "cargo", "brew", "socat", "http", "aria2c",
    };

    private static readonly Dictionary<string, string[]> NetworkSubcommands = new(StringComparer.Ordinal)
    {
        ["git"] = new[] { "clone", "fetch", "pull", "push", "ls-remote", "submodule" },
        ["go"] = new[] { "get", "install", "mod" },
        ["docker"] = new[] { "pull", "push", "login", "build" },
        ["dotnet"] = new[] { "restore", "add", "tool" },
    };

    private static readonly HashSet<string> Prefixes = new(StringComparer.Ordinal) { "sudo", "env", "nohup", "time", "exec", "command", "nice", "timeout", "xargs", "builtin" };
    private static readonly HashSet<string> WritingTools = new(StringComparer.Ordinal) { "cp", "mv", "rm", "rmdir", "mkdir", "touch", "tee", "ln", "install", "chmod", "chown", "truncate", "shred" };

    [GeneratedRegex(@"[a-zA-Z][a-zA-Z0-9+.-]*://|/dev/(tcp|udp)/")]
    private static partial Regex UrlPattern();

    /// <summary>The tool (or URL) that reaches the network, or null.</summary>
    public static string? UsesNetwork(string command)
    {
        if (UrlPattern().Match(command) is { Success: true } url) return url.Value.TrimEnd('/');
        foreach (var words in SimpleCommands(command))
        {
            var tool = Path.GetFileName(words[0]);
            if (NetworkTools.Contains(tool)) return tool;
            if (NetworkSubcommands.TryGetValue(tool, out var subcommands) && words.Skip(1).FirstOrDefault(w => !w.StartsWith('-')) is { } sub && subcommands.Contains(sub))
                return tool + " " + sub;
        }
        return null;
    }

    /// <summary>The first path the command writes outside <paramref name="workspace"/>, or null.</summary>
    public static string? WriteOutside(string command, string workspace, string workingDirectory)
    {
        var root = Normalize(workspace, "/");
        foreach (var target in WriteTargets(command))
        {
            if (target is "/dev/null" or "/dev/stdout" or "/dev/stderr" || target.StartsWith("/dev/fd/", StringComparison.Ordinal) || target.StartsWith('&')) continue;
            if (target.Contains('$') || target.Contains('`')) return target; // cannot tell where it goes: ask
            var full = Normalize(target, string.IsNullOrEmpty(workingDirectory) ? root : workingDirectory);
            if (full != root && !full.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal)) return target;
        }
        return null;
    }

    internal static IEnumerable<string> WriteTargets(string command)
    {
        foreach (var words in SimpleCommands(command, keepRedirects: true))
        {
            for (var i = 0; i < words.Count; i++)
            {
                var w = words[i];
                var redirect = RedirectTarget(w);
                if (redirect is not null)
                {
                    if (redirect.Length > 0) yield return redirect;
                    else if (i + 1 < words.Count) yield return words[++i];
                }
            }
            var plain = words.Where(w => RedirectTarget(w) is null).ToList();
            if (plain.Count == 0) continue;
            var tool = Path.GetFileName(plain[0]);
            if (WritingTools.Contains(tool))
            {
                var args = plain.Skip(1).Where(a => !a.StartsWith('-')).ToList();
                if (tool is "cp" or "mv" or "ln" or "install") args = args.TakeLast(1).ToList();
                if (tool is "chmod" or "chown") args = args.Skip(1).ToList();
                foreach (var a in args) yield return a;
            }
            else if (tool == "dd")
            {
                foreach (var a in plain.Where(a => a.StartsWith("of=", StringComparison.Ordinal))) yield return a[3..];
            }
            else if (tool == "sed" && plain.Any(a => a.StartsWith("-i", StringComparison.Ordinal)))
            {
                foreach (var a in plain.Skip(1).Where(a => !a.StartsWith('-')).Skip(1)) yield return a;
            }
        }
    }

    /// <summary>For "&gt;x", "2&gt;&gt;x", "&amp;&gt;x": the target (empty when it is the next word); null when not a redirect.</summary>
    private static string? RedirectTarget(string word)
    {
        var m = Regex.Match(word, @"^(\d*|&)>>?\|?(.*)$");
        if (!m.Success) return null;
        return m.Groups[2].Value;
    }

    private static string Normalize(string path, string cwd)
    {
        if (path.StartsWith('~')) path = "/root" + path[1..]; // unknown home: treat as outside
        var full = Path.IsPathRooted(path) ? path : Path.Combine(cwd, path);
        return Path.GetFullPath(full);
    }

    /// <summary>The words of each simple command (split on ; | &amp;&amp; || &amp; newlines, subshells), quotes removed, prefixes and assignments skipped.</summary>
    internal static IEnumerable<List<string>> SimpleCommands(string command, bool keepRedirects = false)
    {
        var current = new List<string>();
        var word = new System.Text.StringBuilder();
        var inWord = false;
        void EndWord()
        {
            if (inWord) current.Add(word.ToString());
            word.Clear();
            inWord = false;
        }
        var results = new List<List<string>>();
        void EndCommand()
        {
            EndWord();
            var words = current.SkipWhile(w => Regex.IsMatch(w, "^[A-Za-z_][A-Za-z0-9_]*=")).ToList();
            while (words.Count > 0 && Prefixes.Contains(Path.GetFileName(words[0])))
            {
                words.RemoveAt(0);
                while (words.Count > 0 && (words[0].StartsWith('-') || Regex.IsMatch(words[0], "^[A-Za-z_][A-Za-z0-9_]*=") || Regex.IsMatch(words[0], @"^\d+[smhd]?$"))) words.RemoveAt(0);
            }
            if (!keepRedirects) words = words.Where(w => RedirectTarget(w) is null).ToList();
            if (words.Count > 0) results.Add(words);
            current = new List<string>();
        }
        for (var i = 0; i < command.Length; i++)
        {
            var c = command[i];
            switch (c)
            {
                case '\'':
                    {
                        var end = command.IndexOf('\'', i + 1);
                        if (end < 0) end = command.Length;
                        word.Append(command, i + 1, Math.Max(0, end - i - 1));
                        inWord = true;
                        i = end;
                        break;
                    }
                case '"':
                    {
                        var j = i + 1;
                        while (j < command.Length && command[j] != '"')
                        {
                            if (command[j] == '\\' && j + 1 < command.Length) j++;
                            word.Append(command[j++]);
                        }
                        inWord = true;
                        i = j;
                        break;
                    }
                case '\\' when i + 1 < command.Length:
                    word.Append(command[++i]);
                    inWord = true;
                    break;
                case ' ' or '\t':
                    EndWord();
                    break;
                case ';' or '\n' or '(' or ')' or '{' or '}' or '`':
                    EndCommand();
                    break;
                case '|' when !(word.Length > 0 && word[^1] == '>'):
                    EndCommand();
                    if (i + 1 < command.Length && command[i + 1] == '|') i++;
                    break;
                case '&' when i + 1 < command.Length && command[i + 1] == '&':
                    EndCommand();
                    i++;
                    break;
                case '&' when !(i + 1 < command.Length && command[i + 1] == '>') && !(word.Length > 0 && word[^1] == '>'):
                    EndCommand();
                    break;
                case '$' when i + 1 < command.Length && command[i + 1] == '(':
                    EndCommand();
                    i++;
                    break;
                case '>' or '<' when !inWord || !IsRedirectPrefix(word):
                    EndWord();
                    word.Append(c);
                    inWord = true;
                    break;
                default:
                    word.Append(c);
                    inWord = true;
                    break;
            }
        }
        EndCommand();
        return results;
    }

    private static bool IsRedirectPrefix(System.Text.StringBuilder word)
    {
        var s = word.ToString();
        return s.All(char.IsAsciiDigit) || s == "&" || s == ">";
    }
}
