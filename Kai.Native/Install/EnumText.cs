namespace Kai.Native.Install;

/// <summary>Enum values as config files spell them: camelCase ("linux", "allUsers"), read case-insensitively.</summary>
public static class EnumText
{
    public static string ToText(Enum value)
    {
        var name = value.ToString();
        return char.ToLowerInvariant(name[0]) + name[1..];
    }

    public static IReadOnlyList<string> Names<T>() where T : struct, Enum =>
        Enum.GetValues<T>().Select(v => ToText(v)).ToArray();

    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var trimmed = text.Trim();
        // Names only: Enum.TryParse would also accept "3" or "linux,darwin".
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (string.Equals(candidate.ToString(), trimmed, StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }
        return false;
    }

    public static string Expected<T>() where T : struct, Enum => "one of: " + string.Join(", ", Names<T>());
}
