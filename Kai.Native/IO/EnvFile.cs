using System.Text;

namespace Kai.Native.IO;

/// <summary>
/// The KEY=value file the installer writes to /etc/kai/env and the service reads at start-up
/// (through `sudo cat`, or KAI_ENV_FILE in development). Values are single-quoted POSIX-shell style
/// whenever they hold anything beyond a safe set, so the file also sources cleanly in sh/bash.
/// </summary>
public static class EnvFile
{
    public static string Render(IEnumerable<KeyValuePair<string, string>> variables)
    {
        var builder = new StringBuilder();
        builder.Append("# Written by Kai's installer. Root-only (0600): holds secrets.\n");
        foreach (var (key, value) in variables)
        {
            ValidateKey(key);
            builder.Append(key).Append('=').Append(Quote(value)).Append('\n');
        }
        return builder.ToString();
    }

    /// <summary>Parses what <see cref="Render"/> wrote (and plain unquoted or double-quoted values).</summary>
    public static IReadOnlyDictionary<string, string> Parse(string text, string sourceName = "env")
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.StartsWith("export ", StringComparison.Ordinal)) line = line[7..].TrimStart();
            var equals = line.IndexOf('=');
            if (equals <= 0)
                throw new KaiException("EnvFileMalformed", KaiErrorKind.InvalidData, $"{sourceName}, line {i + 1}: expected KEY=value.", sourceName);
            var key = line[..equals];
            if (!IsValidKey(key))
                throw new KaiException("EnvFileMalformed", KaiErrorKind.InvalidData, $"{sourceName}, line {i + 1}: '{key}' is not a valid variable name.", sourceName);
            result[key] = Unquote(line[(equals + 1)..], sourceName, i + 1);
        }
        return result;
    }

    public static string Quote(string value)
    {
        if (value.Length > 0 && value.All(IsSafe)) return value;
        return "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    private static string Unquote(string raw, string sourceName, int line)
    {
        var builder = new StringBuilder();
        var i = 0;
        while (i < raw.Length)
        {
            var c = raw[i];
            if (c == '\'')
            {
                var end = raw.IndexOf('\'', i + 1);
                if (end < 0) throw Unterminated(sourceName, line);
                builder.Append(raw, i + 1, end - i - 1);
                i = end + 1;
            }
            else if (c == '"')
            {
                i++;
                while (true)
                {
                    if (i >= raw.Length) throw Unterminated(sourceName, line);
                    if (raw[i] == '"') { i++; break; }
                    if (raw[i] == '\\' && i + 1 < raw.Length && "\"\\$`".Contains(raw[i + 1])) i++;
                    builder.Append(raw[i++]);
                }
            }
            else if (c == '\\' && i + 1 < raw.Length)
            {
                builder.Append(raw[i + 1]);
                i += 2;
            }
            else if (char.IsWhiteSpace(c) || c == '#')
            {
                break; // trailing comment
            }
            else
            {
                builder.Append(c);
                i++;
            }
        }
        return builder.ToString();
    }

    private static KaiException Unterminated(string sourceName, int line) =>
        new("EnvFileMalformed", KaiErrorKind.InvalidData, $"{sourceName}, line {line}: unterminated quote.", sourceName);

    private static bool IsSafe(char c) => char.IsAsciiLetterOrDigit(c) || "_-./:@+,%=".Contains(c);

    public static bool IsValidKey(string key) =>
        key.Length > 0 && (char.IsAsciiLetter(key[0]) || key[0] == '_') && key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static void ValidateKey(string key)
    {
        if (!IsValidKey(key)) throw new ArgumentException($"'{key}' is not a valid environment variable name.", nameof(key));
    }
}
