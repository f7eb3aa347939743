using System.Text;
using Kai.Native;
using Kai.Native.Install;

namespace Kai.Cli.Install;

/// <summary>
/// The interactive config on a terminal (or on redirected stdin, one answer per line): prompts on stdout,
/// secrets read without echo when stdin is a terminal.
/// </summary>
internal sealed class ConsoleInstallPrompter : IInstallPrompter
{
    private readonly TextReader _input;
    private readonly TextWriter _output;
    private readonly bool _terminal;

    public ConsoleInstallPrompter(TextReader input, TextWriter output, bool terminal)
    {
        _input = input;
        _output = output;
        _terminal = terminal;
    }

    public void BeginSection(string title)
    {
        _output.WriteLine();
        _output.WriteLine(title);
        _output.WriteLine(new string('-', title.Length));
    }

    public void Note(string message) => _output.WriteLine(message);

    public string? AskText(InstallQuestion question) => Ask(question);
    public string? AskChoice(InstallQuestion question) => Ask(question);
    public string? AskYesNo(InstallQuestion question) => Ask(question);
    public string? AskList(InstallQuestion question) => Ask(question);

    public Secret? AskSecret(InstallQuestion question, out bool endOfInput)
    {
        WritePrompt(question);
        var text = _terminal ? ReadHidden() : ReadRedirected();
        endOfInput = text is null;
        return text is null ? null : new Secret(text);
    }

    public void ShowProblem(InstallQuestion question, string message) => _output.WriteLine($"  ! {message}");

    private string? Ask(InstallQuestion question)
    {
        WritePrompt(question);
        return _terminal ? _input.ReadLine() : ReadRedirected();
    }

    /// <summary>Redirected input is not echoed by a terminal: end the prompt line ourselves (never echoing the answer).</summary>
    private string? ReadRedirected()
    {
        var line = _input.ReadLine();
        _output.WriteLine();
        return line;
    }

    private void WritePrompt(InstallQuestion question)
    {
        _output.WriteLine($"  {question.Help}");
        _output.Write($"{question.Prompt}: ");
        _output.Flush();
    }

    /// <summary>Reads a line from the terminal without echoing it (Backspace edits, Ctrl+D on an empty line ends input).</summary>
    private string? ReadHidden()
    {
        var buffer = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace)
            {
                if (buffer.Length > 0) buffer.Length--;
                continue;
            }
            if (key.KeyChar == '\u0004' && buffer.Length == 0)
            {
                _output.WriteLine();
                return null;
            }
            if (!char.IsControl(key.KeyChar)) buffer.Append(key.KeyChar);
        }
        _output.WriteLine();
        return buffer.ToString();
    }
}
