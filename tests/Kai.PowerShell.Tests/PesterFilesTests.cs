using System.Management.Automation.Language;
using Kai.PowerShell.Tests.Hosting;

namespace Kai.PowerShell.Tests;

/// <summary>The Pester files (and build.ps1, examples) cannot run here, but they must parse.</summary>
public sealed class PesterFilesTests
{
    public static TheoryData<string> Scripts()
    {
        var data = new TheoryData<string>();
        var files = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "tests", "Pester"), "*.ps1")
            .Concat(Directory.EnumerateFiles(RepoPaths.Examples, "*.ps1"))
            .Append(Path.Combine(RepoPaths.Root, "build.ps1"));
        foreach (var file in files.Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(RepoPaths.Root, file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Script_parses_without_errors(string relativePath)
    {
        Parser.ParseFile(Path.Combine(RepoPaths.Root, relativePath), out _, out var errors);
        Assert.True(errors.Length == 0, string.Join("\n", errors.Select(e => $"{relativePath}:{e.Extent.StartLineNumber}: {e.Message}")));
    }
}
