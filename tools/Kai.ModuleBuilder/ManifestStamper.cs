using System.Text.RegularExpressions;

namespace Kai.ModuleBuilder;

/// <summary>Copies the source manifest into the module folder with the build's version.</summary>
internal static partial class ManifestStamper
{
    [GeneratedRegex(@"^(\s*ModuleVersion\s*=\s*)'[^']*'", RegexOptions.Multiline)]
    private static partial Regex ModuleVersionLine();

    public static void Stamp(string source, string version, string destination)
    {
        var text = File.ReadAllText(source);
        if (!ModuleVersionLine().IsMatch(text))
            throw new HelpFormatException("the manifest has no ModuleVersion line", source, 1);
        var stamped = ModuleVersionLine().Replace(text, m => $"{m.Groups[1].Value}'{version}'", 1);
        File.WriteAllText(destination, stamped);
    }
}
