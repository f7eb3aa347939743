namespace Kai.Native.Install;

/// <summary>
/// One question of the interactive config. <see cref="Default"/> is what Enter accepts (never a secret);
/// for secrets <see cref="HasCurrentSecret"/> says whether Enter keeps an existing value.
/// <see cref="CanClear"/>: typing <see cref="InstallQuestion.ClearAnswer"/> removes an optional value.
/// </summary>
public sealed record InstallQuestion(InstallConfigField Field, string Prompt, string Help, string? Default)
{
    /// <summary>The answer that empties an optional field.</summary>
    public const string ClearAnswer = "-";

    public bool HasCurrentSecret { get; init; }
    public bool CanClear { get; init; }
    /// <summary>What Enter does for a secret: "keep current", "generate", "none", or null (an answer is required).</summary>
    public string? SecretDefault { get; init; }
    public IReadOnlyList<string> Choices => Field.Choices;
    public InstallFieldKind Kind => Field.Kind;
}

/// <summary>
/// The I/O side of the interactive config: the console for <c>kai install config</c>, the PowerShell host
/// for <c>New-KaiInstallConfig -Interactive</c>, a script in tests. Each Ask returns the raw answer
/// ("" = accept the default) or null when input has ended. Parsing, validation and re-asking are the
/// questionnaire's job.
/// </summary>
public interface IInstallPrompter
{
    /// <summary>A heading before a group of questions (the seed's table names).</summary>
    void BeginSection(string title);

    /// <summary>An informational line (e.g. "users.yaml found").</summary>
    void Note(string message);

    string? AskText(InstallQuestion question);

    /// <summary>Reads a secret without echo; the value never goes to any output.</summary>
    Secret? AskSecret(InstallQuestion question, out bool endOfInput);

    /// <summary>One of <see cref="InstallQuestion.Choices"/> (or anything typed; the questionnaire checks it).</summary>
    string? AskChoice(InstallQuestion question);

    /// <summary>yes/no; the raw answer ("y", "no", "" for the default).</summary>
    string? AskYesNo(InstallQuestion question);

    /// <summary>A comma-separated list.</summary>
    string? AskList(InstallQuestion question);

    /// <summary>Shows why an answer was not accepted, before the question is asked again.</summary>
    void ShowProblem(InstallQuestion question, string message);
}
