using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kai.Native;
using Kai.Native.Service;
using Kai.Native.Sessions;

namespace Kai.Service.Approvals;

/// <summary>
/// Approval ids: HMAC-SHA256 keyed by the server secret over the session, the client's request id, the kind,
/// the rule to relax and a canonical hash of the command (text, mode, directory, environment, input).
/// The same request always gets the same id; nobody without the secret can make a valid one; and a changed
/// command presented under an existing id does not verify.
/// </summary>
public sealed partial class ApprovalIds
{
    public const string Prefix = "ap-";
    private readonly byte[] _key;

    public ApprovalIds(Secret serverSecret)
    {
        // A key of its own, derived from the secret: the bearer secret itself is never used as an HMAC key.
        _key = HMACSHA256.HashData(Encoding.UTF8.GetBytes(serverSecret.Reveal()), "kai-approval-id-v1"u8);
    }

    [GeneratedRegex("^ap-[0-9a-f]{32}$")]
    private static partial Regex Shape();

    public static bool IsWellFormed(string id) => Shape().IsMatch(id);

    public string Compute(string session, string requestId, ApprovalKind kind, string? relaxRule, string commandHash)
    {
        var message = string.Join('\n', "v1", session, requestId, kind.ToString(), relaxRule ?? "", commandHash);
        var mac = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(message));
        return Prefix + Convert.ToHexString(mac, 0, 16).ToLowerInvariant();
    }

    public bool Verify(string id, string session, string requestId, ApprovalKind kind, string? relaxRule, string commandHash) =>
        Secret.FixedTimeEquals(id, Compute(session, requestId, kind, relaxRule, commandHash));

    /// <summary>SHA-256 over a canonical form of what would run (line endings normalised, environment sorted).</summary>
    public static string CommandHash(ExecRequest request)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("command", request.Command.Replace("\r\n", "\n", StringComparison.Ordinal));
            json.WriteString("mode", request.Mode.ToString());
            json.WriteString("cwd", request.WorkingDirectory ?? "");
            json.WriteStartObject("env");
            foreach (var (k, v) in (request.Environment ?? new Dictionary<string, string>()).OrderBy(kv => kv.Key, StringComparer.Ordinal))
                json.WriteString(k, v);
            json.WriteEndObject();
            json.WriteString("stdin", request.StandardInput is null ? "" : Convert.ToHexString(SHA256.HashData(request.StandardInput)));
            json.WriteEndObject();
        }
        return Convert.ToHexString(SHA256.HashData(buffer.ToArray())).ToLowerInvariant();
    }
}
