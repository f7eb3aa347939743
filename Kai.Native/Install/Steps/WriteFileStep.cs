using System.Security.Cryptography;
using Kai.Native.IO;
using Kai.Native.Platform;

namespace Kai.Native.Install;

/// <summary>
/// A generated or copied file whose whole content the installer owns (env, yaml, sudoers, unit, plist, run.sh):
/// written atomically (temp file with its final mode and owner, fsync, rename), optionally validated in between.
/// Secret content is compared in constant time and never shown.
/// </summary>
public class WriteFileStep : InstallStep
{
    private readonly byte[] _content;

    public WriteFileStep(string name, string path, string description, byte[] content, FileOwner owner, UnixFileMode mode,
        bool sensitive = false, UnixFileMode? parentMode = null, Action<string, InstallContext>? validate = null)
        : base(name, path, $"{description} ({owner} {UnixFiles.ToOctal(mode)})")
    {
        _content = content;
        Owner = owner;
        Mode = mode;
        Sensitive = sensitive;
        ParentMode = parentMode ?? (UnixFileMode)0b111_101_101;
        Validate = validate;
    }

    public FileOwner Owner { get; }
    public UnixFileMode Mode { get; }
    public bool Sensitive { get; }
    public UnixFileMode ParentMode { get; }
    public Action<string, InstallContext>? Validate { get; }

    /// <summary>The bytes this step writes. Tests read it; callers never print it when <see cref="Sensitive"/>.</summary>
    internal ReadOnlySpan<byte> Content => _content;

    public override StepState Test(InstallContext context)
    {
        var status = UnixFiles.TryStat(Target);
        if (status is null) return StepState.Change("missing");
        if (PathState.IsSymlink(Target) || !File.Exists(Target)) return StepState.Change("exists but is not a regular file");
        byte[] current;
        try
        {
            current = File.ReadAllBytes(Target);
        }
        catch (UnauthorizedAccessException)
        {
            // A root-only file seen by a non-root status check: owner and mode still tell something.
            return PathState.Difference(status, Owner, Mode, enforceOwner: true) is { } metadata
                ? StepState.Change(metadata)
                : StepState.Skip($"content not compared: only root can read it (running as {context.Facts.InstallingUser.Name})");
        }
        if (!SameContent(current)) return StepState.Change("content differs");
        return PathState.Difference(status, Owner, Mode, context.EnforceOwnership) is { } diff ? StepState.Change(diff) : StepState.Ok();
    }

    private bool SameContent(byte[] current) =>
        Sensitive
            ? CryptographicOperations.FixedTimeEquals(SHA256.HashData(current), SHA256.HashData(_content)) & current.Length == _content.Length
            : current.AsSpan().SequenceEqual(_content);

    public override string Apply(InstallContext context)
    {
        PathState.RefuseSymlink(Target);
        PathState.EnsureParent(Target, ParentMode, FileOwner.Root, context.EnforceOwnership);
        var exists = File.Exists(Target);
        if (exists && SameContent(File.ReadAllBytes(Target)))
        {
            PathState.SetOwnerAndMode(Target, Owner, Mode, context.EnforceOwnership);
            return "owner/mode fixed";
        }
        var owner = context.EnforceOwnership ? (Owner.Uid, Owner.Gid) : ((uint, uint)?)null;
        AtomicFile.Write(Target, stream => stream.Write(_content), Mode, owner,
            Validate is null ? null : temp => Validate(temp, context));
        return (exists ? "rewritten" : "written") + $" ({_content.Length} bytes)";
    }
}
