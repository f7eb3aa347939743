using Kai.Native;
using Kai.Native.Platform;
using Kai.Service.Audit;
using Kai.Native.Service;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kai.Service.Api;

/// <summary>
/// Every /api/* and /webhook/* request: (1) on the Unix socket, the kernel-reported peer must be root, the
/// service's own user, or in the socket's group (defence in depth behind the socket's 0660 mode);
/// (2) `Authorization: Bearer` must equal the API secret, or on the socket only the per-boot socket token
/// (both compared in constant time); (3) repeated failures lock the client out (429 + Retry-After).
/// Failures are audited; the secret never is.
/// </summary>
public sealed class AuthenticationMiddleware(RequestDelegate next, ApiCredentials credentials, AuthThrottle throttle, AuditLog audit, ILogger<AuthenticationMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (!path.StartsWithSegments("/api") && !path.StartsWithSegments("/webhook"))
        {
            await next(context);
            return;
        }
        var caller = Caller.Of(context);

        if (caller.IsUnixSocket && !credentials.MayUseSocket(caller.Peer))
        {
            audit.Append(AuditKinds.SocketRejected, caller.Actor, $"{context.Request.Method} {path}: not root, the service user or in the socket's group");
            await ApiResults.WriteErrorAsync(context, StatusCodes.Status403Forbidden, new KaiException("SocketPermissionDenied", KaiErrorKind.PermissionDenied,
                "This account may not use the Kai service socket: only root, the service user and the socket's group may.", credentials.SocketPath));
            return;
        }

        var key = caller.ThrottleKey;
        if (throttle.LockedFor(key) is { } wait)
        {
            await WriteThrottledAsync(context, wait);
            return;
        }

        if (!credentials.Accepts(ReadBearer(context), caller.IsUnixSocket))
        {
            var lockout = throttle.Fail(key);
            var why = context.Request.Headers.Authorization.Count == 0 ? "no Authorization header" : "wrong secret";
            audit.Append(AuditKinds.AuthFailure, caller.Actor, $"{context.Request.Method} {path}: {why}");
            logger.LogWarning("authentication failed for {Caller} ({Why})", caller.Actor, why);
            if (lockout is { } locked)
            {
                audit.Append(AuditKinds.AuthThrottled, caller.Actor, $"locked out for {locked.TotalSeconds:0} s after {AuthThrottle.Threshold} failures");
                await WriteThrottledAsync(context, locked);
                return;
            }
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"kai\"";
            await ApiResults.WriteErrorAsync(context, StatusCodes.Status401Unauthorized, new KaiException("ServiceAuthenticationFailed", KaiErrorKind.AuthenticationError,
                "The Kai service refused the credentials: send the API secret as 'Authorization: Bearer <secret>'.", path.Value));
            return;
        }
        throttle.Succeed(key);
        await next(context);
    }

    private static string? ReadBearer(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        return header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : null;
    }

    private static Task WriteThrottledAsync(HttpContext context, TimeSpan wait)
    {
        var seconds = (int)Math.Ceiling(wait.TotalSeconds);
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return ApiResults.WriteErrorAsync(context, StatusCodes.Status429TooManyRequests, new KaiException("ServiceAuthenticationThrottled", KaiErrorKind.ResourceUnavailable,
            $"Too many failed authentication attempts: try again in {seconds} s.", context.Request.Path.Value));
    }
}

/// <summary>The secrets the API accepts, and who may use the socket.</summary>
public sealed class ApiCredentials(Secret apiSecret, Secret socketToken, string socketPath, uint serviceUid, uint socketGid)
{
    public string SocketPath { get; } = socketPath;
    public Secret SocketToken { get; } = socketToken;

    public bool Accepts(string? bearer, bool onUnixSocket)
    {
        if (bearer is null) return false;
        // Evaluate both comparisons always: no timing difference between "close to the secret" and "close to the token".
        var secretMatches = Secret.FixedTimeEquals(bearer, apiSecret.Reveal());
        var tokenMatches = Secret.FixedTimeEquals(bearer, SocketToken.Reveal());
        return secretMatches | (onUnixSocket & tokenMatches);
    }

    public bool MayUseSocket(PeerCredentials? peer)
    {
        if (peer is null) return false;
        if (peer.UserId == 0 || peer.UserId == serviceUid || peer.GroupId == socketGid) return true;
        var user = UnixAccounts.FindUser(peer.UserId);
        return user is not null && UnixAccounts.GroupIds(user).Contains(socketGid);
    }
}
