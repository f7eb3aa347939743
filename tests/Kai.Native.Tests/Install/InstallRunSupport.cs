using Kai.Native.Install;
using Kai.Native.Platform;

namespace Kai.Native.Tests.Install;

/// <summary>An observer that records everything a run says (for "no secret anywhere" checks) and can interrupt it.</summary>
public sealed class RecordingObserver : InstallObserver
{
    public List<string> Text { get; } = new();
    public List<InstallStepResult> Results { get; } = new();
    public List<(string Step, string Target)> Asked { get; } = new();
    public Func<InstallStep, bool> Answer { get; init; } = _ => true;
    public Action<InstallStep>? OnStart { get; init; }

    public override void StepStarting(int index, int count, InstallStep step)
    {
        Text.Add($"{index}/{count} {step}");
        OnStart?.Invoke(step);
    }

    public override bool ShouldApply(InstallStep step, StepState state)
    {
        Asked.Add((step.Name, step.Target));
        Text.Add($"should {step.Action} on {step.Target}: {state.Detail}");
        return Answer(step);
    }

    public override void StepCompleted(InstallStepResult result)
    {
        Results.Add(result);
        Text.Add(result.ToString());
    }

    public override void Verbose(string message) => Text.Add("VERBOSE " + message);
    public override void Warning(string message) => Text.Add("WARNING " + message);

    public string AllText => string.Join("\n", Text);
}

public static class Disk
{
    /// <summary>Every path under <paramref name="root"/> with owner, mode and size: compare before/after to prove nothing changed.</summary>
    public static string Snapshot(string root)
    {
        if (!Directory.Exists(root)) return "(missing)";
        return string.Join("\n", Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(p =>
            {
                var s = UnixFiles.Stat(p);
                var size = File.Exists(p) ? new FileInfo(p).Length : -1;
                return $"{Path.GetRelativePath(root, p)} {s} {size} {File.GetLastWriteTimeUtc(p).Ticks}";
            }));
    }

    public static string Describe(string path) => UnixFiles.TryStat(path)?.ToString() ?? "(missing)";
}
