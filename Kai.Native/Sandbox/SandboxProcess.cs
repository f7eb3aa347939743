using System.Text;

namespace Kai.Native.Sandbox;

/// <summary>What a short sandboxed run produced.</summary>
public sealed record SandboxRunResult(int ExitCode, string Output, string Error, bool TimedOut);

/// <summary>
/// Runs a <see cref="SandboxedCommand"/> to completion (the preflight probes, availability checks, tests). Started
/// with System.Diagnostics.Process, so no managed code runs between fork and exec; its environment is exactly
/// the command's (plus <c>extraEnvironment</c>, which the preflight uses to prove secrets in the launcher's own
/// environment do not reach the sandbox).
/// </summary>
public static class SandboxProcess
{
    /// <summary>
    /// Prepares <paramref name="spawn"/> under <paramref name="policy"/> and runs it to completion, starting again
    /// (with a fresh mount plan) when the host changed a mounted path while the sandbox was being built
    /// (<see cref="SandboxStartRetry"/>). Use it for anything that must know its command really ran in the sandbox.
    /// </summary>
    public static SandboxRunResult Run(ISandboxBackend backend, SandboxPolicy policy, SandboxSpawn spawn, string? standardInput = null,
        TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? extraEnvironment = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(spawn);
        return SandboxStartRetry.Run(
            () =>
            {
                using var command = backend.Prepare(policy, spawn with { SignalReady = true });
                var result = Run(command, standardInput, timeout, extraEnvironment);
                if (command.ReadyMarker is not { } marker) return (Result: result, Started: true);
                // The marker is the launcher's last word before the exec: present, the sandbox was built (remove it
                // from the command's stderr); absent, whatever is on stderr is the backend's setup error.
                var text = System.Text.Encoding.ASCII.GetString(marker);
                var at = result.Error.IndexOf(text, StringComparison.Ordinal);
                return at < 0
                    ? (Result: result, Started: false)
                    : (Result: result with { Error = result.Error.Remove(at, text.Length) }, Started: true);
            },
            attempt => attempt.Started ? null : attempt.Result.Error,
            _ => { },
            backend.Name).Result;
    }

    public static SandboxRunResult Run(SandboxedCommand command, string? standardInput = null, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? extraEnvironment = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        var start = SandboxSpawner.StartInfo(command);
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.StandardOutputEncoding = Encoding.UTF8;
        start.StandardErrorEncoding = Encoding.UTF8;
        if (extraEnvironment is not null)
            foreach (var (name, value) in extraEnvironment) start.Environment[name] = value;

        using var process = SandboxSpawner.Start(start);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            if (standardInput is not null) process.StandardInput.Write(standardInput);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The command exited without reading its input.
        }
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        var timedOut = !process.WaitForExit(limit);
        if (timedOut)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
            process.WaitForExit();
        }
        return new SandboxRunResult(timedOut ? -1 : process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult(), timedOut);
    }
}
