using Kai.Native.IO;
using Kai.Native.Platform;

namespace Kai.Native.Install;

/// <summary>
/// Copies a payload (the Kai distribution, or its models/) into the install tree, root-owned, files 0644/0755,
/// directories 0755. A manifest beside the tree lists what the installer put there: files that left the
/// payload are removed, nothing it did not install is ever touched. The union of old and new manifest is
/// written before copying, so a run killed half-way is finished (and cleaned up) by the next one.
/// </summary>
public sealed class CopyTreeStep(string name, string source, string destination, string manifestPath, Func<PayloadManifest> payload, string what)
    : InstallStep(name, destination, $"Copy {what} from {source} (root:root, files 0644/0755)")
{
    private static readonly UnixFileMode DirectoryMode = (UnixFileMode)0b111_101_101;

    public string Source { get; } = source;
    public string ManifestPath { get; } = manifestPath;

    public override StepState Test(InstallContext context)
    {
        var wanted = payload();
        var installed = PayloadManifest.TryLoad(ManifestPath);
        if (installed is null) return StepState.Change("not installed yet (no manifest)");
        var problems = new List<string>();
        foreach (var file in wanted.Files)
        {
            if (FileProblem(file, context) is { } problem) problems.Add($"{file.Path}: {problem}");
        }
        foreach (var directory in wanted.Directories)
        {
            var path = Path.Combine(Target, directory);
            var status = UnixFiles.TryStat(path);
            if (status is null || !Directory.Exists(path)) problems.Add($"{directory}/: missing");
            else if (PathState.Difference(status, FileOwner.Root, DirectoryMode, context.EnforceOwnership) is { } diff) problems.Add($"{directory}/: {diff}");
        }
        var gone = installed.Files.Select(f => f.Path).Except(wanted.Files.Select(f => f.Path), StringComparer.Ordinal)
            .Where(p => File.Exists(Path.Combine(Target, p))).ToList();
        problems.AddRange(gone.Select(p => $"{p}: left the payload, still installed"));
        if (problems.Count == 0 && !installed.SameContentAs(wanted)) problems.Add("manifest out of date");
        return problems.Count == 0
            ? StepState.Ok($"{wanted.Files.Count} files up to date ({wanted.Version})")
            : StepState.Change($"{problems.Count} difference(s): {string.Join(", ", problems.Take(3))}{(problems.Count > 3 ? ", …" : "")}");
    }

    private string? FileProblem(PayloadFile file, InstallContext context)
    {
        var path = Path.Combine(Target, file.Path);
        var status = UnixFiles.TryStat(path);
        if (status is null) return "missing";
        if (PathState.IsSymlink(path) || !File.Exists(path)) return "not a regular file";
        if (PathState.Difference(status, FileOwner.Root, PathState.Mode(file.Mode), context.EnforceOwnership) is { } diff) return diff;
        if (new FileInfo(path).Length != file.Size || PayloadManifest.HashFile(path) != file.Sha256) return "content differs";
        return null;
    }

    public override string Apply(InstallContext context)
    {
        var wanted = payload();
        var installed = PayloadManifest.TryLoad(ManifestPath) ?? new PayloadManifest();
        var root = context.EnforceOwnership ? (FileOwner.Root.Uid, FileOwner.Root.Gid) : ((uint, uint)?)null;
        Directory.CreateDirectory(Target);

        // Own everything either version lists before touching anything.
        wanted.Union(installed).Save(ManifestPath, context.EnforceOwnership ? FileOwner.Root : null);

        foreach (var directory in wanted.Directories)
        {
            var path = Path.Combine(Target, directory);
            PathState.RefuseSymlink(path);
            if (File.Exists(path)) File.Delete(path);
            Directory.CreateDirectory(path, DirectoryMode);
            PathState.SetOwnerAndMode(path, FileOwner.Root, DirectoryMode, context.EnforceOwnership);
        }

        int copied = 0, unchanged = 0, removed = 0;
        foreach (var file in wanted.Files)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            var path = Path.Combine(Target, file.Path);
            var mode = PathState.Mode(file.Mode);
            if (FileProblem(file, context) is null)
            {
                unchanged++;
                continue;
            }
            PathState.RefuseSymlink(path);
            if (Directory.Exists(path))
                throw new KaiException("UnsafePath", KaiErrorKind.ResourceExists, $"'{path}' is a directory where the payload has a file. Move it away and re-run.", path);
            AtomicFile.Copy(Path.Combine(Source, file.Path), path, mode, root);
            copied++;
        }

        var keep = wanted.Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var old in installed.Files.Where(f => !keep.Contains(f.Path)))
        {
            var path = Path.Combine(Target, old.Path);
            if (File.Exists(path) || PathState.IsSymlink(path))
            {
                File.Delete(path);
                removed++;
                context.Verbose($"removed {path}: no longer in the payload");
            }
        }
        var keepDirectories = wanted.Directories.ToHashSet(StringComparer.Ordinal);
        foreach (var old in installed.Directories.Where(d => !keepDirectories.Contains(d)).OrderByDescending(d => d.Length))
        {
            var path = Path.Combine(Target, old);
            if (Directory.Exists(path) && !PathState.IsSymlink(path) && !Directory.EnumerateFileSystemEntries(path).Any()) Directory.Delete(path);
        }

        wanted.Save(ManifestPath, context.EnforceOwnership ? FileOwner.Root : null);
        return $"{copied} copied, {removed} removed, {unchanged} unchanged ({wanted.Version})";
    }
}
