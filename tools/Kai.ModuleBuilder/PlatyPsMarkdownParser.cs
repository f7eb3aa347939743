using System.Text;
using System.Text.RegularExpressions;

namespace Kai.ModuleBuilder;

/// <summary>Reads one cmdlet page in PlatyPS markdown (schema 2.0.0) into a <see cref="CommandHelp"/>.</summary>
internal static partial class PlatyPsMarkdownParser
{
    [GeneratedRegex(@"^\[(?<text>[^\]]+)\]\((?<uri>[^)]*)\)")]
    private static partial Regex LinkLine();

    private sealed record Section(string Title, int Line, List<string> Lines);

    public static CommandHelp Parse(string markdown, string file)
    {
        var lines = markdown.Replace("\r\n", "\n").Split('\n');
        var start = SkipFrontMatter(lines);
        string? name = null;
        var nameLine = 0;
        var sections = new List<Section>();
        var inFence = false;
        for (var i = start; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.StartsWith("```", StringComparison.Ordinal)) inFence = !inFence;
            if (!inFence && line.StartsWith("# ", StringComparison.Ordinal) && name is null)
            {
                name = line[2..].Trim();
                nameLine = i + 1;
                continue;
            }
            if (!inFence && line.StartsWith("## ", StringComparison.Ordinal))
            {
                sections.Add(new Section(line[3..].Trim().ToUpperInvariant(), i + 1, new List<string>()));
                continue;
            }
            sections.LastOrDefault()?.Lines.Add(line);
        }
        if (name is null) throw new HelpFormatException("no '# Cmdlet-Name' heading", file, 1);

        Section? Find(string title) => sections.FirstOrDefault(s => s.Title == title);
        var synopsis = Paragraphs(Find("SYNOPSIS")?.Lines);
        if (synopsis.Length == 0) throw new HelpFormatException($"{name} has an empty SYNOPSIS", file, Find("SYNOPSIS")?.Line ?? nameLine);
        var examples = ParseExamples(Find("EXAMPLES"));
        if (examples.Count == 0) throw new HelpFormatException($"{name} has no EXAMPLES", file, Find("EXAMPLES")?.Line ?? nameLine);

        return new CommandHelp(
            name,
            synopsis,
            Paragraphs(Find("DESCRIPTION")?.Lines),
            Subsections(Find("SYNTAX")).Select(s => StripSetSuffix(s.Title)).ToList(),
            ParseParameters(Find("PARAMETERS"), file),
            examples,
            ParseTypes(Find("INPUTS")),
            ParseTypes(Find("OUTPUTS")),
            Paragraphs(Find("NOTES")?.Lines),
            ParseLinks(Find("RELATED LINKS")));
    }

    private static int SkipFrontMatter(string[] lines)
    {
        if (lines.Length == 0 || lines[0].Trim() != "---") return 0;
        for (var i = 1; i < lines.Length; i++)
            if (lines[i].Trim() == "---") return i + 1;
        return 0;
    }

    private static string StripSetSuffix(string title) => title.Replace("(Default)", "", StringComparison.Ordinal).Trim();

    private static List<Section> Subsections(Section? section)
    {
        var result = new List<Section>();
        if (section is null) return result;
        var inFence = false;
        for (var i = 0; i < section.Lines.Count; i++)
        {
            var line = section.Lines[i];
            if (line.StartsWith("```", StringComparison.Ordinal)) inFence = !inFence;
            if (!inFence && line.StartsWith("### ", StringComparison.Ordinal))
            {
                result.Add(new Section(line[4..].Trim(), section.Line + i + 1, new List<string>()));
                continue;
            }
            result.LastOrDefault()?.Lines.Add(line);
        }
        return result;
    }

    /// <summary>Text outside code fences, blank lines separating paragraphs (kept as "\n\n").</summary>
    private static string Paragraphs(IEnumerable<string>? lines)
    {
        if (lines is null) return "";
        var paragraphs = new List<string>();
        var current = new StringBuilder();
        var inFence = false;
        foreach (var raw in lines)
        {
            if (raw.StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                continue;
            }
            if (inFence) continue;
            var line = raw.Trim();
            if (line.Length == 0)
            {
                Flush();
                continue;
            }
            if (current.Length > 0) current.Append(' ');
            current.Append(line);
        }
        Flush();
        return string.Join("\n\n", paragraphs);

        void Flush()
        {
            if (current.Length > 0) paragraphs.Add(current.ToString());
            current.Clear();
        }
    }

    private static (string Code, List<string> Prose) SplitFences(IEnumerable<string> lines, out string? fenceLanguage)
    {
        var code = new StringBuilder();
        var rest = new List<string>();
        var inFence = false;
        fenceLanguage = null;
        foreach (var line in lines)
        {
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                if (!inFence) fenceLanguage ??= line[3..].Trim();
                inFence = !inFence;
                continue;
            }
            if (inFence) code.AppendLine(line);
            else rest.Add(line);
        }
        return (code.ToString().TrimEnd(), rest);
    }

    private static List<ExampleHelp> ParseExamples(Section? section) =>
        Subsections(section)
            .Select(s =>
            {
                var (code, rest) = SplitFences(s.Lines, out _);
                return new ExampleHelp(s.Title, code, Paragraphs(rest));
            })
            .ToList();

    private static List<ParameterHelp> ParseParameters(Section? section, string file)
    {
        var result = new List<ParameterHelp>();
        foreach (var sub in Subsections(section))
        {
            if (!sub.Title.StartsWith('-')) continue; // CommonParameters
            var (yaml, rest) = SplitFences(sub.Lines, out _);
            var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in yaml.Split('\n'))
            {
                var colon = line.IndexOf(':');
                if (colon > 0) fields[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
            string Field(string key, string fallback = "") => fields.TryGetValue(key, out var v) && v.Length > 0 ? v : fallback;
            if (!fields.ContainsKey("Type"))
                throw new HelpFormatException($"parameter {sub.Title} has no yaml block with 'Type:'", file, sub.Line);
            static List<string> List(string value) =>
                value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
            result.Add(new ParameterHelp(
                sub.Title.TrimStart('-'),
                Paragraphs(rest),
                Field("Type", "Object"),
                List(Field("Parameter Sets", "(All)")),
                List(Field("Aliases")),
                List(Field("Accepted values")),
                Field("Required", "False").StartsWith("True", StringComparison.OrdinalIgnoreCase),
                Field("Position", "Named"),
                Field("Default value", "None"),
                Field("Accept pipeline input", "False"),
                Field("Accept wildcard characters", "False").Equals("True", StringComparison.OrdinalIgnoreCase)));
        }
        return result;
    }

    private static List<TypeHelp> ParseTypes(Section? section) =>
        Subsections(section).Select(s => new TypeHelp(s.Title, Paragraphs(s.Lines))).ToList();

    private static List<LinkHelp> ParseLinks(Section? section)
    {
        var result = new List<LinkHelp>();
        if (section is null) return result;
        foreach (var line in section.Lines)
        {
            var match = LinkLine().Match(line.Trim());
            if (match.Success) result.Add(new LinkHelp(match.Groups["text"].Value, match.Groups["uri"].Value));
        }
        return result;
    }
}
