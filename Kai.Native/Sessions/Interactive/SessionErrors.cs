namespace Kai.Native.Sessions.Interactive;

/// <summary>Session failures raised outside the host (interactive loops, the CLI).</summary>
public static class SessionErrors
{
    /// <summary>Same ErrorId the hosts use for an unknown session, so scripts match one id.</summary>
    public const string NotFoundId = "SessionNotFound";

    public static KaiException NotFound(string session) =>
        new(NotFoundId, KaiErrorKind.ObjectNotFound, $"There is no session named '{session}'.", session)
        {
            RecommendedAction = "List sessions with Get-KaiSession, or start one with Start-KaiSession.",
        };
}
