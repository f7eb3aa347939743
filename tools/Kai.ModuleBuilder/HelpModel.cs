namespace Kai.ModuleBuilder;

internal sealed class HelpFormatException(string message, string file, int line) : Exception(message)
{
    public string File { get; } = file;
    public int Line { get; } = line;
}

internal sealed record ParameterHelp(
    string Name,
    string Description,
    string Type,
    IReadOnlyList<string> ParameterSets,
    IReadOnlyList<string> Aliases,
    IReadOnlyList<string> AcceptedValues,
    bool Required,
    string Position,
    string DefaultValue,
    string PipelineInput,
    bool Globbing)
{
    public bool IsSwitch => Type.Equals("SwitchParameter", StringComparison.OrdinalIgnoreCase);
    public bool InSet(string set) => ParameterSets.Count == 0 || ParameterSets.Contains("(All)") || ParameterSets.Contains(set);
}

internal sealed record ExampleHelp(string Title, string Code, string Remarks);

internal sealed record TypeHelp(string Name, string Description);

internal sealed record LinkHelp(string Text, string Uri);

internal sealed record CommandHelp(
    string Name,
    string Synopsis,
    string Description,
    IReadOnlyList<string> SyntaxSets,
    IReadOnlyList<ParameterHelp> Parameters,
    IReadOnlyList<ExampleHelp> Examples,
    IReadOnlyList<TypeHelp> Inputs,
    IReadOnlyList<TypeHelp> Outputs,
    string Notes,
    IReadOnlyList<LinkHelp> Links);
