using Kai.ModuleBuilder;

// kai module builder: run by Kai.PowerShell's build to finish artifacts/Kai/.
//   --manifest Kai.psd1 --version 1.2.3 --docs docs/en-US --assembly Kai.PowerShell.dll --out artifacts/Kai/
var options = BuildOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: Kai.ModuleBuilder --manifest FILE --version X.Y.Z --docs DIR --assembly NAME.dll --out DIR");
    return 2;
}

try
{
    ManifestStamper.Stamp(options.Manifest, options.Version, Path.Combine(options.Out, Path.GetFileName(options.Manifest)));
    var helpDir = Path.Combine(options.Out, "en-US");
    Directory.CreateDirectory(helpDir);
    var commands = new List<CommandHelp>();
    foreach (var file in Directory.EnumerateFiles(options.Docs, "*.md").Order(StringComparer.Ordinal))
    {
        var name = Path.GetFileName(file);
        if (name.StartsWith("about_", StringComparison.OrdinalIgnoreCase))
        {
            var topic = name[..^".md".Length]; // about_Kai.help
            File.WriteAllText(Path.Combine(helpDir, topic + ".txt"), AboutTopicRenderer.Render(File.ReadAllText(file)));
            continue;
        }
        commands.Add(PlatyPsMarkdownParser.Parse(File.ReadAllText(file), file));
    }
    File.WriteAllText(Path.Combine(helpDir, options.Assembly + "-Help.xml"), MamlWriter.Write(commands));
    Console.WriteLine($"Kai.ModuleBuilder: manifest {options.Version}, {commands.Count} help topics -> {options.Out}");
    return 0;
}
catch (HelpFormatException ex)
{
    // MSBuild picks up "file: error CODE: message" as a build error pointing at the markdown file.
    Console.Error.WriteLine($"{ex.File}({ex.Line}): error KAIHELP: {ex.Message}");
    return 1;
}
