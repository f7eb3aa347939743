namespace Kai.Native.Sessions;

/// <summary>
/// Session names become directory names under the data dir, so they are restricted to
/// [A-Za-z0-9._-]{1,64} and may not be "." or "..": no path traversal, nothing to quote.
/// </summary>
public static class SessionNames
{
    public const int MaximumLength = 64;

    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name)
        && name.Length <= MaximumLength
        && name is not "." and not ".."
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>Throws <c>InvalidSessionName</c> (InvalidArgument) naming what is wrong.</summary>
    public static string Validate(string? name)
    {
        if (IsValid(name)) return name!;
        var shown = name is null ? "(null)" : name.Length > 80 ? name[..80] + "…" : name;
        var why = string.IsNullOrEmpty(name) ? "it is empty"
            : name.Length > MaximumLength ? $"it is longer than {MaximumLength} characters"
            : name is "." or ".." ? "'.' and '..' are reserved"
            : "it may only contain letters, digits, '.', '_' and '-'";
        throw new KaiException("InvalidSessionName", KaiErrorKind.InvalidArgument,
            $"'{shown}' is not a valid session name: {why}.", name)
        {
            RecommendedAction = "Use a name like 'build', 'web-01' or 'ci_2024.1'.",
        };
    }

    public static KaiException NotFound(string name) =>
        new("SessionNotFound", KaiErrorKind.ObjectNotFound, $"There is no session named '{name}'.", name)
        {
            RecommendedAction = "Get-KaiSession lists the sessions; Start-KaiSession -Name creates one.",
        };
}
