using System.Net.Sockets;
using Kai.Native.Service;
using Kai.Native.Sessions;
using Kai.Native.Store;
using Kai.Service.Api;
using Kai.Service.Approvals;
using Kai.Service.Audit;
using Kai.Service.Configuration;
using Kai.Service.Hosting;
using Kai.Service.Logging;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Kai.Native.Tests.Service;

public sealed class ServiceConfigurationTests
{
    private static ServiceConfiguration Load(string envText, Dictionary<string, string>? process = null)
    {
        using var dir = new TempDirectory();
        var env = dir.Combine("env");
        File.WriteAllText(env, envText);
        var variables = new Dictionary<string, string>(process ?? new()) { ["KAI_ENV_FILE"] = env };
        if (!variables.ContainsKey("KAI_DATA_DIR")) variables["KAI_DATA_DIR"] = dir.Combine("data");
        return ServiceConfigurationLoader.Load(n => variables.TryGetValue(n, out var v) ? v : null);
    }

    [Theory]
    [InlineData("WEBHOOK_PORT=8080\n", "WEBHOOK_SECRET is missing")]
    [InlineData("WEBHOOK_SECRET=short\n", "too short")]
    [InlineData("WEBHOOK_SECRET=0123456789abcdef0123\nWEBHOOK_PORT=99999\n", "WEBHOOK_PORT must be a port number")]
    [InlineData("WEBHOOK_SECRET=0123456789abcdef0123\nKAI_API_BIND=localhost-ish\n", "KAI_API_BIND must be an IP address")]
    [InlineData("WEBHOOK_SECRET='unterminated\n", "unterminated quote")]
    public void A_bad_config_is_one_clear_message_naming_the_problem(string env, string expected)
    {
        var ex = Assert.ThrowsAny<KaiException>(() => Load(env));
        Assert.Contains(expected, ex.Message);
        Assert.DoesNotContain("\n", ex.Message);
        Assert.DoesNotContain("0123456789abcdef0123", ex.Message);
    }

    [Fact]
    public void Defaults_are_loopback_8080_and_secrets_are_collected_for_redaction()
    {
        var config = Load("WEBHOOK_SECRET='0123456789abcdef0123'\nTELEGRAM_BOT_TOKEN=tok-secret-1\nCLAUDE_MODEL=sonnet\n");
        Assert.Equal("127.0.0.1:8080", config.TcpEndpoint!.ToString());
        Assert.Equal(2, config.Secrets.Count);
        Assert.StartsWith("KAI_ENV_FILE ", config.SecretsSource);
        Assert.Null(Load("WEBHOOK_SECRET=0123456789abcdef0123\nWEBHOOK_PORT=0\n").TcpEndpoint);
    }

    [Fact]
    public void Secrets_come_from_the_systemd_credential_when_no_env_file_is_named()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Combine("creds"));
        File.WriteAllText(dir.Combine("creds", "env"), "WEBHOOK_SECRET=from-credential-0123456789\nKAI_DATA_DIR=" + dir.Combine("fromfile") + "\n");
        var variables = new Dictionary<string, string> { ["CREDENTIALS_DIRECTORY"] = dir.Combine("creds") };
        var config = ServiceConfigurationLoader.Load(n => variables.TryGetValue(n, out var v) ? v : null);
        Assert.Equal("systemd credential env", config.SecretsSource);
        Assert.Equal("from-credential-0123456789", config.ApiSecret.Reveal());
        // KAI_DATA_DIR from the env file applies when the process environment has none.
        Assert.Equal(dir.Combine("fromfile"), config.DataDirectory);
    }
}

public sealed class ApprovalPolicyTests
{
    [Fact]
    public void Rules_match_by_pattern_glob_network_and_writes_outside_the_workspace()
    {
        var policy = ApprovalPolicy.Parse("""
            timeoutSeconds: 120
            rules:
              - id: rm
                pattern: '^rm\s+-[a-z]*r'
              - id: apt
                glob: 'apt-get install *'
              - id: net
                network: true
              - id: outside
                description: Writes outside
                writeOutsideWorkspace: true
                sessions: ['prod-*']
            """, "approvals.yaml");
        Assert.Equal(TimeSpan.FromSeconds(120), policy.Timeout);
        ApprovalMatch? M(string command, string session = "prod-1") => policy.Match(session, command, "/ws", "/ws/src");
        Assert.Equal("rm", M("rm -rf build")?.RuleId);
        Assert.Equal("apt", M("apt-get install jq")?.RuleId);
        Assert.Equal("net", M("cd x && git push origin main")?.RuleId);
        Assert.Equal("net", M("echo hi | nc host 80")?.RuleId);
        Assert.Equal("net", M("python3 -c 'x' > /dev/tcp/1.2.3.4/80")?.RuleId);
        Assert.Equal("outside", M("echo hi > /etc/motd")?.RuleId);
        Assert.Equal("outside", M("cp a.txt ../../../tmp/b")?.RuleId);
        Assert.Equal("outside", M("sudo tee -a /etc/hosts")?.RuleId);
        Assert.Null(M("echo hi > out.txt 2>/dev/null"));
        Assert.Null(M("cp a.txt ../b.txt"));
        Assert.Null(M("ls -la /etc"));
        Assert.Null(M("echo hi > /etc/motd", session: "dev"));
        Assert.Contains("/etc/motd", M("echo hi > /etc/motd")!.Reason);
    }

    [Theory]
    [InlineData("rules:\n  - pattern: x\n", "has no id")]
    [InlineData("rules:\n  - id: a\n    pattern: '(['\n", "invalid regular expression")]
    [InlineData("rules:\n  - id: a\n    pattern: x\n    network: true\n", "exactly one of")]
    [InlineData("rules:\n  - id: a\n    glob: x\n  - id: a\n    glob: y\n", "used twice")]
    [InlineData("timeoutSeconds: 0\n", "timeoutSeconds must be")]
    [InlineData("rules: [\n", "line")]
    public void A_bad_policy_is_refused_with_the_reason(string yaml, string expected)
    {
        var ex = Assert.Throws<ServiceConfigurationException>(() => ApprovalPolicy.Parse(yaml, "approvals.yaml"));
        Assert.Contains(expected, ex.Message);
        Assert.StartsWith("approvals.yaml", ex.Message);
    }

    [Fact]
    public void Approval_ids_are_stable_bound_to_the_command_and_keyed_by_the_secret()
    {
        var ids = new ApprovalIds(new Secret("server-secret-aaaaaaaaaaaa"));
        var request = new ExecRequest("s", "rm -rf x", WorkingDirectory: "/w");
        var hash = ApprovalIds.CommandHash(request);
        var id = ids.Compute("s", "r1", ApprovalKind.Policy, null, hash);
        Assert.Matches("^ap-[0-9a-f]{32}$", id);
        Assert.Equal(id, ids.Compute("s", "r1", ApprovalKind.Policy, null, hash));
        Assert.True(ids.Verify(id, "s", "r1", ApprovalKind.Policy, null, hash));
        Assert.False(ids.Verify(id, "s", "r1", ApprovalKind.Policy, null, ApprovalIds.CommandHash(request with { Command = "rm -rf y" })));
        Assert.False(ids.Verify(id, "s", "r1", ApprovalKind.Policy, null, ApprovalIds.CommandHash(request with { WorkingDirectory = "/" })));
        Assert.False(ids.Verify(id, "other", "r1", ApprovalKind.Policy, null, hash));
        Assert.NotEqual(id, new ApprovalIds(new Secret("another-secret-bbbbbbbbbbb")).Compute("s", "r1", ApprovalKind.Policy, null, hash));
        Assert.Equal(hash, ApprovalIds.CommandHash(request with { Command = "rm -rf x".Replace("\n", "\r\n") }));
    }
}

public sealed class AuditLogTests
{
    [Fact]
    public void The_log_is_append_only_filterable_and_its_chain_detects_tampering()
    {
        using var dir = new TempDirectory();
        var database = new KaiDatabase(dir.Combine("kai.db"));
        using var audit = new AuditLog(database, new SecretRedactor(new[] { new Secret("hunter2-secret") }));
        audit.Append(AuditKinds.SessionStart, "alice", "started", "s1");
        audit.Append(AuditKinds.CommandExec, "alice", "exit 0", "s1", "echo hunter2-secret");
        audit.Append(AuditKinds.AuthFailure, "tcp 127.0.0.1", "wrong secret");
        audit.Append(AuditKinds.SessionStart, "bob", "started", "s2");

        Assert.Equal(4, audit.Query(new AuditQuery()).Count);
        Assert.Equal(2, audit.Query(new AuditQuery(Kind: "session.*")).Count);
        Assert.Equal(2, audit.Query(new AuditQuery(Session: "s1")).Count);
        Assert.Equal(new long[] { 3, 4 }, audit.Query(new AuditQuery(Last: 2)).Select(e => e.Id));
        Assert.Empty(audit.Query(new AuditQuery(Since: DateTimeOffset.UtcNow.AddMinutes(1))));
        Assert.Equal("echo " + Redactor.Replacement, audit.Query(new AuditQuery(Kind: AuditKinds.CommandExec)).Single().Target);
        Assert.True(audit.Verify().Valid);

        using var connection = database.Open();
        using var update = connection.CreateCommand();
        update.CommandText = "UPDATE audit SET message = 'nothing happened' WHERE id = 3";
        Assert.Contains("append-only", Assert.Throws<SqliteException>(() => update.ExecuteNonQuery()).Message);
        update.CommandText = "DELETE FROM audit WHERE id = 2";
        Assert.Contains("append-only", Assert.Throws<SqliteException>(() => update.ExecuteNonQuery()).Message);

        // Someone with the file drops the triggers and edits a row: the chain shows where.
        update.CommandText = "DROP TRIGGER audit_no_update; UPDATE audit SET message = 'nothing happened' WHERE id = 3";
        update.ExecuteNonQuery();
        var verdict = audit.Verify();
        Assert.False(verdict.Valid);
        Assert.Equal(3, verdict.FirstBrokenId);
    }
}

public sealed class SystemdNotifierTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Ready_and_stopping_reach_a_path_or_abstract_notify_socket(bool abstractName)
    {
        using var dir = new TempDirectory();
        using var fake = new FakeNotifySocket(abstractName ? "@kai-notify-test-" + Guid.NewGuid().ToString("N") : dir.Combine("notify.sock"));
        var notifier = new SystemdNotifier(fake.Address);
        Assert.True(notifier.Ready("listening"));
        Assert.True(notifier.Stopping("bye"));
        var ready = await fake.WaitForAsync("READY=1", TimeSpan.FromSeconds(10));
        Assert.Contains("STATUS=listening", ready);
        Assert.Contains($"MAINPID={Environment.ProcessId}", ready);
        await fake.WaitForAsync("STOPPING=1", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Without_a_socket_it_does_nothing_and_a_gone_socket_does_not_throw()
    {
        Assert.False(new SystemdNotifier(null).Ready("x"));
        Assert.False(new SystemdNotifier("/nonexistent/notify.sock").Ready("x"));
    }
}

public sealed class DailyFileLogTests
{
    [Fact]
    public void Lines_are_redacted_and_the_file_rotates_at_the_day_change_keeping_the_retention()
    {
        using var dir = new TempDirectory();
        var now = new DateTimeOffset(2026, 3, 1, 23, 59, 0, TimeSpan.Zero).ToLocalTime();
        using var writer = new DailyFileLogWriter(dir.Path, new SecretRedactor(new[] { new Secret("topsecret-123") }), () => now, retainDays: 2);
        writer.Write("INFO", "test", "day one with topsecret-123");
        File.SetLastWriteTime(writer.CurrentPath, now.LocalDateTime);
        now = now.AddDays(1);
        writer.Write("INFO", "test", "day two");
        var rotated = DailyFileLogWriter.RotatedFiles(dir.Path).ToList();
        Assert.Single(rotated);
        Assert.Contains("day one with " + Redactor.Replacement, File.ReadAllText(rotated[0]));
        Assert.DoesNotContain("topsecret", File.ReadAllText(rotated[0]));
        Assert.Contains("day two", File.ReadAllText(writer.CurrentPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(writer.CurrentPath));

        // Old files beyond the retention go at the next rotation.
        File.WriteAllText(Path.Combine(dir.Path, "kai.log.2020-01-01"), "ancient");
        File.SetLastWriteTime(writer.CurrentPath, now.LocalDateTime);
        now = now.AddDays(1);
        writer.Write("INFO", "test", "day three");
        Assert.False(File.Exists(Path.Combine(dir.Path, "kai.log.2020-01-01")));
    }
}

public sealed class AuthThrottleTests
{
    [Fact]
    public void Five_failures_lock_the_client_out_doubling_and_others_are_unaffected()
    {
        var now = DateTimeOffset.UtcNow;
        var throttle = new AuthThrottle(() => now);
        for (var i = 0; i < AuthThrottle.Threshold - 1; i++) Assert.Null(throttle.Fail("ip:1"));
        Assert.Null(throttle.LockedFor("ip:1"));
        Assert.Equal(TimeSpan.FromSeconds(30), throttle.Fail("ip:1"));
        Assert.NotNull(throttle.LockedFor("ip:1"));
        Assert.Null(throttle.LockedFor("ip:2"));
        now = now.AddSeconds(31);
        Assert.Null(throttle.LockedFor("ip:1"));
        for (var i = 0; i < AuthThrottle.Threshold - 1; i++) throttle.Fail("ip:1");
        Assert.Equal(TimeSpan.FromSeconds(60), throttle.Fail("ip:1"));
        throttle.Succeed("ip:2");
        now = now.AddSeconds(61);
        throttle.Succeed("ip:1");
        Assert.Null(throttle.Fail("ip:1"));
    }
}
