using Kai.Native.IO;

namespace Kai.Native.Install;

/// <summary>
/// Kai's analogue of the seed's venv refresh. The "runtime" of a framework-dependent .NET distribution is the
/// shared framework its bin/*.runtimeconfig.json and *.deps.json ask for. When their checksum (plus the
/// runtime location) changed, the step checks `dotnet --list-runtimes` against the requirement (with its
/// roll-forward policy) and runs the installed `bin/kai version` with the service's DOTNET_ROOT. The checksum
/// file is written only after that succeeded, so a failed run is retried by the next apply.
/// </summary>
public sealed class RuntimeStep(string installedBin, string checksumFile, Func<string> expectedChecksum, string? dotnetRoot, string executable)
    : InstallStep("RefreshRuntime", checksumFile, "Verify the .NET runtime for bin/kai when its runtime files changed")
{
    public override StepState Test(InstallContext context)
    {
        string current;
        try
        {
            current = File.Exists(Target) ? File.ReadAllText(Target).Trim() : "";
        }
        catch (UnauthorizedAccessException)
        {
            return StepState.Change("checksum file unreadable");
        }
        if (current.Length == 0) return StepState.Change("no runtime checksum yet");
        return current == expectedChecksum() ? StepState.Ok("runtime checksum unchanged") : StepState.Change("runtime files changed since the last verified install");
    }

    public override string Apply(InstallContext context)
    {
        var configs = Directory.Exists(installedBin) ? Directory.GetFiles(installedBin, "kai.runtimeconfig.json") : [];
        var detail = "self-contained (no shared runtime needed)";
        if (configs.Length > 0)
        {
            var requirement = DotnetRuntime.ReadRequirement(configs[0]);
            var resolved = DotnetRuntime.Verify(requirement, dotnetRoot, context.CancellationToken);
            detail = resolved.Count == 0 ? detail : $"runs on {string.Join(", ", resolved)} at {dotnetRoot}";
        }
        context.Verbose($"smoke test: {executable} version");
        var environment = new Dictionary<string, string?> { ["DOTNET_ROOT"] = dotnetRoot, ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" };
        var output = Platform.ProcessRunner.Run(executable, ["version"], TimeSpan.FromSeconds(60), environment, cancellationToken: context.CancellationToken);
        if (!output.Succeeded)
            throw new KaiException("RuntimeCheckFailed", KaiErrorKind.InvalidOperation,
                $"The installed '{executable} version' failed (exit {output.ExitCode}): {output.Diagnostic}", executable);
        AtomicFile.WriteAllText(Target, expectedChecksum() + "\n", (UnixFileMode)0b110_100_100,
            context.EnforceOwnership ? (FileOwner.Root.Uid, FileOwner.Root.Gid) : null);
        return $"{detail}; kai {output.StandardOutput.Trim()} starts";
    }
}
