using System.Xml.Linq;

namespace Kai.ModuleBuilder;

/// <summary>Writes the MAML document Get-Help reads for a binary module (&lt;assembly&gt;-Help.xml).</summary>
internal static class MamlWriter
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    public static string Write(IEnumerable<CommandHelp> commands)
    {
        var root = new XElement(Msh + "helpItems", new XAttribute("schema", "maml"),
            commands.Select(CommandElement));
        var doc = new XDocument(new XDeclaration("1.0", "utf-8", null), root);
        return doc.Declaration + Environment.NewLine + doc.Root;
    }

    private static XElement CommandElement(CommandHelp help)
    {
        var dash = help.Name.IndexOf('-');
        var verb = dash > 0 ? help.Name[..dash] : help.Name;
        var noun = dash > 0 ? help.Name[(dash + 1)..] : "";
        var sets = help.SyntaxSets.Count > 0 ? help.SyntaxSets : new[] { "__AllParameterSets" };
        return new XElement(Command + "command",
            new XAttribute(XNamespace.Xmlns + "maml", Maml),
            new XAttribute(XNamespace.Xmlns + "command", Command),
            new XAttribute(XNamespace.Xmlns + "dev", Dev),
            new XElement(Command + "details",
                new XElement(Command + "name", help.Name),
                new XElement(Command + "verb", verb),
                new XElement(Command + "noun", noun),
                Description(help.Synopsis)),
            Description(help.Description),
            new XElement(Command + "syntax",
                sets.Select(set => new XElement(Command + "syntaxItem",
                    new XElement(Maml + "name", help.Name),
                    help.Parameters.Where(p => set == "__AllParameterSets" || p.InSet(set)).Select(p => ParameterElement(p, set))))),
            new XElement(Command + "parameters", help.Parameters.Select(p => ParameterElement(p, null))),
            new XElement(Command + "inputTypes", help.Inputs.Select(t => TypeElement("inputType", t))),
            new XElement(Command + "returnValues", help.Outputs.Select(t => TypeElement("returnValue", t))),
            new XElement(Maml + "alertSet", new XElement(Maml + "alert", Paras(help.Notes))),
            new XElement(Command + "examples", help.Examples.Select(ExampleElement)),
            new XElement(Command + "relatedLinks", help.Links.Select(l =>
                new XElement(Maml + "navigationLink",
                    new XElement(Maml + "linkText", l.Text),
                    new XElement(Maml + "uri", l.Uri)))));
    }

    private static XElement ParameterElement(ParameterHelp p, string? set)
    {
        var element = new XElement(Command + "parameter",
            new XAttribute("required", p.Required ? "true" : "false"),
            new XAttribute("variableLength", p.Type.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false"),
            new XAttribute("globbing", p.Globbing ? "true" : "false"),
            new XAttribute("pipelineInput", p.PipelineInput),
            new XAttribute("position", p.Position.ToLowerInvariant()),
            new XAttribute("aliases", p.Aliases.Count == 0 ? "none" : string.Join(", ", p.Aliases)),
            new XElement(Maml + "name", p.Name),
            Description(p.Description));
        if (p.AcceptedValues.Count > 0 && set is not null)
        {
            element.Add(new XElement(Command + "parameterValueGroup",
                p.AcceptedValues.Select(v => new XElement(Command + "parameterValue",
                    new XAttribute("required", "false"), new XAttribute("variableLength", "false"), v))));
        }
        if (!p.IsSwitch)
        {
            element.Add(new XElement(Command + "parameterValue",
                new XAttribute("required", "true"), new XAttribute("variableLength", "false"), p.Type));
        }
        element.Add(new XElement(Dev + "type", new XElement(Maml + "name", p.Type), new XElement(Maml + "uri")));
        element.Add(new XElement(Dev + "defaultValue", p.DefaultValue));
        return element;
    }

    private static XElement TypeElement(string kind, TypeHelp type) =>
        new(Command + kind,
            new XElement(Dev + "type", new XElement(Maml + "name", type.Name)),
            Description(type.Description));

    private static XElement ExampleElement(ExampleHelp example) =>
        new(Command + "example",
            new XElement(Maml + "title", $"-------------------------- {example.Title} --------------------------"),
            new XElement(Dev + "code", example.Code),
            new XElement(Dev + "remarks", Paras(example.Remarks)));

    private static XElement Description(string text) => new(Maml + "description", Paras(text));

    private static IEnumerable<XElement> Paras(string text)
    {
        var paragraphs = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        if (paragraphs.Length == 0) return new[] { new XElement(Maml + "para") };
        return paragraphs.Select(p => new XElement(Maml + "para", p));
    }
}
