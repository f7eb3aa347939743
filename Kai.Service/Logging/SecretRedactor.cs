using Kai.Native;

namespace Kai.Service.Logging;

/// <summary>
/// The service's redaction: the engine's <see cref="Redactor"/> (literal values of the env file's secrets and
/// token-shaped strings) applied to everything that leaves the process: logs, audit rows, errors, results.
/// </summary>
public sealed class SecretRedactor
{
    public SecretRedactor(IEnumerable<Secret> secrets)
    {
        Engine = new Redactor(secrets.Select(s => s.Reveal()));
    }

    /// <summary>Only token patterns: before the configuration (and its secrets) is known.</summary>
    public static SecretRedactor None { get; } = new(Array.Empty<Secret>());

    /// <summary>The same redactor, for the session engine's transcripts and stored commands.</summary>
    public Redactor Engine { get; }

    public string Redact(string text) => string.IsNullOrEmpty(text) ? text : Engine.Redact(text);

    public string? RedactNullable(string? text) => text is null ? null : Redact(text);
}
