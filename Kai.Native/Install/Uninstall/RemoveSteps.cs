using Kai.Native.Platform.Services;

namespace Kai.Native.Install;

/// <summary>Removes one file (or, when asked, a whole directory) if it is there.</summary>
public sealed class RemovePathStep(string name, string path, string what, bool recursive = false)
    : InstallStep(name, path, recursive ? $"Remove {what} and everything in it" : $"Remove {what}")
{
    public override StepState Test(InstallContext context) =>
        Path.Exists(Target) || PathState.IsSymlink(Target) ? StepState.Change("present") : StepState.Ok("absent");

    public override string Apply(InstallContext context)
    {
        RefuseShallow(Target);
        if (Directory.Exists(Target) && !PathState.IsSymlink(Target))
        {
            if (!recursive && Directory.EnumerateFileSystemEntries(Target).Any())
                return "kept: not empty";
            Directory.Delete(Target, recursive);
        }
        else
        {
            File.Delete(Target);
        }
        return "removed";
    }

    /// <summary>Never remove "/" or a top-level directory, whatever a config says.</summary>
    internal static void RefuseShallow(string path)
    {
        var full = Path.GetFullPath(path).TrimEnd('/');
        if (full.Count(c => c == '/') < 2)
            throw new KaiException("UnsafePath", KaiErrorKind.SecurityError, $"Refusing to remove '{path}': too close to the filesystem root.", path);
    }
}

/// <summary>
/// Removes what the installer put into the install tree (the files its manifests list, the files it generated),
/// keeps home/ (the inner Claude's workspace, data) unless asked, and leaves anything else alone. The directory
/// itself goes only when nothing is left in it.
/// </summary>
public sealed class RemoveInstallTreeStep(string installDirectory, IReadOnlyList<string> manifests, IReadOnlyList<string> generated, string home, bool removeHome)
    : InstallStep("RemoveInstallTree", installDirectory, removeHome ? "Remove the installed files and home/" : "Remove the installed files (home/ is kept)")
{
    public override StepState Test(InstallContext context)
    {
        if (!Directory.Exists(Target)) return StepState.Ok("absent");
        var left = manifests.Concat(generated).Where(File.Exists).ToList();
        if (removeHome && Directory.Exists(home)) left.Add(home);
        if (left.Count > 0) return StepState.Change($"{left.Count} installed item(s) present");
        return Directory.EnumerateFileSystemEntries(Target).Any() ? StepState.Ok("only data or foreign files left") : StepState.Change("empty install directory present");
    }

    public override string Apply(InstallContext context)
    {
        RemovePathStep.RefuseShallow(Target);
        int removed = 0;
        foreach (var manifestPath in manifests)
        {
            var manifest = PayloadManifest.TryLoad(manifestPath);
            if (manifest is null) continue;
            var root = Path.GetDirectoryName(manifestPath)!;
            // The models manifest sits beside the tree it lists (install/models).
            if (Path.GetFileName(manifestPath) == InstallLayout.ModelsManifestFileName) root = Path.Combine(root, "models");
            foreach (var file in manifest.Files)
            {
                var path = Path.Combine(root, file.Path);
                if (!File.Exists(path) && !PathState.IsSymlink(path)) continue;
                File.Delete(path);
                removed++;
            }
            foreach (var directory in manifest.Directories.OrderByDescending(d => d.Length).Select(d => Path.Combine(root, d)).Append(root == Target ? null : root))
            {
                if (directory is not null && Directory.Exists(directory) && !Directory.EnumerateFileSystemEntries(directory).Any()) Directory.Delete(directory);
            }
        }
        foreach (var file in generated.Concat(manifests).Where(File.Exists))
        {
            File.Delete(file);
            removed++;
        }
        var kept = "";
        if (Directory.Exists(home))
        {
            if (removeHome) Directory.Delete(home, recursive: true);
            else kept = "; home/ kept";
        }
        if (Directory.Exists(Target) && !Directory.EnumerateFileSystemEntries(Target).Any()) Directory.Delete(Target);
        else if (Directory.Exists(Target) && kept.Length == 0) kept = "; foreign files kept";
        return $"{removed} file(s) removed{kept}";
    }
}

/// <summary>Stops the service and removes it from boot.</summary>
public sealed class DisableServiceStep(string serviceName)
    : InstallStep("DisableService", serviceName, "Stop the service and disable it at boot")
{
    public override bool ControlsService => true;

    public override StepState Test(InstallContext context)
    {
        var manager = context.ServiceManager;
        if (manager.UnavailableReason is { } reason) return StepState.Skip(reason);
        var status = manager.GetStatus();
        return status.State is ServiceRunState.NotLoaded || (status.State is ServiceRunState.Stopped or ServiceRunState.Failed && !status.Enabled)
            ? StepState.Ok($"not running, not enabled ({status})")
            : StepState.Change(status.ToString());
    }

    public override string Apply(InstallContext context)
    {
        context.ServiceManager.Disable();
        return "stopped and disabled";
    }
}
