using System.Diagnostics;
using System.Text;

namespace Kai.Native.Platform;

/// <summary>What a finished child process left behind.</summary>
public sealed record ProcessOutput(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>stderr, else stdout, trimmed: the text worth showing when the command failed.</summary>
    public string Diagnostic => (StandardError.Trim().Length > 0 ? StandardError : StandardOutput).Trim();
}

/// <summary>
/// Runs a helper program (systemctl, visudo, dotnet …) to completion through System.Diagnostics.Process,
/// arguments as a list (never a shell string), output captured, with a timeout.
/// </summary>
public static class ProcessRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static ProcessOutput Run(string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string?>? environment = null, string? standardInput = null, CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        if (environment is not null)
        {
            foreach (var (name, value) in environment)
            {
                if (value is null) info.Environment.Remove(name);
                else info.Environment[name] = value;
            }
        }

        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new KaiException("CommandNotFound", KaiErrorKind.NotInstalled, $"Cannot run '{fileName}': {ex.Message}", fileName, ex);
        }

        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
            process.StandardInput.Close();
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout ?? DefaultTimeout);
        try
        {
            process.WaitForExitAsync(deadline.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
            cancellationToken.ThrowIfCancellationRequested();
            throw new KaiException("CommandTimedOut", KaiErrorKind.OperationTimeout,
                $"'{fileName} {string.Join(' ', info.ArgumentList)}' did not finish within {(timeout ?? DefaultTimeout).TotalSeconds:0} s.", fileName);
        }
        return new ProcessOutput(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    /// <summary>The first executable named <paramref name="name"/> on <paramref name="path"/> ($PATH when null), or null.</summary>
    public static string? FindOnPath(string name, string? path = null)
    {
        if (name.Contains('/')) return IsExecutableFile(name) ? name : null;
        path ??= Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        foreach (var directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Path.IsPathRooted(directory)) continue;
            var candidate = Path.Combine(directory, name);
            if (IsExecutableFile(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>The first of <paramref name="candidates"/> that is an executable file, else a PATH look-up of the last one's name.</summary>
    public static string? FindProgram(params string[] candidates)
    {
        foreach (var candidate in candidates)
            if (IsExecutableFile(candidate)) return candidate;
        return candidates.Length == 0 ? null : FindOnPath(Path.GetFileName(candidates[^1]));
    }

    public static bool IsExecutableFile(string path)
    {
        try
        {
            return File.Exists(path) && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
