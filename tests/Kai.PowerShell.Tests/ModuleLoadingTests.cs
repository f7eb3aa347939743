using Kai.PowerShell.Tests.Hosting;

namespace Kai.PowerShell.Tests;

public sealed class ModuleLoadingTests
{
    private static readonly string ReadManifest =
        "& ([scriptblock]::Create([System.IO.File]::ReadAllText('" + RepoPaths.ModuleManifest + "')))";

    [Fact]
    public void Manifest_declares_core_edition_version_and_no_third_party_assemblies()
    {
        using var host = new KaiShellHost(importModule: false);
        // Import-PowerShellDataFile lives in Utility (absent in this engine): evaluate the data file directly.
        var result = host.Run(ReadManifest);
        Assert.Empty(result.Errors);
        var manifest = (System.Collections.Hashtable)result.Single().BaseObject;
        Assert.Equal("Kai.PowerShell.dll", manifest["RootModule"]);
        Assert.Equal("7.4", manifest["PowerShellVersion"]);
        Assert.Equal(new object[] { "Core" }, (object[])manifest["CompatiblePSEditions"]!);
        Assert.False(manifest.ContainsKey("RequiredAssemblies"));
        Assert.False(manifest.ContainsKey("NestedModules"));
    }

    [Fact]
    public void Import_exports_exactly_the_manifest_cmdlets_and_each_one_exists()
    {
        using var host = new KaiShellHost();
        var declared = host.Run("(Get-Module Kai).ExportedCmdlets.Keys");
        var manifestList = host.Run("(" + ReadManifest + ").CmdletsToExport");
        Assert.Empty(manifestList.Errors);
        Assert.Equal(manifestList.Output.Select(o => o.ToString()).Order(), declared.Output.Select(o => o.ToString()).Order());
        Assert.NotEmpty(declared.Output);
    }

    [Fact]
    public void Engine_and_third_party_assemblies_load_in_the_module_context_not_the_default_one()
    {
        using var host = new KaiShellHost();
        var result = host.Run("""
            $null = (Get-Command -Module Kai)[0].ImplementingType
            $null = [Kai.PowerShell.Cmdlets.KaiCmdlet].GetMethod('WriteKaiError', [System.Reflection.BindingFlags]'Instance,NonPublic').GetParameters()
            [System.AppDomain]::CurrentDomain.GetAssemblies() |
                Where-Object { $_.GetName().Name -in 'Kai.Native', 'YamlDotNet', 'Microsoft.Data.Sqlite', 'Kai.PowerShell' } |
                ForEach-Object { '{0}={1}' -f $_.GetName().Name, [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name }
            """);
        Assert.Empty(result.Errors);
        var contexts = result.Output.Select(o => o.ToString()).ToList();
        Assert.Contains("Kai.PowerShell=Default", contexts);
        Assert.DoesNotContain(contexts, c => c.StartsWith("Kai.Native=Default", StringComparison.Ordinal));
    }

    [Fact]
    public void Sqlite_native_library_and_yaml_resolve_from_the_module_folder()
    {
        using var host = new KaiShellHost();
        // Reach the module's own load context the way a cmdlet would, and use SQLite (native e_sqlite3)
        // and YamlDotNet from it. Out of the box this fails with "cannot open libe_sqlite3.so".
        var result = host.Run("""
            $asm = [System.AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Kai.PowerShell' }
            $type = $asm.GetType('Kai.PowerShell.Loading.KaiLoadContext')
            $alc = $type.GetProperty('Instance', [System.Reflection.BindingFlags]'Static,NonPublic,Public').GetValue($null)
            $sqlite = $alc.LoadFromAssemblyName([System.Reflection.AssemblyName]::new('Microsoft.Data.Sqlite'))
            $connection = [System.Activator]::CreateInstance($sqlite.GetType('Microsoft.Data.Sqlite.SqliteConnection'), @('Data Source=:memory:'))
            $connection.Open()
            $command = $connection.CreateCommand()
            $command.CommandText = 'select sqlite_version()'
            'sqlite=' + $command.ExecuteScalar()
            $connection.Dispose()
            $yaml = $alc.LoadFromAssemblyName([System.Reflection.AssemblyName]::new('YamlDotNet'))
            $stream = $yaml.GetType('YamlDotNet.RepresentationModel.YamlStream')
            $doc = [System.Activator]::CreateInstance($stream)
            $doc.Load([System.IO.StringReader]::new("users:`n  - name: alice`n    os_user: alice`n"))
            'yaml=' + $doc.Documents[0].RootNode.Children.Count
            [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($sqlite).Name
            """);
        Assert.Empty(result.Errors);
        var lines = result.Output.Select(o => o.ToString()).ToList();
        Assert.Matches(@"^sqlite=3\.\d+\.\d+$", lines[0]);
        Assert.Equal("yaml=1", lines[1]);
        Assert.Equal("KaiLoadContext", lines[2]);
    }
}

public sealed class ModuleLayoutTests
{
    [Fact]
    public void Module_folder_holds_engine_and_dependencies_apart_from_the_cmdlet_assembly()
    {
        var module = RepoPaths.ModuleDirectory;
        var dependencies = Path.Combine(module, "Dependencies");
        Assert.True(File.Exists(Path.Combine(module, "Kai.PowerShell.dll")));
        Assert.False(File.Exists(Path.Combine(module, "Kai.Native.dll")), "the engine must not sit beside the cmdlets (default load context)");
        foreach (var assembly in new[] { "Kai.Native.dll", "Microsoft.Data.Sqlite.dll", "SQLitePCLRaw.core.dll", "YamlDotNet.dll" })
            Assert.True(File.Exists(Path.Combine(dependencies, assembly)), assembly + " missing from Dependencies/");
        // The reference assembly we compile against must never ship: pwsh provides the real engine.
        Assert.False(File.Exists(Path.Combine(dependencies, "System.Management.Automation.dll")));
        Assert.True(File.Exists(Path.Combine(dependencies, "runtimes", "linux-x64", "native", "libe_sqlite3.so")));
        Assert.True(File.Exists(Path.Combine(dependencies, "runtimes", "osx-arm64", "native", "libe_sqlite3.dylib")));
        Assert.True(File.Exists(Path.Combine(module, "en-US", "Kai.PowerShell.dll-Help.xml")));
        Assert.True(File.Exists(RepoPaths.KaiExecutable), "artifacts/bin/kai missing");
    }
}
