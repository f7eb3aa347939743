using Kai.Native.Sandbox;
using Xunit;

namespace Kai.Native.Tests.Sandbox;

/// <summary>Each way bubblewrap can be unavailable, with injected /proc and /sys files: a clear error naming cause and fix.</summary>
public sealed class BubblewrapAvailabilityTests : IDisposable
{
    private readonly SandboxTestRoot _root = new();

    public void Dispose() => _root.Dispose();

    private BubblewrapHostOptions Host(uint uid = 1000, string? usernsClone = null, string? maxNamespaces = "15000", string? apparmor = null, string? profiles = null,
        bool withBinary = true)
    {
        var bin = _root.Dir("bin");
        if (withBinary) _root.File("bin/bwrap", "#!/bin/sh\nexit 0\n", (UnixFileMode)Convert.ToInt32("755", 8));
        string Write(string name, string? content) => content is null ? Path.Combine(_root.Root, "absent-" + name) : _root.File("proc/" + name, content + "\n");
        return new BubblewrapHostOptions
        {
            SearchDirectories = new[] { bin },
            UnprivilegedUsernsClonePath = Write("unprivileged_userns_clone", usernsClone),
            MaxUserNamespacesPath = Write("max_user_namespaces", maxNamespaces),
            AppArmorRestrictPath = Write("apparmor_restrict_unprivileged_userns", apparmor),
            AppArmorProfilesPath = Write("profiles", profiles),
            HostUid = uid,
            RunSmokeTest = false,
        };
    }

    private static KaiException Unavailable(BubblewrapHostOptions options)
    {
        var backend = new BubblewrapBackend(options);
        Assert.False(backend.Probe().IsAvailable);
        var error = Assert.Throws<KaiException>(() => SandboxBackends.Resolve(SandboxKind.Auto, null, backend));
        Assert.Equal("SandboxUnavailable", error.ErrorId);
        Assert.Equal(KaiErrorKind.ResourceUnavailable, error.Kind);
        Assert.False(string.IsNullOrEmpty(error.RecommendedAction));
        return error;
    }

    [Fact]
    public void A_usable_host_resolves_to_bubblewrap()
    {
        var backend = new BubblewrapBackend(Host(usernsClone: "1", apparmor: "0"));
        Assert.True(backend.Probe().IsAvailable);
        Assert.Same(backend, SandboxBackends.Resolve(SandboxKind.Auto, null, backend));
        Assert.Same(backend, SandboxBackends.Resolve(SandboxKind.Auto, "bubblewrap", backend));
    }

    [Fact]
    public void A_missing_bwrap_names_the_package()
    {
        var error = Unavailable(Host(withBinary: false));
        Assert.Contains("not installed", error.Message);
        Assert.Contains("apt install bubblewrap", error.Message);
        Assert.Contains("KAI_SANDBOX=off", error.RecommendedAction);
    }

    [Fact]
    public void Disabled_unprivileged_user_namespaces_name_the_sysctl()
    {
        var error = Unavailable(Host(usernsClone: "0"));
        Assert.Contains("unprivileged_userns_clone", error.Message);
        Assert.Contains("sysctl -w kernel.unprivileged_userns_clone=1", error.Message);
        // Root is not an unprivileged user: the same setting does not stop it.
        Assert.True(new BubblewrapBackend(Host(uid: 0, usernsClone: "0")).Probe().IsAvailable);
    }

    [Fact]
    public void Zero_user_namespaces_stop_everyone()
    {
        var error = Unavailable(Host(uid: 0, maxNamespaces: "0"));
        Assert.Contains("max_user_namespaces", error.Message);
        Assert.Contains("sysctl -w user.max_user_namespaces=", error.Message);
    }

    [Fact]
    public void An_apparmor_userns_restriction_names_the_profile_fix_unless_bwrap_has_a_profile()
    {
        var error = Unavailable(Host(apparmor: "1", profiles: "firefox (enforce)"));
        Assert.Contains("AppArmor", error.Message);
        Assert.Contains("/etc/apparmor.d/bwrap", error.Message);
        Assert.Contains("apparmor_parser -r", error.Message);
        Assert.True(new BubblewrapBackend(Host(apparmor: "1", profiles: "firefox (enforce)\nbwrap (unconfined)")).Probe().IsAvailable);
        Assert.True(new BubblewrapBackend(Host(uid: 0, apparmor: "1")).Probe().IsAvailable);
    }

    [Fact]
    public void A_bwrap_that_cannot_start_a_sandbox_is_unavailable_with_its_own_message()
    {
        var options = Host(usernsClone: "1");
        _root.File("bin/bwrap", "#!/bin/sh\n[ \"$1\" = --version ] && { echo 'bubblewrap 0.8.0'; exit 0; }\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n",
            (UnixFileMode)Convert.ToInt32("755", 8));
        var error = Unavailable(options with { RunSmokeTest = true, BinaryPath = Path.Combine(_root.Root, "bin", "bwrap") });
        Assert.Contains("setting up uid map: Permission denied", error.Message);
        Assert.Contains("unprivileged_userns_clone", error.RecommendedAction);
    }

    [Theory]
    [InlineData("off", SandboxKind.None)]
    [InlineData("OFF", SandboxKind.None)]
    [InlineData("none", SandboxKind.None)]
    [InlineData("", SandboxKind.Auto)]
    [InlineData(null, SandboxKind.Auto)]
    [InlineData("auto", SandboxKind.Auto)]
    [InlineData("bwrap", SandboxKind.Bubblewrap)]
    [InlineData("sandbox-exec", SandboxKind.SandboxExec)]
    public void The_kai_sandbox_setting_is_read_strictly(string? setting, SandboxKind kind) => Assert.Equal(kind, SandboxBackends.FromSetting(setting));

    [Fact]
    public void An_unknown_kai_sandbox_setting_is_an_error_not_a_guess()
    {
        var error = Assert.Throws<KaiException>(() => SandboxBackends.Resolve(SandboxKind.Auto, "disabled"));
        Assert.Equal("SandboxSettingInvalid", error.ErrorId);
        Assert.Equal("KAI_SANDBOX", error.Target);
    }

    [Fact]
    public void An_explicit_backend_ignores_kai_sandbox_off()
    {
        var backend = new BubblewrapBackend(Host(withBinary: false));
        Assert.Throws<KaiException>(() => SandboxBackends.Resolve(SandboxKind.Bubblewrap, "off", backend));
    }
}
