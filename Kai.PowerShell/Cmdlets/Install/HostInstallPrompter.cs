using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using Kai.Native;
using Kai.Native.Install;

namespace Kai.PowerShell.Cmdlets.Install;

/// <summary>
/// Asks the interactive config's questions through the PowerShell host: Prompt for text (SecureString
/// fields for secrets, so the host masks them), PromptForChoice for choices and yes/no. Works on hosts
/// without a raw UI (remoting, redirected, test hosts).
/// </summary>
internal sealed class HostInstallPrompter : IInstallPrompter
{
    private readonly PSHostUserInterface _ui;

    public HostInstallPrompter(PSHostUserInterface ui)
    {
        _ui = ui;
    }

    public void BeginSection(string title)
    {
        _ui.WriteLine();
        _ui.WriteLine(title);
    }

    public void Note(string message) => _ui.WriteLine(message);

    public string? AskText(InstallQuestion question) => PromptOne(question, typeof(string)) switch
    {
        null => null,
        var value => value.BaseObject as string ?? value.ToString(),
    };

    public string? AskList(InstallQuestion question) => AskText(question);

    public Secret? AskSecret(InstallQuestion question, out bool endOfInput)
    {
        var value = PromptOne(question, typeof(SecureString));
        endOfInput = value is null;
        return value?.BaseObject switch
        {
            SecureString secure => secure.ToSecret(),
            string text => new Secret(text),
            _ => null,
        };
    }

    public string? AskChoice(InstallQuestion question)
    {
        var choices = new Collection<ChoiceDescription>(question.Choices
            .Select(choice => new ChoiceDescription("&" + char.ToUpperInvariant(choice[0]) + choice[1..], choice))
            .ToList());
        var defaultIndex = question.Default is null ? -1 : IndexOf(question.Choices, question.Default);
        var index = _ui.PromptForChoice(question.Prompt, question.Help, choices, defaultIndex);
        return index >= 0 && index < question.Choices.Count ? question.Choices[index] : "";
    }

    public string? AskYesNo(InstallQuestion question)
    {
        var choices = new Collection<ChoiceDescription>
        {
            new("&Yes", "Enable: " + question.Field.Description),
            new("&No", "Disable: " + question.Field.Description),
        };
        var index = _ui.PromptForChoice(question.Prompt, question.Help, choices, question.Default == "true" ? 0 : 1);
        return index == 0 ? "yes" : "no";
    }

    public void ShowProblem(InstallQuestion question, string message) =>
        _ui.WriteErrorLine($"{question.Field.Label}: {message}");

    private PSObject? PromptOne(InstallQuestion question, Type type)
    {
        var field = new FieldDescription(question.Prompt) { HelpMessage = question.Help };
        field.SetParameterType(type);
        var answers = _ui.Prompt(null, question.Help, new Collection<FieldDescription> { field });
        return answers is not null && answers.TryGetValue(question.Prompt, out var value) ? value ?? PSObject.AsPSObject("") : null;
    }

    private static int IndexOf(IReadOnlyList<string> choices, string value)
    {
        for (var i = 0; i < choices.Count; i++)
            if (string.Equals(choices[i], value, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }
}
