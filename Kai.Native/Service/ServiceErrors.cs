using System.Net;

namespace Kai.Native.Service;

/// <summary>One mapping, both directions: engine failure kinds ↔ HTTP status codes.</summary>
public static class ServiceErrors
{
    public static int StatusCode(KaiErrorKind kind) => kind switch
    {
        KaiErrorKind.InvalidArgument or KaiErrorKind.InvalidData => 400,
        KaiErrorKind.AuthenticationError => 401,
        KaiErrorKind.PermissionDenied or KaiErrorKind.SecurityError => 403,
        KaiErrorKind.ObjectNotFound => 404,
        KaiErrorKind.ResourceExists or KaiErrorKind.InvalidOperation => 409,
        KaiErrorKind.OperationTimeout => 504,
        KaiErrorKind.ResourceUnavailable or KaiErrorKind.NotInstalled or KaiErrorKind.OperationStopped => 503,
        KaiErrorKind.ConnectionError => 502,
        _ => 500,
    };

    /// <summary>The kind a bare status means, for errors whose body is not ours (a proxy, a crash).</summary>
    public static KaiErrorKind KindOf(HttpStatusCode status) => (int)status switch
    {
        400 or 413 or 415 => KaiErrorKind.InvalidArgument,
        401 => KaiErrorKind.AuthenticationError,
        403 => KaiErrorKind.PermissionDenied,
        404 => KaiErrorKind.ObjectNotFound,
        409 => KaiErrorKind.InvalidOperation,
        429 => KaiErrorKind.ResourceUnavailable,
        503 => KaiErrorKind.ResourceUnavailable,
        504 => KaiErrorKind.OperationTimeout,
        _ => KaiErrorKind.ConnectionError,
    };

    public static ServiceError ToError(KaiException exception) =>
        new(exception.ErrorId, exception.Message, exception.Target?.ToString(), exception.Kind, exception.RecommendedAction);

    public static KaiException ToException(ServiceError error) =>
        new(error.ErrorId, error.Kind, error.Message, error.Target) { RecommendedAction = error.RecommendedAction };
}
