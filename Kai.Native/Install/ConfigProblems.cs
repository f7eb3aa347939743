using System.Text;

namespace Kai.Native.Install;

/// <summary>
/// One thing wrong with a configuration value. <see cref="Field"/> is the field's name as the file spells
/// it (<c>apiPort</c>, <c>users[1].os_user</c>); <see cref="Line"/> and <see cref="Column"/> (1-based) say
/// where, when the value came from a file. Messages never contain secret values.
/// </summary>
public sealed record ConfigProblem(string Field, string Message, int? Line = null, int? Column = null)
{
    public override string ToString()
    {
        var where = Line is { } line ? Column is { } column ? $"line {line}, column {column}: " : $"line {line}: " : "";
        return Field.Length == 0 ? where + Message : $"{where}{Field}: {Message}";
    }
}

/// <summary>
/// A configuration (install.conf, users.yaml, workspaces.yaml, services.yaml, or cmdlet parameters) with one
/// or more problems, reported as ONE error whose message lists each problem with its field (and line).
/// <see cref="KaiException.Target"/> is the file; <see cref="Problems"/> is for scripts and tests.
/// </summary>
public sealed class ConfigValidationException : KaiException
{
    public ConfigValidationException(string errorId, KaiErrorKind kind, string subject, IReadOnlyList<ConfigProblem> problems, object? target, Exception? inner = null)
        : base(errorId, kind, Describe(subject, problems), target, inner)
    {
        if (problems.Count == 0) throw new ArgumentException("At least one problem is required.", nameof(problems));
        Problems = problems;
    }

    public IReadOnlyList<ConfigProblem> Problems { get; }

    /// <summary>"&lt;subject&gt;: line 3, column 5: apiPort: …" or a header and one indented line per problem.</summary>
    public static string Describe(string subject, IReadOnlyList<ConfigProblem> problems)
    {
        if (problems.Count == 1) return $"{subject}: {problems[0]}";
        var builder = new StringBuilder();
        builder.Append(subject).Append(": ").Append(problems.Count).Append(" problems:");
        foreach (var problem in problems) builder.Append("\n  ").Append(problem);
        return builder.ToString();
    }
}
