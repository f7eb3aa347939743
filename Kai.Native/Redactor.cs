using System.Text;
using System.Text.RegularExpressions;
using Kai.Native.Install;
using Kai.Native.IO;

namespace Kai.Native;

/// <summary>
/// Removes secrets from text before it is stored or shown: the literal values of Kai's own secrets
/// (<see cref="EnvKeys.Secrets"/> from the process environment and the env file) and token-shaped
/// strings (bearer tokens, sk-… API keys, Telegram bot tokens, GitHub/AWS/Slack tokens, private keys,
/// NAME_TOKEN=… style assignments). Thread-safe.
/// </summary>
public sealed partial class Redactor
{
    public const string Replacement = "[REDACTED]";

    /// <summary>Secret values shorter than this are not matched literally (too many false hits).</summary>
    public const int MinimumSecretLength = 8;

    private readonly string[] _secrets;

    public Redactor(IEnumerable<string> secretValues)
    {
        _secrets = secretValues
            .Where(s => !string.IsNullOrEmpty(s) && s.Trim().Length >= MinimumSecretLength)
            .Select(s => s.Trim())
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(s => s.Length) // longest first, so a secret containing another is removed whole
            .ToArray();
    }

    /// <summary>Only the token patterns, no literal values.</summary>
    public static Redactor PatternsOnly { get; } = new(Array.Empty<string>());

    /// <summary>
    /// A redactor that knows the values of <see cref="EnvKeys.Secrets"/> from the process environment and
    /// from <paramref name="envFile"/> (default: $KAI_ENV_FILE when it is set and readable).
    /// </summary>
    public static Redactor FromEnvironment(string? envFile = null, IEnumerable<string>? extraSecrets = null)
    {
        var values = new List<string>();
        foreach (var key in EnvKeys.Secrets)
            if (Environment.GetEnvironmentVariable(key) is { Length: > 0 } value) values.Add(value);
        envFile ??= Environment.GetEnvironmentVariable("KAI_ENV_FILE");
        if (!string.IsNullOrEmpty(envFile))
        {
            try
            {
                foreach (var (key, value) in EnvFile.Parse(File.ReadAllText(envFile), envFile))
                    if (EnvKeys.Secrets.Contains(key)) values.Add(value);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or KaiException)
            {
                // An unreadable env file means there are no literal values to hide from this process.
            }
        }
        if (extraSecrets is not null) values.AddRange(extraSecrets);
        return new Redactor(values);
    }

    /// <summary>The same redactor plus more literal secret values.</summary>
    public Redactor With(IEnumerable<string> moreSecrets) => new(_secrets.Concat(moreSecrets));

    public bool ContainsSecret(string text)
    {
        if (string.IsNullOrEmpty(text)) return false;
        foreach (var secret in _secrets)
            if (text.Contains(secret, StringComparison.Ordinal)) return true;
        return TokenPattern().IsMatch(text);
    }

    public string Redact(string text)
    {
        if (string.IsNullOrEmpty(text)) return text;
        foreach (var secret in _secrets)
            if (text.Contains(secret, StringComparison.Ordinal)) text = text.Replace(secret, Replacement, StringComparison.Ordinal);
        return TokenPattern().Replace(text, ReplaceToken);
    }

    /// <summary>
    /// Redacts raw bytes (binary output) without decoding them: matching runs over a Latin-1 view, where
    /// every byte is one char, so bytes outside the matches come back exactly as they were.
    /// </summary>
    public byte[] Redact(byte[] bytes)
    {
        var latin1 = Encoding.Latin1.GetString(bytes);
        var view = latin1;
        foreach (var secret in _secrets)
        {
            var encoded = Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(secret));
            if (view.Contains(encoded, StringComparison.Ordinal)) view = view.Replace(encoded, Replacement, StringComparison.Ordinal);
        }
        view = TokenPattern().Replace(view, ReplaceToken);
        return ReferenceEquals(view, latin1) ? bytes : Encoding.Latin1.GetBytes(view);
    }

    private static string ReplaceToken(Match match)
    {
        // Keep the visible context ("Bearer ", "API_TOKEN=") and hide only the value.
        var keep = match.Groups["keep"];
        return keep.Success ? keep.Value + Replacement : Replacement;
    }

    [GeneratedRegex(
        @"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|\z)" +
        @"|(?<keep>\b(?i:bearer|token)\s+)[A-Za-z0-9._~+/=-]{12,}" +
        @"|\bsk-[A-Za-z0-9_-]{16,}" +
        @"|\b\d{6,12}:[A-Za-z0-9_-]{30,}" +
        @"|\bgh[pousr]_[A-Za-z0-9]{30,}|\bgithub_pat_[A-Za-z0-9_]{40,}" +
        @"|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b" +
        @"|\bxox[abposr]-[A-Za-z0-9-]{10,}" +
        @"|(?<keep>\b[A-Za-z0-9_]*(?i:secret|token|password|passwd|api_?key|private_?key)[A-Za-z0-9_]*[ \t]*[=:][ \t]*[""']?)[^\s""']{8,}",
        RegexOptions.CultureInvariant)]
    private static partial Regex TokenPattern();
}
