using System.Management.Automation;
using Kai.PowerShell.Tests.Hosting;

namespace Kai.PowerShell.Tests;

/// <summary>
/// The session tests share one xunit collection: the embedded host follows $env:KAI_DATA_DIR, which is
/// process-wide, so two session test classes must not run at the same time with different data directories.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SessionsCollection
{
    public const string Name = "Kai sessions (KAI_DATA_DIR is process-wide)";
}

/// <summary>
/// One temp root per test class: data/ (KAI_DATA_DIR, so the embedded host and its kai.db are this class's
/// own), ws/ (a workspace), and a runspace with the built module imported. Disposing removes every session
/// the class made (their shells end) and the temp root.
/// </summary>
public sealed class SessionsFixture : IDisposable
{
    public SessionsFixture()
    {
        Root = Directory.CreateTempSubdirectory("kai-sessions-").FullName;
        DataDirectory = Directory.CreateDirectory(Path.Combine(Root, "data")).FullName;
        Workspace = Directory.CreateDirectory(Path.Combine(Root, "ws")).FullName;
        Shell = new KaiShellHost(new Dictionary<string, string> { ["KAI_DATA_DIR"] = DataDirectory });
    }

    public string Root { get; }
    public string DataDirectory { get; }
    public string Workspace { get; }
    public KaiShellHost Shell { get; }

    /// <summary>The runspace behind <see cref="Shell"/>, for tests that drive a PowerShell of their own (BeginInvoke, Stop).</summary>
    public System.Management.Automation.Runspaces.Runspace Runspace =>
        (System.Management.Automation.Runspaces.Runspace)Shell.Run("[runspace]::DefaultRunspace").Single().BaseObject;

    /// <summary>Starts a session in <see cref="Workspace"/> (default sandbox: bubblewrap) and checks it started.</summary>
    public PSObject StartSession(string name, string extraArguments = "")
    {
        var started = Shell.Run($"Start-KaiSession -Name $args[0] -Workspace $args[1] {extraArguments}", name, Workspace);
        Assert.True(started.Errors.Count == 0, "Start-KaiSession failed: " + string.Join("\n", started.Errors));
        return started.Single();
    }

    /// <summary>Runs a command in a session and returns the ExecResult.</summary>
    public PSObject Invoke(string session, string command, string extraArguments = "")
    {
        var result = Shell.Run($"Invoke-KaiShell -Session $args[0] -Command $args[1] {extraArguments}", session, command);
        Assert.True(result.Errors.Count == 0, "Invoke-KaiShell failed: " + string.Join("\n", result.Errors));
        return result.Single();
    }

    public void Dispose()
    {
        try
        {
            Shell.Run("$env:KAI_DATA_DIR = $args[0]; Get-KaiSession | Remove-KaiSession -Confirm:$false", DataDirectory);
        }
        finally
        {
            Shell.Dispose();
            Directory.Delete(Root, recursive: true);
        }
    }
}

/// <summary>Reading results of the hosted engine without the Utility module.</summary>
internal static class PSObjects
{
    public static T Get<T>(this PSObject value, string property) =>
        (T)LanguagePrimitives.ConvertTo(value.Properties[property]?.Value, typeof(T));

    public static string Text(this PSObject value, string property) => value.Properties[property]?.Value?.ToString() ?? "";

    /// <summary>Host output without the ANSI styling the formatter adds to table headers.</summary>
    public static string WithoutAnsi(this string text) => System.Text.RegularExpressions.Regex.Replace(text, "\u001b\\[[0-9;]*m", "");

    /// <summary>The error's ErrorId, without the ",Command" suffix of the fully qualified id.</summary>
    public static string ErrorId(this ErrorRecord error) => error.FullyQualifiedErrorId.Split(',')[0];
}
