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
