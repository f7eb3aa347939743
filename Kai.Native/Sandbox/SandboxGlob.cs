using System.Text;
using System.Text.RegularExpressions;

namespace Kai.Native.Sandbox;

/// <summary>
/// An absolute path pattern: `*` and `?` within one component (leading dots included: a deny list must not
/// miss `.env`), `[abc]` / `[!abc]` classes, and `**` for any number of components. The OS mechanism on
/// Linux knows only paths, so a glob is expanded against the file system when the sandbox starts; the walk
/// has a budget, and a pattern too broad to expand is an error, never a partial deny.
/// </summary>
public sealed class SandboxGlob
{
    /// <summary>How many directory entries one expansion may visit before it is called too broad.</summary>
    public const int DefaultBudget = 100_000;

    private readonly Regex _regex;

    private SandboxGlob(string pattern, string baseDirectory, Regex regex, string posixRegex)
    {
        Pattern = pattern;
        BaseDirectory = baseDirectory;
        _regex = regex;
        PosixRegex = posixRegex;
    }

    /// <summary>The same pattern as a POSIX extended regular expression (what macOS's SBPL `regex` filter takes).</summary>
    public string PosixRegex { get; }

    public string Pattern { get; }
    /// <summary>The literal directory the pattern starts below (where an expansion walks from).</summary>
    public string BaseDirectory { get; }

    public static bool IsGlob(string pattern) => pattern.AsSpan().IndexOfAny("*?[") >= 0;

    /// <summary>Parses an absolute pattern; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static SandboxGlob Parse(string pattern)
    {
        if (!pattern.StartsWith('/')) throw new FormatException($"the pattern '{pattern}' is not absolute");
        var segments = pattern.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var regex = new StringBuilder("^");
        var posix = new StringBuilder("^");
        var literal = new List<string>();
        var inLiteralPrefix = true;
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            if (segment is "." or "..") throw new FormatException($"the pattern '{pattern}' contains '{segment}'");
            if (segment == "**")
            {
                inLiteralPrefix = false;
                // Zero or more whole components.
                regex.Append("(?:/[^/]+)*");
                posix.Append("(/[^/]+)*");
                continue;
            }
            if (segment.Contains("**", StringComparison.Ordinal))
                throw new FormatException($"'**' must be a whole path component in '{pattern}'");
            if (inLiteralPrefix && !IsGlob(segment))
            {
                literal.Add(segment);
                regex.Append('/').Append(Regex.Escape(segment));
                posix.Append('/').Append(PosixLiteral(segment));
                continue;
            }
            inLiteralPrefix = false;
            regex.Append('/').Append(SegmentToRegex(segment, pattern));
            posix.Append('/').Append(SegmentToPosix(segment));
        }
        if (inLiteralPrefix) throw new FormatException($"'{pattern}' has no wildcard");
        regex.Append('$');
        posix.Append('$');
        var baseDirectory = "/" + string.Join('/', literal);
        return new SandboxGlob(pattern, baseDirectory, new Regex(regex.ToString(), RegexOptions.CultureInvariant), posix.ToString());
    }

    /// <summary>A literal path as a POSIX ERE: every special character inside a bracket, so no backslash escapes are needed.</summary>
    public static string PosixLiteral(string text)
    {
        var result = new StringBuilder();
        foreach (var c in text)
        {
            result.Append(c switch
            {
                '.' or '*' or '+' or '?' or '(' or ')' or '{' or '}' or '|' or '$' or '[' or '\\' => "[" + c + "]",
                ']' => "[]]",
                '^' => "\\^",
                _ => c.ToString(),
            });
        }
        return result.ToString();
    }

    private static string SegmentToPosix(string segment)
    {
        var result = new StringBuilder();
        for (var i = 0; i < segment.Length; i++)
        {
            var c = segment[i];
            switch (c)
            {
                case '*':
                    result.Append("[^/]*");
                    break;
                case '?':
                    result.Append("[^/]");
                    break;
                case '[':
                    var close = segment.IndexOf(']', i + 2);
                    var body = segment[(i + 1)..close];
                    var negate = body.StartsWith('!') || body.StartsWith('^');
                    if (negate) body = body[1..];
                    // ']' first and '^' not first are literal in a POSIX bracket; '-' last.
                    var members = body.Replace("]", "", StringComparison.Ordinal).Replace("^", "", StringComparison.Ordinal);
                    var bracket = (body.Contains(']') ? "]" : "") + members + (body.Contains('^') ? "^" : "");
                    result.Append(negate ? "[^/" : "[").Append(bracket).Append(']');
                    i = close;
                    break;
                default:
                    result.Append(PosixLiteral(c.ToString()));
                    break;
            }
        }
        return result.ToString();
    }

    private static string SegmentToRegex(string segment, string pattern)
    {
        var result = new StringBuilder();
        for (var i = 0; i < segment.Length; i++)
        {
            var c = segment[i];
            switch (c)
            {
                case '*':
                    result.Append("[^/]*");
                    break;
                case '?':
                    result.Append("[^/]");
                    break;
                case '[':
                    var close = segment.IndexOf(']', i + 2);
                    if (close < 0) throw new FormatException($"unclosed '[' in '{pattern}'");
                    var body = segment[(i + 1)..close];
                    var negate = body.StartsWith('!') || body.StartsWith('^');
                    if (negate) body = body[1..];
                    if (body.Length == 0) throw new FormatException($"empty character class in '{pattern}'");
                    result.Append(negate ? "[^/" : "[");
                    foreach (var ch in body)
                        result.Append(ch is '\\' or ']' or '[' or '^' ? "\\" + ch : ch.ToString());
                    result.Append(']');
                    i = close;
                    break;
                default:
                    result.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
        return result.ToString();
    }

    /// <summary>Whether a normalised absolute path matches the whole pattern.</summary>
    public bool IsMatch(string path) => _regex.IsMatch(path);

    /// <summary>
    /// The existing paths that match, found by walking <see cref="BaseDirectory"/>. Directory symlinks are not
    /// followed (no loops, no walking off into the rest of the system); a matching symlink is reported as is.
    /// </summary>
    /// <exception cref="GlobTooBroadException">The walk visited more than <paramref name="budget"/> entries.</exception>
    public IReadOnlyList<string> Expand(int budget = DefaultBudget) => ExpandAll(new[] { this }, budget)[this];

    /// <summary>Expands several patterns, walking each distinct base directory once.</summary>
    public static IReadOnlyDictionary<SandboxGlob, IReadOnlyList<string>> ExpandAll(IReadOnlyCollection<SandboxGlob> globs, int budget = DefaultBudget)
    {
        var result = globs.ToDictionary(g => g, _ => (IReadOnlyList<string>)new List<string>());
        foreach (var group in globs.GroupBy(g => g.BaseDirectory))
        {
            if (!Directory.Exists(group.Key)) continue;
            var members = group.ToList();
            var visited = 0;
            var pending = new Stack<string>();
            pending.Push(group.Key);
            while (pending.Count > 0)
            {
                var directory = pending.Pop();
                IEnumerable<FileSystemInfo> entries;
                try
                {
                    entries = new DirectoryInfo(directory).EnumerateFileSystemInfos("*", new EnumerationOptions
                    {
                        IgnoreInaccessible = true,
                        AttributesToSkip = 0,
                        RecurseSubdirectories = false,
                        ReturnSpecialDirectories = false,
                    });
                }
                catch (IOException)
                {
                    continue;
                }
                catch (UnauthorizedAccessException)
                {
                    continue;
                }
                foreach (var entry in entries)
                {
                    if (++visited > budget) throw new GlobTooBroadException(members.Select(m => m.Pattern).ToList(), budget);
                    var path = SandboxPaths.Join(directory, entry.Name);
                    foreach (var glob in members)
                        if (glob.IsMatch(path)) ((List<string>)result[glob]).Add(path);
                    var isDirectory = (entry.Attributes & FileAttributes.Directory) != 0 && entry.LinkTarget is null;
                    if (isDirectory && members.Any(m => m.CouldMatchBelow(path))) pending.Push(path);
                }
            }
        }
        return result;
    }

    /// <summary>Cheap pruning: a directory can hold matches only if the pattern's literal/wildcard prefix allows it.</summary>
    private bool CouldMatchBelow(string directory)
    {
        // With '**' anywhere the answer is almost always yes; only literal prefixes can prune.
        if (Pattern.Contains("**", StringComparison.Ordinal)) return true;
        var patternDepth = Pattern.Split('/', StringSplitOptions.RemoveEmptyEntries).Length;
        return SandboxPaths.Depth(directory) < patternDepth;
    }

    public override string ToString() => Pattern;
}

/// <summary>A glob whose expansion would visit too many entries to run before every sandbox start.</summary>
public sealed class GlobTooBroadException(IReadOnlyList<string> patterns, int budget)
    : Exception($"The pattern{(patterns.Count == 1 ? "" : "s")} {string.Join(", ", patterns.Select(p => $"'{p}'"))} would visit more than {budget:N0} entries to expand.")
{
    public IReadOnlyList<string> Patterns { get; } = patterns;
}
