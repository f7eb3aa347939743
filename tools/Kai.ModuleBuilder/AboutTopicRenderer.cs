namespace Kai.ModuleBuilder;

/// <summary>Turns about_*.help.md into the plain-text about topic Get-Help shows.</summary>
internal static class AboutTopicRenderer
{
    public static string Render(string markdown)
    {
        var lines = markdown.Replace("\r\n", "\n").Split('\n').ToList();
        if (lines.Count > 0 && lines[0].Trim() == "---")
        {
            var end = lines.FindIndex(1, l => l.Trim() == "---");
            if (end > 0) lines.RemoveRange(0, end + 1);
        }
        var output = lines
            .Where(l => !l.StartsWith("```", StringComparison.Ordinal))
            .Select(l => l.StartsWith('#') ? l.TrimStart('#').Trim().ToUpperInvariant() : l);
        return string.Join(Environment.NewLine, output).Trim() + Environment.NewLine;
    }
}
