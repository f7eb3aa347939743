using Kai.PowerShell.Tests.Hosting;

namespace Kai.PowerShell.Tests;

/// <summary>Every exported cmdlet ships MAML help: synopsis, every parameter described, an example.</summary>
public sealed class HelpTests
{
    public static TheoryData<string> ExportedCmdlets()
    {
        using var host = new KaiShellHost();
        var data = new TheoryData<string>();
        foreach (var name in host.Run("(Get-Module Kai).ExportedCmdlets.Keys").Output.Select(o => o.ToString()).Order())
            data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(ExportedCmdlets))]
    public void Get_Help_Full_has_synopsis_every_parameter_and_examples(string cmdlet)
    {
        using var host = new KaiShellHost();
        var help = host.Run("""
                $h = Get-Help -Name $args[0] -Full
                [pscustomobject]@{
                    Synopsis = [string]$h.Synopsis
                    Described = @($h.parameters.parameter | Where-Object { ($_.description | ForEach-Object Text) -join '' } | ForEach-Object name)
                    Examples = @($h.examples.example).Count
                    ExampleCode = @($h.examples.example | ForEach-Object code) -join "`n"
                }
                """, cmdlet);
        Assert.Empty(help.Errors);
        var info = help.Single();
        var synopsis = info.Properties["Synopsis"].Value.ToString()!;
        Assert.False(string.IsNullOrWhiteSpace(synopsis), $"{cmdlet}: empty synopsis");
        // Without MAML, PowerShell makes up a synopsis from the syntax line.
        Assert.False(synopsis.StartsWith(cmdlet, StringComparison.OrdinalIgnoreCase), $"{cmdlet}: no MAML help (synopsis is the generated syntax)");
        Assert.True((int)info.Properties["Examples"].Value >= 1, $"{cmdlet}: no examples");
        Assert.Contains(cmdlet, info.Properties["ExampleCode"].Value.ToString());

        var declared = host.Run("""
            (Get-Command -Name $args[0]).Parameters.Keys |
                Where-Object { $_ -notin [System.Management.Automation.PSCmdlet]::CommonParameters -and $_ -ne 'UseTransaction' }
            """, cmdlet).Output.Select(o => o.ToString()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var described = ((object[])info.Properties["Described"].Value).Select(o => o.ToString()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var missing = declared.Except(described).Order().ToList();
        Assert.True(missing.Count == 0, $"{cmdlet}: parameters without help: {string.Join(", ", missing)}");
        var stale = described.Except(declared).Order().ToList();
        Assert.True(stale.Count == 0, $"{cmdlet}: help documents parameters the cmdlet does not have: {string.Join(", ", stale)}");
    }

    [Fact]
    public void About_topic_ships()
    {
        using var host = new KaiShellHost();
        Assert.True(File.Exists(Path.Combine(RepoPaths.ModuleDirectory, "en-US", "about_Kai.help.txt")));
        var result = host.Run("Get-Help about_Kai");
        Assert.Empty(result.Errors);
        Assert.Contains("Kai", string.Join("\n", result.Output.Select(o => o.ToString())));
    }
}
