namespace Kai.PowerShell.Tests.Hosting;

/// <summary>Finds the repository (the folder holding Kai.sln) and the built artefacts in it.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();
    public static string ModuleManifest => Path.Combine(Root, "artifacts", "Kai", "Kai.psd1");
    public static string ModuleDirectory => Path.Combine(Root, "artifacts", "Kai");
    public static string KaiExecutable => Path.Combine(Root, "artifacts", "bin", "kai");
    public static string Docs => Path.Combine(Root, "docs", "en-US");
    public static string Examples => Path.Combine(Root, "examples");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Kai.sln"))) return dir.FullName;
        throw new InvalidOperationException("Kai.sln not found above " + AppContext.BaseDirectory);
    }
}
