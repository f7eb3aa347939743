using Kai.Native.Platform;

namespace Kai.Native.Install;

/// <summary>A directory with the seed's owner and mode.</summary>
public sealed class DirectoryStep(string path, FileOwner owner, UnixFileMode mode)
    : InstallStep("Directory", path, $"Ensure directory {owner} {UnixFiles.ToOctal(mode)}")
{
    public FileOwner Owner { get; } = owner;
    public UnixFileMode Mode { get; } = mode;

    public override StepState Test(InstallContext context)
    {
        var status = UnixFiles.TryStat(Target);
        if (status is null) return StepState.Change("missing");
        if (PathState.IsSymlink(Target) || !Directory.Exists(Target)) return StepState.Change("exists but is not a directory");
        return PathState.Difference(status, Owner, Mode, context.EnforceOwnership) is { } diff ? StepState.Change(diff) : StepState.Ok();
    }

    public override string Apply(InstallContext context)
    {
        var existed = Directory.Exists(Target);
        if (existed) PathState.RefuseSymlink(Target);
        else if (File.Exists(Target) || PathState.IsSymlink(Target))
            throw new KaiException("UnsafePath", KaiErrorKind.ResourceExists, $"'{Target}' exists and is not a directory. Move it away and re-run.", Target);
        var before = existed ? UnixFiles.Stat(Target) : null;
        if (!existed)
        {
            PathState.EnsureParent(Target, (UnixFileMode)0b111_101_101, FileOwner.Root, context.EnforceOwnership);
            Directory.CreateDirectory(Target, Mode);
        }
        PathState.SetOwnerAndMode(Target, Owner, Mode, context.EnforceOwnership);
        return before is null ? $"created {Owner} {UnixFiles.ToOctal(Mode)}" : $"fixed: was {before}";
    }
}
