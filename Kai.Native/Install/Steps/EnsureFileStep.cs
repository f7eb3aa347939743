using Kai.Native.Platform;

namespace Kai.Native.Install;

/// <summary>A file that must exist with an owner and mode but whose content belongs to the service (memory/MEMORY.md): created empty, never rewritten.</summary>
public sealed class EnsureFileStep(string path, FileOwner owner, UnixFileMode mode)
    : InstallStep("File", path, $"Ensure file {owner} {UnixFiles.ToOctal(mode)} (content kept)")
{
    public override StepState Test(InstallContext context)
    {
        var status = UnixFiles.TryStat(Target);
        if (status is null) return StepState.Change("missing");
        if (PathState.IsSymlink(Target) || !File.Exists(Target)) return StepState.Change("exists but is not a regular file");
        return PathState.Difference(status, owner, mode, context.EnforceOwnership) is { } diff ? StepState.Change(diff) : StepState.Ok();
    }

    public override string Apply(InstallContext context)
    {
        PathState.RefuseSymlink(Target);
        if (Directory.Exists(Target))
            throw new KaiException("UnsafePath", KaiErrorKind.ResourceExists, $"'{Target}' is a directory; a file is expected here.", Target);
        var created = !File.Exists(Target);
        if (created)
        {
            using var _ = new FileStream(Target, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode });
        }
        PathState.SetOwnerAndMode(Target, owner, mode, context.EnforceOwnership);
        return created ? "created (empty)" : "owner/mode fixed, content kept";
    }
}
