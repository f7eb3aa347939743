namespace Kai.Native;

/// <summary>What kind of failure a <see cref="KaiException"/> is; the module maps it to an ErrorCategory.</summary>
public enum KaiErrorKind
{
    InvalidArgument,
    InvalidData,
    ObjectNotFound,
    ResourceExists,
    PermissionDenied,
    NotInstalled,
    ResourceUnavailable,
    InvalidOperation,
    OperationTimeout,
    OperationStopped,
    SecurityError,
    WriteError,
    ConnectionError,
    AuthenticationError,
}

/// <summary>
/// A failure the user can cause or act on. <see cref="ErrorId"/> is stable (scripts match on it),
/// <see cref="Target"/> is what it is about (a path, a session name, a config field).
/// Messages never contain secret values.
/// </summary>
public class KaiException : Exception
{
    public KaiException(string errorId, KaiErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    public string ErrorId { get; }
    public KaiErrorKind Kind { get; }
    public object? Target { get; }
    /// <summary>An optional "what to do about it" line, shown as the ErrorRecord's recommended action.</summary>
    public string? RecommendedAction { get; init; }
}
