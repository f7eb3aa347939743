using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using PS = System.Management.Automation.PowerShell;

namespace Kai.PowerShell.Tests.Hosting;

/// <summary>What one script run produced: objects, errors, and the other streams.</summary>
public sealed record ScriptResult(
    IReadOnlyList<PSObject> Output,
    IReadOnlyList<ErrorRecord> Errors,
    IReadOnlyList<string> Verbose,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<string> Debug,
    IReadOnlyList<string> Information,
    string HostOutput)
{
    public PSObject Single() => Assert.Single(Output);
    public T Value<T>() => (T)LanguagePrimitives.ConvertTo(Single().BaseObject, typeof(T));
    /// <summary>Every stream as one text, for "the secret appears nowhere" checks.</summary>
    public string AllText =>
        string.Join("\n", Output.Select(o => o?.ToString() ?? ""))
        + string.Join("\n", Errors.Select(e => e + " " + e.ErrorDetails?.Message + " " + e.Exception))
        + string.Join("\n", Verbose) + string.Join("\n", Warnings) + string.Join("\n", Debug) + string.Join("\n", Information)
        + HostOutput;
}

/// <summary>
/// A runspace of the real PowerShell engine (InitialSessionState.CreateDefault2) with the built
/// module imported from artifacts/Kai/Kai.psd1. One per test (runspaces are cheap, isolation is not).
/// </summary>
public sealed class KaiShellHost : IDisposable
{
    private readonly Runspace _runspace;

    public KaiShellHost(IDictionary<string, string>? environment = null, bool importModule = true)
    {
        Host = new TestHost();
        var state = InitialSessionState.CreateDefault2();
        if (environment is not null)
        {
            foreach (var (name, value) in environment)
                state.EnvironmentVariables.Add(new SessionStateVariableEntry(name, value, null));
        }
        _runspace = RunspaceFactory.CreateRunspace(Host, state);
        _runspace.Open();
        if (importModule)
        {
            var import = Run("Import-Module -Name $args[0] -ErrorAction Stop -PassThru", RepoPaths.ModuleManifest);
            if (import.Errors.Count > 0) throw new InvalidOperationException("Import-Module failed: " + import.Errors[0]);
        }
    }

    public TestHost Host { get; }

    /// <summary>Runs a script; positional arguments are available as $args.</summary>
    public ScriptResult Run(string script, params object?[] arguments) => Run(script, null, arguments);

    public ScriptResult Run(string script, IDictionary? variables, params object?[] arguments)
    {
        using var ps = PS.Create();
        ps.Runspace = _runspace;
        if (variables is not null)
        {
            foreach (DictionaryEntry entry in variables)
                _runspace.SessionStateProxy.SetVariable((string)entry.Key, entry.Value);
        }
        ps.AddScript(script);
        foreach (var argument in arguments) ps.AddArgument(argument);
        var before = Host.Console.Output.Length;
        Collection<PSObject> output;
        try
        {
            output = ps.Invoke();
        }
        catch (RuntimeException ex)
        {
            // A terminating error: report it like a non-terminating one so tests can assert on it.
            var errors = ps.Streams.Error.ToList();
            errors.Add(ex.ErrorRecord);
            return Collect(ps, new Collection<PSObject>(), errors, before);
        }
        return Collect(ps, output, ps.Streams.Error.ToList(), before);
    }

    private ScriptResult Collect(PS ps, Collection<PSObject> output, List<ErrorRecord> errors, int hostBefore) =>
        new(output.Where(o => o is not null).ToList(),
            errors,
            ps.Streams.Verbose.Select(v => v.Message).ToList(),
            ps.Streams.Warning.Select(v => v.Message).ToList(),
            ps.Streams.Debug.Select(v => v.Message).ToList(),
            ps.Streams.Information.Select(v => v.MessageData?.ToString() ?? "").ToList(),
            Host.Console.Output[hostBefore..]);

    public void Dispose() => _runspace.Dispose();
}
