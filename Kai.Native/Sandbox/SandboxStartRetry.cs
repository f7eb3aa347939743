namespace Kai.Native.Sandbox;

/// <summary>
/// bubblewrap mounts the policy's paths one at a time while it builds a sandbox. A host that replaces one of them
/// at that moment — a rename over it: useradd rewriting /etc/shadow, an editor saving .env — or removes it makes
/// that mount fail ("Can't bind mount /oldroot/dev/null on /newroot/etc/shadow: … No such file or directory",
/// "Unable to find … in mount table"). Such a start is retried here, with a fresh mount plan each time and a short
/// backoff; when it keeps failing the start fails closed. Every sandbox start goes through <see cref="Run{T}"/>:
/// session shells, fresh and background commands (ShellProcess) and the preflight probes (SandboxProcess).
/// </summary>
public static class SandboxStartRetry
{
    public const int MaxAttempts = 4;
    private static readonly TimeSpan[] s_backoff = [TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(40), TimeSpan.FromMilliseconds(150)];

    // bwrap 0.8's setup errors about one path of the mount plan (src/bubblewrap.c, setup_newroot and friends).
    private static readonly string[] s_pathSetupErrors =
    [
        "Can't bind mount ", "in mount table", "Can't find source path ", "Can't create file at ", "Can't mkdir ",
        "Can't get type of source ", "Can't remount readonly on ", "Can't mount tmpfs on ",
    ];

    // What a path that vanished or changed between the plan and the mount looks like (not, say, "Permission denied").
    private static readonly string[] s_vanishedPath =
        ["No such file or directory", "in mount table", "Not a directory", "Read-only file system", "Stale file handle"];

    /// <summary>Whether a sandbox's setup failed on a path that the host may have been replacing at that moment.</summary>
    public static bool IsMountRace(string? setupError) =>
        setupError is not null && setupError.Contains("bwrap: ", StringComparison.Ordinal)
        && s_pathSetupErrors.Any(marker => setupError.Contains(marker, StringComparison.Ordinal))
        && s_vanishedPath.Any(cause => setupError.Contains(cause, StringComparison.Ordinal));

    /// <summary>
    /// Starts a sandbox with <paramref name="attempt"/> (which prepares afresh: a new mount plan each time) until it
    /// is built. <paramref name="setupError"/> returns the backend's error text when the sandbox could not be built,
    /// null when it was; only a mount race (<see cref="IsMountRace"/>) is retried, any other result is returned as
    /// it is. A race on every attempt throws SandboxStartFailed (fail closed: nothing ran).
    /// </summary>
    internal static T Run<T>(Func<T> attempt, Func<T, string?> setupError, Action<T> discard, string target, Action<TimeSpan>? sleep = null)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentNullException.ThrowIfNull(setupError);
        ArgumentNullException.ThrowIfNull(discard);
        for (var number = 1; ; number++)
        {
            var result = attempt();
            string? error;
            try
            {
                error = setupError(result);
            }
            catch
            {
                discard(result);
                throw;
            }
            if (!IsMountRace(error)) return result;
            discard(result);
            if (number >= MaxAttempts)
            {
                var why = error!.Trim();
                throw new KaiException("SandboxStartFailed", KaiErrorKind.ResourceUnavailable,
                    $"The sandbox could not be set up in {number} attempts: a path it hides or mounts kept changing on the host ({(why.Length > 500 ? why[..500] + "…" : why)}).",
                    target)
                { RecommendedAction = "Retry when whatever is rewriting that path on the host (a package install, useradd, an editor) has finished." };
            }
            (sleep ?? Thread.Sleep)(s_backoff[Math.Min(number - 1, s_backoff.Length - 1)]);
        }
    }
}
