using System.Security.Cryptography;
using System.Text;

namespace Kai.Native;

/// <summary>
/// A secret value (token, API secret, key). It never prints itself: ToString and any
/// serializer that falls back to it see a mask. Comparisons are constant-time.
/// </summary>
public sealed class Secret : IEquatable<Secret>
{
    public const string Mask = "********";
    private readonly string _value;

    public Secret(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _value = value;
    }

    public bool IsEmpty => _value.Length == 0;
    public int Length => _value.Length;

    /// <summary>The clear value, for the few places that must write it (secret files, the service's own memory).</summary>
    public string Reveal() => _value;

    /// <summary>A cryptographically random URL-safe secret with <paramref name="bytes"/> bytes of entropy.</summary>
    public static Secret Generate(int bytes = 32)
    {
        var raw = RandomNumberGenerator.GetBytes(bytes);
        return new Secret(Convert.ToBase64String(raw).TrimEnd('=').Replace('+', '-').Replace('/', '_'));
    }

    public bool Equals(Secret? other) => other is not null && FixedTimeEquals(_value, other._value);

    /// <summary>Constant-time comparison (length is not hidden, content is).</summary>
    public static bool FixedTimeEquals(string a, string b)
    {
        var left = Encoding.UTF8.GetBytes(a);
        var right = Encoding.UTF8.GetBytes(b);
        // Hash first so unequal lengths cost the same comparison and do not short-circuit.
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(left), SHA256.HashData(right))
            & left.Length == right.Length;
    }

    public override bool Equals(object? obj) => obj is Secret s && Equals(s);
    public override int GetHashCode() => 0; // deliberately uninformative
    public override string ToString() => Mask;
}
