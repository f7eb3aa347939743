using System.IO.Enumeration;
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

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SandboxGlob> s_parsed = new(StringComparer.Ordinal);

    /// <summary>Parses an absolute pattern; throws <see cref="FormatException"/> naming what is wrong. Parsed patterns are reused.</summary>
    public static SandboxGlob Parse(string pattern)
    {
        if (s_parsed.TryGetValue(pattern, out var known)) return known;
        var parsed = ParseNew(pattern);
        if (s_parsed.Count < 4096) s_parsed.TryAdd(pattern, parsed);
        return parsed;
    }

    private static SandboxGlob ParseNew(string pattern)
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
            regex.Append('/');
            posix.Append('/');
            AppendSegment(segment, pattern, regex, posix);
        }
        if (inLiteralPrefix) throw new FormatException($"'{pattern}' has no wildcard");
        regex.Append('$');
        posix.Append('$');
        var baseDirectory = "/" + string.Join('/', literal);
        return new SandboxGlob(pattern, baseDirectory, new Regex(regex.ToString(), RegexOptions.CultureInvariant | RegexOptions.Compiled), posix.ToString());
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

    /// <summary>One wildcard path component, appended to the .NET regex and the POSIX ERE (SBPL) side by side.</summary>
    private static void AppendSegment(string segment, string pattern, StringBuilder regex, StringBuilder posix)
    {
        for (var i = 0; i < segment.Length; i++)
        {
            var c = segment[i];
            switch (c)
            {
                case '*':
                    regex.Append("[^/]*");
                    posix.Append("[^/]*");
                    break;
                case '?':
                    regex.Append("[^/]");
                    posix.Append("[^/]");
                    break;
                case '[':
                    var close = segment.IndexOf(']', i + 2);
                    if (close < 0) throw new FormatException($"unclosed '[' in '{pattern}'");
                    var body = segment[(i + 1)..close];
                    var negate = body.StartsWith('!') || body.StartsWith('^');
                    if (negate) body = body[1..];
                    if (body.Length == 0) throw new FormatException($"empty character class in '{pattern}'");
                    regex.Append(negate ? "[^/" : "[");
                    foreach (var ch in body)
                        regex.Append(ch is '\\' or ']' or '[' or '^' ? "\\" + ch : ch.ToString());
                    regex.Append(']');
                    // POSIX brackets have no escapes: ']' first and '^' not first are literal.
                    var members = body.Replace("]", "", StringComparison.Ordinal).Replace("^", "", StringComparison.Ordinal);
                    var bracket = (body.Contains(']') ? "]" : "") + members + (body.Contains('^') ? "^" : "");
                    posix.Append(negate ? "[^/" : "[").Append(bracket).Append(']');
                    i = close;
                    break;
                default:
                    regex.Append(Regex.Escape(c.ToString()));
                    posix.Append(PosixLiteral(c.ToString()));
                    break;
            }
        }
    }

    /// <summary>Whether a normalised absolute path matches the whole pattern.</summary>
    public bool IsMatch(string path) => _regex.IsMatch(path);

    /// <summary>
    /// The existing paths that match, found by walking <see cref="BaseDirectory"/>. Directory symlinks are not
    /// followed (no loops, no walking off into the rest of the system); a matching symlink is reported as is.
    /// </summary>
    /// <exception cref="GlobTooBroadException">The walk visited more than <paramref name="budget"/> entries.</exception>
    public IReadOnlyList<string> Expand(int budget = DefaultBudget) => ExpandAll(new[] { this }, budget)[this];

    public override bool Equals(object? obj) => obj is SandboxGlob other && other.Pattern == Pattern;
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Pattern);

    /// <summary>
    /// Expands several patterns, walking each distinct base directory once. A walk is remembered with the
    /// modification time of every directory it entered, and reused only while none of them changed (any entry
    /// created, removed or renamed changes its directory's time), so a repeated expansion costs a stat per
    /// directory instead of a read of every entry. Walks that saw a directory modified in the last seconds are not
    /// remembered: file system timestamps are coarse, and a change in the same tick would go unseen.
    /// </summary>
    public static IReadOnlyDictionary<SandboxGlob, IReadOnlyList<string>> ExpandAll(IReadOnlyCollection<SandboxGlob> globs, int budget = DefaultBudget)
    {
        var result = new Dictionary<SandboxGlob, IReadOnlyList<string>>();
        foreach (var group in globs.GroupBy(g => g.BaseDirectory))
        {
            var members = group.Distinct().ToList();
            var key = group.Key + "\0" + string.Join("\0", members.Select(m => m.Pattern).Order(StringComparer.Ordinal)) + "\0" + budget;
            if (!s_walks.TryGetValue(key, out var walk) || !walk.IsCurrent())
            {
                walk = Walk(group.Key, members, budget);
                if (walk.Cacheable)
                {
                    if (s_walks.Count > 256) s_walks.Clear();
                    s_walks[key] = walk;
                }
                else
                {
                    s_walks.TryRemove(key, out _);
                }
            }
            foreach (var glob in members) result[glob] = walk.Matches[glob.Pattern];
        }
        return result;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, WalkResult> s_walks = new(StringComparer.Ordinal);

    private sealed record WalkResult(IReadOnlyDictionary<string, IReadOnlyList<string>> Matches, IReadOnlyList<(string Directory, DateTime Modified)> Directories, bool Cacheable)
    {
        public bool IsCurrent()
        {
            foreach (var (directory, modified) in Directories)
            {
                try
                {
                    if (!Directory.Exists(directory) || Directory.GetLastWriteTimeUtc(directory) != modified) return false;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    return false;
                }
            }
            return true;
        }
    }

    private static WalkResult Walk(string baseDirectory, List<SandboxGlob> members, int budget)
    {
        var matches = members.ToDictionary(m => m.Pattern, _ => new List<string>(), StringComparer.Ordinal);
        var directories = new List<(string, DateTime)>();
        var recentlyChanged = DateTime.UtcNow.AddSeconds(-2);
        var cacheable = true;
        if (!Directory.Exists(baseDirectory))
        {
            // Nothing there now; a directory appearing later changes its parent, which is not watched: do not remember.
            return new WalkResult(matches.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value), directories, Cacheable: false);
        }
        void Note(string directory, DateTime modified)
        {
            directories.Add((directory, modified));
            if (modified > recentlyChanged) cacheable = false;
        }
        Note(baseDirectory, Directory.GetLastWriteTimeUtc(baseDirectory));
        var visited = 0;
        // FileSystemEntry, not FileSystemInfo: no object and no extra stat or readlink per entry.
        var walk = new FileSystemEnumerable<string>(baseDirectory,
            (ref FileSystemEntry entry) => entry.ToFullPath(),
            new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0, ReturnSpecialDirectories = false })
        {
            // Never into a directory symlink (no loops, no walking off into the rest of the system).
            ShouldRecursePredicate = (ref FileSystemEntry entry) =>
            {
                if ((entry.Attributes & FileAttributes.ReparsePoint) != 0) return false;
                var directory = entry.ToFullPath();
                if (!members.Any(m => m.CouldMatchBelow(directory))) return false;
                Note(directory, entry.LastWriteTimeUtc.UtcDateTime);
                return true;
            },
        };
        try
        {
            foreach (var path in walk)
            {
                if (++visited > budget) throw new GlobTooBroadException(members.Select(m => m.Pattern).ToList(), budget);
                foreach (var glob in members)
                    if (glob.IsMatch(path)) matches[glob.Pattern].Add(path);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The base vanished or became unreadable mid-walk: what is not there cannot be shown either.
            cacheable = false;
        }
        return new WalkResult(matches.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value), directories, cacheable);
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
