using Kai.Native;

namespace Kai.Service.Logging;

/// <summary>Replaces every known secret value with the mask before text leaves the process (logs, audit, errors, transcripts).</summary>
public sealed class SecretRedactor
{
    private readonly string[] _values;

    public SecretRedactor(IEnumerable<Secret> secrets)
    {
        // Longest first, so a secret containing another is masked whole. Very short values would mask noise.
        _values = secrets.Select(s => s.Reveal()).Where(v => v.Length >= 4).Distinct().OrderByDescending(v => v.Length).ToArray();
    }

    public static SecretRedactor None { get; } = new(Array.Empty<Secret>());

    public string Redact(string text)
    {
        if (string.IsNullOrEmpty(text)) return text;
        foreach (var value in _values)
            if (text.Contains(value, StringComparison.Ordinal)) text = text.Replace(value, Secret.Mask, StringComparison.Ordinal);
        return text;
    }

    public string? RedactNullable(string? text) => text is null ? null : Redact(text);
}
