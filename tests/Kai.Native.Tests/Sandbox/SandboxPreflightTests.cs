using System.Text.Json;
using Kai.Native.Sandbox;
using Xunit;

namespace Kai.Native.Tests.Sandbox;

public sealed class SandboxPreflightTests : IDisposable
{
    private readonly SandboxTestRoot _root = new();

    public void Dispose() => _root.Dispose();

    /// <summary>A backend that claims to sandbox but runs commands as they are: every probe must catch it.</summary>
    private sealed class LeakyBackend : ISandboxBackend
    {
        public SandboxKind Kind => SandboxKind.Bubblewrap;
        public string Name => "leaky";
        public SandboxAvailability Probe() => new(true, Name, "/bin/sh", null, null, null);
        public SandboxedCommand Prepare(SandboxPolicy policy, SandboxSpawn spawn) =>
            new(spawn.Argv[0], spawn.Argv.Skip(1).ToList(), spawn.Environment);
    }

    /// <summary>A backend whose sandbox never comes up (bwrap failing its setup the same way every time).</summary>
    private sealed class BrokenBackend : ISandboxBackend
    {
        public int Starts;
        public SandboxKind Kind => SandboxKind.Bubblewrap;
        public string Name => "broken";
        public SandboxAvailability Probe() => new(true, Name, "/bin/sh", null, null, null);
        public SandboxedCommand Prepare(SandboxPolicy policy, SandboxSpawn spawn)
        {
            Interlocked.Increment(ref Starts);
            return new("/bin/sh", ["-c", "echo \"bwrap: Can't bind mount /oldroot/dev/null on /newroot/etc/shadow: Unable to mount source on destination: No such file or directory\" >&2; exit 1"],
                new Dictionary<string, string>()) { ReadyMarker = "\u001e\u001eKAI-SANDBOX-READY\n"u8.ToArray() };
        }
    }

    [Fact]
    public void A_preflight_whose_sandbox_cannot_be_built_is_retried_then_fails_and_is_not_cached()
    {
        var backend = new BrokenBackend();
        var error = Assert.Throws<KaiException>(() => SandboxPreflight.Run(_root.DefaultPolicy(), backend, Options()));
        Assert.Equal("SandboxStartFailed", error.ErrorId);
        Assert.Equal(SandboxStartRetry.MaxAttempts, backend.Starts); // the start race is retried before giving up
        Assert.False(File.Exists(Path.Combine(_root.Data, "sandbox-preflight.json"))); // nothing proven, nothing cached
        Assert.Throws<KaiException>(() => SandboxPreflight.EnsureSafe(_root.DefaultPolicy(), backend, Options()));
    }

    private SandboxPreflightOptions Options(bool force = false) => new() { CacheDirectory = _root.Data, Force = force };

    [Fact]
    public void Every_probe_is_blocked_under_the_default_policy()
    {
        var report = SandboxPreflight.Run(_root.DefaultPolicy(), Sandboxed.Backend.Value, Options());
        var table = string.Join("\n", report.Results.Select(r => $"{r.Probe}: {r.Outcome}: {r.Detail}"));
        Assert.True(report.Results.All(r => r.Outcome == SandboxProbeOutcome.Blocked), table);
        Assert.Equal(11, report.Results.Count);
        Assert.True(report.IsSafe);
        Assert.False(report.FromCache);
        Assert.Equal("bubblewrap", report.Backend);
        Assert.Matches("^[0-9a-f]{64}$", report.BinarySha256);
        // The canaries are gone again.
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(_root.Data), p => Path.GetFileName(p).StartsWith(".kai-preflight", StringComparison.Ordinal));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_root.Temp));
    }

    [Fact]
    public void Every_probe_detects_a_backend_that_does_not_sandbox()
    {
        _root.File("ws/.bashrc", "# rc\n");
        var report = SandboxPreflight.Run(_root.DefaultPolicy(), new LeakyBackend(), Options());
        var table = string.Join("\n", report.Results.Select(r => $"{r.Probe}: {r.Outcome}: {r.Detail}"));
        Assert.True(report.Results.All(r => r.Outcome == SandboxProbeOutcome.Escaped), table);
        Assert.False(report.IsSafe);
        // A failing preflight is never cached.
        Assert.False(File.Exists(Path.Combine(_root.Data, "sandbox-preflight.json")));
        var error = Assert.Throws<KaiException>(() => SandboxPreflight.EnsureSafe(_root.DefaultPolicy(), new LeakyBackend(), Options()));
        Assert.Equal("SandboxUnsafe", error.ErrorId);
        Assert.Equal(KaiErrorKind.SecurityError, error.Kind);
        Assert.Contains("[read-denied-file]", error.Message);
        Assert.Contains("[environment-secrets]", error.Message);
        Assert.DoesNotContain("kai-fake-secret", error.Message);
    }

    [Fact]
    public void A_passing_preflight_is_cached_for_the_same_binary_and_policy_and_force_reprobes()
    {
        var policy = _root.DefaultPolicy();
        var first = SandboxPreflight.EnsureSafe(policy, Sandboxed.Backend.Value, Options())!;
        Assert.False(first.FromCache);
        var file = Path.Combine(_root.Data, "sandbox-preflight.json");
        Assert.True(File.Exists(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        using (var json = JsonDocument.Parse(File.ReadAllText(file)))
        {
            var entry = json.RootElement.GetProperty("entries")[0];
            Assert.Equal(policy.Hash, entry.GetProperty("policyHash").GetString());
            Assert.Equal(first.BinarySha256, entry.GetProperty("binarySha256").GetString());
        }

        var second = SandboxPreflight.Run(policy, Sandboxed.Backend.Value, Options());
        Assert.True(second.FromCache);
        Assert.Equal(first.CheckedAt, second.CheckedAt);

        // Another session's context with the same rules shares the entry (the hash is canonical).
        var otherHome = _root.Dir("session2/home");
        var other = SandboxPolicies.Default(_root.Context with { Home = otherHome, TempDirectory = _root.Dir("session2/tmp") });
        Assert.Equal(policy.Hash, other.Hash);
        Assert.True(SandboxPreflight.Run(other, Sandboxed.Backend.Value, Options()).FromCache);

        // A different policy is probed on its own.
        Assert.False(SandboxPreflight.Run(policy.Relax(SandboxRuleIds.Network), Sandboxed.Backend.Value, Options()).FromCache);

        var forced = SandboxPreflight.Run(policy, Sandboxed.Backend.Value, Options(force: true));
        Assert.False(forced.FromCache);
        Assert.True(forced.CheckedAt > first.CheckedAt);
    }

    [Fact]
    public void Sessions_starting_together_probe_once()
    {
        var policy = _root.DefaultPolicy();
        var reports = Enumerable.Range(0, 4).AsParallel().WithDegreeOfParallelism(4)
            .Select(_ => SandboxPreflight.EnsureSafe(policy, Sandboxed.Backend.Value, Options())!)
            .ToList();
        Assert.Single(reports, r => !r.FromCache);
        Assert.Single(reports.Select(r => r.CheckedAt).Distinct());
    }

    [Fact]
    public void An_expired_cache_entry_is_probed_again()
    {
        var policy = _root.DefaultPolicy();
        SandboxPreflight.Run(policy, Sandboxed.Backend.Value, Options());
        var file = Path.Combine(_root.Data, "sandbox-preflight.json");
        var text = File.ReadAllText(file);
        using var json = JsonDocument.Parse(text);
        var checkedAt = json.RootElement.GetProperty("entries")[0].GetProperty("checkedAt").GetString()!;
        File.WriteAllText(file, text.Replace(checkedAt, DateTimeOffset.UtcNow.AddHours(-25).ToString("O"), StringComparison.Ordinal));
        Assert.False(SandboxPreflight.Run(policy, Sandboxed.Backend.Value, Options()).FromCache);
    }

    [Fact]
    public void The_network_probe_does_not_apply_when_the_policy_allows_network()
    {
        var report = SandboxPreflight.Run(_root.DefaultPolicy().Relax(SandboxRuleIds.Network), Sandboxed.Backend.Value, Options());
        var network = Assert.Single(report.Results, r => r.Probe == "reach-network");
        Assert.Equal(SandboxProbeOutcome.NotApplicable, network.Outcome);
        Assert.True(report.IsSafe);
    }

    [Fact]
    public void The_none_backend_is_not_probed_because_it_was_chosen_explicitly()
    {
        Assert.Null(SandboxPreflight.EnsureSafe(_root.DefaultPolicy(), NoSandboxBackend.Instance, Options()));
    }
}
