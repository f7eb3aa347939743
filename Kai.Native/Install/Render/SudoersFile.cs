using System.Text;
using System.Text.RegularExpressions;

namespace Kai.Native.Install;

/// <summary>
/// /etc/sudoers.d/kai: the service user may read its env file as root (the fallback when systemd credentials
/// are unavailable) and run the claude binary as each separate user (CLAUDE_USER, users.yaml os_user). Generated
/// whole from install.conf and users.yaml on every apply, so no configured user's rule is ever dropped.
/// </summary>
public static partial class SudoersFile
{
    public static string Render(string serviceUser, string catPath, string envFile, string claudeBinary, IEnumerable<string> separateUsers)
    {
        CheckUserName(serviceUser);
        var b = new StringBuilder();
        b.Append("# Kai, written by Kai's installer and validated with visudo -cf before it was moved here.\n");
        b.Append("# Regenerated on every apply from install.conf and users.yaml: edit those and re-run the installer.\n");
        b.Append("#\n# The service reads its secrets as root (fallback when systemd credentials are unavailable):\n");
        b.Append(serviceUser).Append(" ALL=(root) NOPASSWD: ").Append(EscapeCommand(catPath)).Append(' ').Append(EscapeCommand(envFile)).Append('\n');
        var users = separateUsers.Where(u => u != serviceUser).Distinct(StringComparer.Ordinal).ToList();
        if (users.Count > 0)
        {
            b.Append("#\n# User separation: the service runs Claude as these users, one rule each:\n");
            foreach (var user in users)
            {
                CheckUserName(user);
                b.Append(serviceUser).Append(" ALL=(").Append(user).Append(") NOPASSWD: ").Append(EscapeCommand(claudeBinary)).Append('\n');
            }
        }
        return b.ToString();
    }

    /// <summary>The claude path every user-separation rule names (null when there are none): status compares it with CLAUDE_BIN.</summary>
    public static string? ClaudePathIn(string sudoersText)
    {
        foreach (var line in sudoersText.Split('\n'))
        {
            var match = RuleLine().Match(line.Trim());
            if (match.Success && match.Groups["runas"].Value != "root") return Unescape(match.Groups["command"].Value.Trim());
        }
        return null;
    }

    /// <summary>Separate users with a rule in <paramref name="sudoersText"/>.</summary>
    public static IReadOnlyList<string> SeparateUsersIn(string sudoersText) =>
        sudoersText.Split('\n').Select(l => RuleLine().Match(l.Trim())).Where(m => m.Success && m.Groups["runas"].Value != "root")
            .Select(m => m.Groups["runas"].Value).ToList();

    [GeneratedRegex(@"^(?<user>[^#\s]\S*)\s+ALL=\((?<runas>[^)]+)\)\s+NOPASSWD:\s+(?<command>.+)$")]
    private static partial Regex RuleLine();

    [GeneratedRegex(@"^[a-z_][a-z0-9_.-]*\$?$", RegexOptions.IgnoreCase)]
    private static partial Regex UserName();

    /// <summary>POSIX-portable user names only: anything else could change the meaning of a sudoers line.</summary>
    public static void CheckUserName(string user)
    {
        if (!UserName().IsMatch(user) || user.Length > 32)
            throw new KaiException("InvalidUserName", KaiErrorKind.InvalidArgument, $"'{user}' is not a user name Kai can put into sudoers.", user);
    }

    /// <summary>sudoers needs \ before , : = \ and blanks in a command path.</summary>
    public static string EscapeCommand(string path)
    {
        if (!path.StartsWith('/') || path.Any(char.IsControl))
            throw new KaiException("InvalidPath", KaiErrorKind.InvalidArgument, $"'{path}' must be an absolute path for a sudoers rule.", path);
        var b = new StringBuilder();
        foreach (var c in path)
        {
            if (c is ',' or ':' or '=' or '\\' or ' ' or '\t' or '#' or '(' or ')' or '"' or '\'' or '!' or '*' or '?' or '[' or ']') b.Append('\\');
            b.Append(c);
        }
        return b.ToString();
    }

    private static string Unescape(string escaped)
    {
        var b = new StringBuilder();
        for (var i = 0; i < escaped.Length; i++)
        {
            if (escaped[i] == '\\' && i + 1 < escaped.Length) i++;
            b.Append(escaped[i]);
        }
        return b.ToString();
    }
}
