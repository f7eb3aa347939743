using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text;

namespace Kai.PowerShell.Tests.Hosting;

/// <summary>
/// A PowerShell host for tests: scripted answers for Read-Host style prompts, everything written
/// to the host captured as text. It has no raw UI, like a redirected or remote host.
/// </summary>
public sealed class TestHost : PSHost
{
    private readonly TestHostUserInterface _ui = new();
    public override CultureInfo CurrentCulture => CultureInfo.GetCultureInfo("en-US");
    public override CultureInfo CurrentUICulture => CultureInfo.GetCultureInfo("en-US");
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override string Name => "KaiTestHost";
    public override PSHostUserInterface UI => _ui;
    public override Version Version => new(1, 0);
    public TestHostUserInterface Console => _ui;

    public override void EnterNestedPrompt() => throw new NotSupportedException();
    public override void ExitNestedPrompt() => throw new NotSupportedException();
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }
    public override void SetShouldExit(int exitCode) { }
}

public sealed class TestHostUserInterface : PSHostUserInterface
{
    private readonly StringBuilder _output = new();
    private readonly object _gate = new();

    /// <summary>Answers for ReadLine, Prompt fields and secure reads, in order.</summary>
    public Queue<string> Input { get; } = new();

    /// <summary>Every prompt or caption the host was asked to show.</summary>
    public List<string> Prompts { get; } = new();

    public string Output
    {
        get { lock (_gate) return _output.ToString(); }
    }

    public override PSHostRawUserInterface? RawUI => null;

    private void Append(string text)
    {
        lock (_gate) _output.Append(text);
    }

    private string NextInput(string what)
    {
        lock (_gate)
        {
            if (Input.Count == 0) throw new InvalidOperationException($"The test host has no scripted input left for {what}.");
            return Input.Dequeue();
        }
    }

    public override string ReadLine() => NextInput("ReadLine");

    public override SecureString ReadLineAsSecureString()
    {
        var secure = new SecureString();
        foreach (var c in NextInput("ReadLineAsSecureString")) secure.AppendChar(c);
        secure.MakeReadOnly();
        return secure;
    }

    public override void Write(string value) => Append(value);
    public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Append(value);
    public override void WriteLine(string value) => Append(value + "\n");
    public override void WriteErrorLine(string value) => Append("ERROR: " + value + "\n");
    public override void WriteDebugLine(string message) => Append("DEBUG: " + message + "\n");
    public override void WriteVerboseLine(string message) => Append("VERBOSE: " + message + "\n");
    public override void WriteWarningLine(string message) => Append("WARNING: " + message + "\n");
    public override void WriteProgress(long sourceId, ProgressRecord record) { }

    public override Dictionary<string, PSObject> Prompt(string caption, string message, System.Collections.ObjectModel.Collection<FieldDescription> descriptions)
    {
        var result = new Dictionary<string, PSObject>();
        foreach (var field in descriptions)
        {
            lock (_gate) Prompts.Add(field.Name);
            var type = Type.GetType(field.ParameterAssemblyFullName) ?? typeof(string);
            result[field.Name] = type == typeof(SecureString)
                ? PSObject.AsPSObject(ReadLineAsSecureString())
                : PSObject.AsPSObject(NextInput(field.Name));
        }
        return result;
    }

    public override int PromptForChoice(string caption, string message, System.Collections.ObjectModel.Collection<ChoiceDescription> choices, int defaultChoice)
    {
        lock (_gate) Prompts.Add(caption + ": " + message);
        var answer = Input.Count > 0 ? NextInput("PromptForChoice") : null;
        if (answer is null) return defaultChoice;
        for (var i = 0; i < choices.Count; i++)
        {
            var label = choices[i].Label.Replace("&", "", StringComparison.Ordinal);
            if (label.Equals(answer, StringComparison.OrdinalIgnoreCase) || label.StartsWith(answer, StringComparison.OrdinalIgnoreCase))
                return i;
        }
        return defaultChoice;
    }

    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
        new(userName.Length > 0 ? userName : NextInput("user name"), ReadLineAsSecureString());

    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName,
        PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
        PromptForCredential(caption, message, userName, targetName);
}
