using System.Diagnostics;
using Kai.PowerShell.Tests.Hosting;

namespace Kai.PowerShell.Tests;

/// <summary>A real system user, a stage directory and an install.conf for one hosted install test; all removed on dispose.</summary>
public sealed class InstallScenario : IDisposable
{
    public const string BotToken = "123456:HOSTED-token-value-q9z";
    public const string ApiSecret = "HOSTED-api-secret-value-0123456789";

    public InstallScenario(string? serviceUser = null)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("kai-hosted-install-").FullName;
        Stage = Path.Combine(Directory, "stage");
        if (serviceUser is null)
        {
            UserName = "kaitest" + Guid.NewGuid().ToString("N")[..8];
            Run("useradd", "-r", "-M", "-d", "/nonexistent", "-s", "/usr/sbin/nologin", UserName);
            _createdUser = true;
        }
        else
        {
            UserName = serviceUser;
        }
        ConfigPath = Path.Combine(Directory, "install.conf");
        var json = File.ReadAllText(Path.Combine(RepoPaths.Examples, "install.conf"))
            .Replace("\"serviceUser\": \"kai\"", $"\"serviceUser\": \"{UserName}\"")
            .Replace("123456:EXAMPLE-not-a-real-token", BotToken)
            .Replace("EXAMPLE-api-secret-not-for-production", ApiSecret);
        File.WriteAllText(ConfigPath, json);
        File.SetUnixFileMode(ConfigPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private readonly bool _createdUser;
    public string Directory { get; }
    public string Stage { get; }
    public string UserName { get; }
    public string ConfigPath { get; }
    public string this[string relative] => Path.Combine(Stage, relative);

    public static string Run(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} failed: {output}");
        return output;
    }

    /// <summary>"owner:group mode" as stat prints it.</summary>
    public static string Describe(string path) => Run("stat", "-c", "%U:%G %a", path).Trim();

    public void Dispose()
    {
        if (_createdUser)
        {
            try
            {
                Run("userdel", UserName);
            }
            catch (InvalidOperationException)
            {
            }
        }
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
