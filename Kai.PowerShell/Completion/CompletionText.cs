using System.Management.Automation;

namespace Kai.PowerShell.Completion;

/// <summary>Shared by the completers: match what was typed (quotes and wildcards allowed), quote what is offered.</summary>
internal static class CompletionText
{
    /// <summary>How long a completer may wait for the host; Tab must stay snappy even with a slow service.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(2);

    public static IEnumerable<CompletionResult> Complete(IEnumerable<(string Value, string ToolTip)> candidates, string? wordToComplete)
    {
        var typed = (wordToComplete ?? "").Trim('\'', '"');
        var pattern = new WildcardPattern(WildcardPattern.Escape(typed) + "*", WildcardOptions.IgnoreCase);
        if (WildcardPattern.ContainsWildcardCharacters(typed))
            pattern = new WildcardPattern(typed + "*", WildcardOptions.IgnoreCase);
        return candidates
            .Where(c => pattern.IsMatch(c.Value))
            .OrderBy(c => c.Value, StringComparer.OrdinalIgnoreCase)
            .Select(c => new CompletionResult(Quote(c.Value), c.Value, CompletionResultType.ParameterValue, c.ToolTip.Length > 0 ? c.ToolTip : c.Value))
            .ToList();
    }

    /// <summary>Runs a host query within <see cref="Budget"/>; any failure means "nothing to offer".</summary>
    public static IReadOnlyList<T> Query<T>(Func<CancellationToken, Task<IReadOnlyList<T>>> query)
    {
        using var timeout = new CancellationTokenSource(Budget);
        try
        {
            return query(timeout.Token).WaitAsync(timeout.Token).GetAwaiter().GetResult();
        }
        catch (Exception)
        {
            // Completion never fails the command line: no host, no database yet, a timeout… offer nothing.
            return Array.Empty<T>();
        }
    }

    private static string Quote(string value) =>
        value.Length > 0 && value.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.')
            ? value
            : "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
