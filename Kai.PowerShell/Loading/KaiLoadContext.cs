using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace Kai.PowerShell.Loading;

/// <summary>
/// The module's own load context: Kai.Native and every third-party assembly (Microsoft.Data.Sqlite,
/// SQLitePCLRaw, YamlDotNet, …) load from Dependencies/ here, so they never clash with versions another
/// module or pwsh itself has loaded, and native libraries (e_sqlite3) resolve from
/// Dependencies/runtimes/&lt;rid&gt;/native instead of the host's probing paths.
/// </summary>
internal sealed class KaiLoadContext : AssemblyLoadContext
{
    private static readonly Lazy<KaiLoadContext> s_instance = new(() =>
        new KaiLoadContext(Path.Combine(Path.GetDirectoryName(typeof(KaiLoadContext).Assembly.Location)!, "Dependencies")));

    private readonly string _dependencyDirectory;
    private readonly string[] _nativeDirectories;

    private KaiLoadContext(string dependencyDirectory)
        : base(nameof(KaiLoadContext), isCollectible: false)
    {
        _dependencyDirectory = dependencyDirectory;
        _nativeDirectories = NativeRuntimeIdentifiers()
            .Select(rid => Path.Combine(dependencyDirectory, "runtimes", rid, "native"))
            .Where(Directory.Exists)
            .ToArray();
    }

    public static KaiLoadContext Instance => s_instance.Value;

    public string DependencyDirectory => _dependencyDirectory;

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // Our own copies win; anything else (the framework, System.Management.Automation) comes from the host.
        var candidate = Path.Combine(_dependencyDirectory, assemblyName.Name + ".dll");
        return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        foreach (var directory in _nativeDirectories)
        {
            foreach (var fileName in NativeFileNames(unmanagedDllName))
            {
                var path = Path.Combine(directory, fileName);
                if (File.Exists(path)) return LoadUnmanagedDllFromPath(path);
            }
        }
        return IntPtr.Zero; // fall back to the default search (libc and friends)
    }

    private static IEnumerable<string> NativeFileNames(string name)
    {
        if (Path.HasExtension(name) && (name.EndsWith(".so", StringComparison.Ordinal) || name.EndsWith(".dylib", StringComparison.Ordinal)))
        {
            yield return name;
            yield break;
        }
        var extension = OperatingSystem.IsMacOS() ? ".dylib" : ".so";
        yield return "lib" + name + extension;
        yield return name + extension;
    }

    /// <summary>Most specific first: e.g. linux-musl-x64 on Alpine, linux-x64 elsewhere.</summary>
    internal static IEnumerable<string> NativeRuntimeIdentifiers()
    {
        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        if (OperatingSystem.IsMacOS())
        {
            yield return $"osx-{arch}";
            yield break;
        }
        if (IsMusl()) yield return $"linux-musl-{arch}";
        yield return $"linux-{arch}";
    }

    private static bool IsMusl() =>
        Directory.Exists("/lib") && Directory.EnumerateFiles("/lib", "ld-musl-*").Any();
}
