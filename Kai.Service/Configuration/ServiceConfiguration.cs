using System.Net;
using Kai.Native;
using Kai.Native.IO;
using Kai.Native.Install;
using Kai.Native.Service;

namespace Kai.Service.Configuration;

/// <summary>Everything `kai serve` needs, validated: paths, listeners, the API secret and the secrets to redact.</summary>
public sealed record ServiceConfiguration
{
    public required string DataDirectory { get; init; }
    public required Secret ApiSecret { get; init; }
    /// <summary>TCP listener; null when WEBHOOK_PORT is 0 (Unix socket only).</summary>
    public IPEndPoint? TcpEndpoint { get; init; }
    /// <summary>Where the secrets came from ("KAI_ENV_FILE /x/env", "systemd credential", "sudo cat /etc/kai/env").</summary>
    public required string SecretsSource { get; init; }
    /// <summary>Every secret value from the env file: redacted from logs, transcripts, audit and errors.</summary>
    public IReadOnlyList<Secret> Secrets { get; init; } = Array.Empty<Secret>();
    /// <summary>The full env (secrets included) for the few consumers that need it; never logged.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    /// <summary>approvals.yaml in use, if any.</summary>
    public string? ApprovalPolicyPath { get; init; }
    public int MaxRequestBodyBytes { get; init; } = 1024 * 1024;

    public string SocketPath => ServicePaths.SocketPath(DataDirectory);
    public string LogsDirectory => Path.Combine(DataDirectory, "logs");
    public string DatabasePath => Path.Combine(DataDirectory, "kai.db");
}

/// <summary>A configuration `kai serve` refuses to start with: one clear line.</summary>
public sealed class ServiceConfigurationException(string message, string? target = null)
    : KaiException("ServiceConfigInvalid", KaiErrorKind.InvalidData, message, target);

/// <summary>
/// Reads the configuration from the installed layout: KAI_DATA_DIR, and the secrets from KAI_ENV_FILE
/// (development), else $CREDENTIALS_DIRECTORY/env (systemd LoadCredential=env:/etc/kai/env), else
/// `sudo -n cat /etc/kai/env` (the targeted NOPASSWD rule the installer wrote).
/// </summary>
public static class ServiceConfigurationLoader
{
    public const string EnvFileVariable = "KAI_ENV_FILE";
    public const string SystemEnvFile = "/etc/kai/env";
    public const int MinimumSecretLength = 16;

    public static ServiceConfiguration Load(Func<string, string?> environment, string? dataDirectoryOverride = null, string? envFileOverride = null)
    {
        var (text, source, sourceName) = ReadSecrets(environment, envFileOverride);
        var values = EnvFile.Parse(text, sourceName);
        return Build(values, source, environment, dataDirectoryOverride);
    }

    internal static ServiceConfiguration Build(IReadOnlyDictionary<string, string> values, string source, Func<string, string?> environment, string? dataDirectoryOverride)
    {
        string? Value(string key) => values.TryGetValue(key, out var v) && v.Length > 0 ? v : null;

        string dataDirectory;
        if (dataDirectoryOverride is { Length: > 0 }) dataDirectory = dataDirectoryOverride;
        else if (environment(EnvKeys.DataDirectory) is { Length: > 0 } fromProcess) dataDirectory = fromProcess;
        else if (Value(EnvKeys.DataDirectory) is { } fromFile)
        {
            if (!Path.IsPathRooted(fromFile))
                throw new ServiceConfigurationException($"{source}: {EnvKeys.DataDirectory} must be an absolute path, not '{fromFile}'.", EnvKeys.DataDirectory);
            dataDirectory = fromFile;
        }
        else dataDirectory = ServicePaths.SystemDataDirectory;
        dataDirectory = Path.GetFullPath(dataDirectory);

        var secretText = Value(EnvKeys.ApiSecret)
            ?? throw new ServiceConfigurationException($"{source}: {EnvKeys.ApiSecret} is missing or empty; the API cannot be protected without it.", EnvKeys.ApiSecret);
        if (secretText.Length < MinimumSecretLength)
            throw new ServiceConfigurationException($"{source}: {EnvKeys.ApiSecret} is too short ({secretText.Length} characters, at least {MinimumSecretLength} needed).", EnvKeys.ApiSecret);

        var portText = Value(EnvKeys.ApiPort) ?? "8080";
        if (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port > 65535)
            throw new ServiceConfigurationException($"{source}: {EnvKeys.ApiPort} must be a port number 0-65535, not '{portText}'.", EnvKeys.ApiPort);
        var bindText = Value(EnvKeys.ApiBind) ?? "127.0.0.1";
        if (!IPAddress.TryParse(bindText, out var bind))
            throw new ServiceConfigurationException($"{source}: {EnvKeys.ApiBind} must be an IP address, not '{bindText}'.", EnvKeys.ApiBind);

        var secrets = values
            .Where(kv => EnvKeys.Secrets.Contains(kv.Key) && kv.Value.Length > 0)
            .Select(kv => new Secret(kv.Value))
            .ToList();

        return new ServiceConfiguration
        {
            DataDirectory = dataDirectory,
            ApiSecret = new Secret(secretText),
            TcpEndpoint = port == 0 ? null : new IPEndPoint(bind, port),
            SecretsSource = source,
            Secrets = secrets,
            Environment = values,
            ApprovalPolicyPath = FindApprovalPolicy(environment, dataDirectory),
        };
    }

    /// <summary>KAI_APPROVALS_FILE, else /etc/kai/approvals.yaml (root-owned wins), else &lt;data&gt;/approvals.yaml.</summary>
    private static string? FindApprovalPolicy(Func<string, string?> environment, string dataDirectory)
    {
        if (environment("KAI_APPROVALS_FILE") is { Length: > 0 } explicitPath)
        {
            var full = Path.GetFullPath(explicitPath);
            if (!File.Exists(full)) throw new ServiceConfigurationException($"KAI_APPROVALS_FILE: '{full}' does not exist.", full);
            return full;
        }
        foreach (var candidate in new[] { "/etc/kai/approvals.yaml", Path.Combine(dataDirectory, "approvals.yaml") })
            if (File.Exists(candidate)) return candidate;
        return null;
    }

    private static (string Text, string Source, string SourceName) ReadSecrets(Func<string, string?> environment, string? envFileOverride)
    {
        var envFile = envFileOverride ?? environment(EnvFileVariable);
        if (!string.IsNullOrEmpty(envFile))
        {
            var full = Path.GetFullPath(envFile);
            return (ReadFile(full, EnvFileVariable), $"{EnvFileVariable} {full}", full);
        }
        if (environment("CREDENTIALS_DIRECTORY") is { Length: > 0 } credentials)
        {
            var path = Path.Combine(credentials, "env");
            if (File.Exists(path)) return (ReadFile(path, "systemd credential"), "systemd credential env", path);
        }
        return (SudoCat(), $"sudo cat {SystemEnvFile}", SystemEnvFile);
    }

    private static string ReadFile(string path, string what)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ServiceConfigurationException($"{what}: cannot read '{path}': {ex.Message}", path);
        }
    }

    /// <summary>The service user cannot read /etc/kai/env; the installer's sudoers rule lets it `sudo -n cat` exactly that file.</summary>
    private static string SudoCat()
    {
        var start = new System.Diagnostics.ProcessStartInfo("sudo")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-n", "cat", SystemEnvFile }) start.ArgumentList.Add(a);
        try
        {
            using var process = System.Diagnostics.Process.Start(start)!;
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(15_000))
            {
                process.Kill(entireProcessTree: true);
                throw new ServiceConfigurationException($"`sudo -n cat {SystemEnvFile}` did not finish within 15 s.", SystemEnvFile);
            }
            if (process.ExitCode != 0)
            {
                var why = stderr.Result.Trim().Split('\n').FirstOrDefault() ?? "";
                throw new ServiceConfigurationException(
                    $"Cannot read secrets: `sudo -n cat {SystemEnvFile}` failed ({why.Trim()}); set {EnvFileVariable} for development, or re-run Install-Kai to restore the sudoers rule.", SystemEnvFile);
            }
            return stdout.Result;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new ServiceConfigurationException($"Cannot read secrets: sudo is not available ({ex.Message}); set {EnvFileVariable} for development.", SystemEnvFile);
        }
    }
}
