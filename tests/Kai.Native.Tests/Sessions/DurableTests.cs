using Kai.Native.Sessions;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Kai.Native.Tests.Sessions;

public sealed class DurableTests
{
    [Fact]
    public async Task Transcript_and_commands_survive_a_new_host()
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("s");
        await host.RunAsync("s", "cd /tmp; echo first-output");
        await host.RunAsync("s", "echo to-stderr >&2; exit 7");
        await host.RestartAsync();
        var transcript = await host.Host.GetTranscriptAsync("s", default);
        Assert.Contains("$ cd /tmp; echo first-output\nfirst-output\n", transcript.Screen);
        Assert.Contains("/tmp$ echo to-stderr >&2; exit 7\nto-stderr\n", transcript.Screen);
        Assert.Contains("exit 7", transcript.Screen);
        Assert.Equal(2, transcript.Commands.Count);
        Assert.Equal("first-output\n", transcript.Commands[0].OutputTail);
        Assert.Equal(7, transcript.Commands[1].ExitCode);
        Assert.Equal("to-stderr\n", transcript.Commands[1].ErrorTail);
        Assert.All(transcript.Commands, c => Assert.False(c.Interrupted));
        var info = (await host.Host.GetSessionsAsync(default)).Single();
        Assert.Equal(2, info.CommandCount);
        Assert.Equal(SessionState.Stopped, info.State);
        Assert.Equal("/tmp", info.WorkingDirectory);
    }

    [Fact]
    public async Task The_screen_transcript_keeps_only_its_tail()
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("s");
        for (var i = 0; i < 30; i++) await host.RunAsync("s", $"printf 'line-{i:00} %.0s' $(seq 100); echo");
        var transcript = await host.Host.GetTranscriptAsync("s", default);
        Assert.InRange(transcript.Screen.Length, 9_000, 10_000);
        Assert.Contains("line-29", transcript.Screen);
        Assert.DoesNotContain("line-05", transcript.Screen);
        Assert.Equal(30, transcript.Commands.Count);
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(host.DataDirectory, "kai.db")}");
        connection.Open();
        using var sum = connection.CreateCommand();
        sum.CommandText = "SELECT sum(length(text)) FROM session_transcript WHERE session = 's'";
        Assert.InRange((long)sum.ExecuteScalar()!, 10_000, 20_000); // stored rows are trimmed in bulk
    }

    [Fact]
    public async Task A_command_in_flight_when_the_host_dies_is_marked_interrupted()
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("s");
        await host.RunAsync("s", "echo before");
        var running = host.RunAsync("s", "echo going; sleep 30");
        await WaitUntilAsync(() => CountRows(host.DataDirectory, "status = 'running'") == 1);
        host.Host.SimulateCrash();
        await running; // the dying host's exec ends; nothing of it reaches the database
        await host.RestartAsync();
        var transcript = await host.Host.GetTranscriptAsync("s", default);
        var last = transcript.Commands[^1];
        Assert.Equal("echo going; sleep 30", last.Command);
        Assert.True(last.Interrupted);
        Assert.Contains("interrupted", transcript.Screen);
        Assert.EndsWith("running]\n", transcript.Screen);
        Assert.Equal(0, CountRows(host.DataDirectory, "status = 'running'"));
        var after = await host.RunAsync("s", "echo alive");
        Assert.Equal("alive\n", after.Output);
    }

    [Fact]
    public async Task Secrets_are_redacted_in_results_transcripts_and_rows()
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("s");
        var secret = SessionTestHost.KnownSecret;
        var result = await host.RunAsync("s",
            $"echo 'value {secret}'; echo 'Authorization: Bearer abcdefghijklmnopqrstuvwx' >&2; echo sk-ant-api03-abcdefghijklmnopqrstuvwxyz; echo 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw");
        Assert.DoesNotContain(secret, result.Output);
        Assert.DoesNotContain(secret, result.Command);
        Assert.Contains("value [REDACTED]", result.Output);
        Assert.Contains("Bearer [REDACTED]", result.Error);
        Assert.DoesNotContain("abcdefghijklmnopqrstuvwx", result.Error);
        Assert.DoesNotContain("sk-ant-api03", result.Output);
        Assert.DoesNotContain("AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", result.Output);
        var chunks = new ChunkCollector();
        await host.RunAsync(new ExecRequest("s", $"printf '%s' {secret}; echo; echo {secret} >&2"), chunks);
        Assert.DoesNotContain(secret, chunks.Text(OutputStream.StandardOutput));
        Assert.DoesNotContain(secret, chunks.Text(OutputStream.StandardError));
        await host.Host.GetTranscriptAsync("s", default); // flushes
        var everything = DumpDatabase(host.DataDirectory);
        Assert.DoesNotContain(secret, everything);
        Assert.DoesNotContain("abcdefghijklmnopqrstuvwx", everything);
        Assert.Contains("[REDACTED]", everything);
    }

    [Fact]
    public async Task Stop_kills_the_shell_keeps_the_record_and_the_next_command_restores_state()
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("s");
        await host.RunAsync("s", "cd /opt; export S=1");
        var pid = (await host.Host.GetSessionsAsync(default)).Single().ShellProcessId!.Value;
        var stopped = await host.Host.StopSessionAsync("s", default);
        Assert.Equal(SessionState.Stopped, stopped.State);
        Assert.Null(stopped.ShellProcessId);
        Assert.False(Directory.Exists($"/proc/{pid}") && File.ReadAllText($"/proc/{pid}/stat").Contains(" S "), "the shell is gone");
        var after = await host.RunAsync("s", "echo \"$PWD $S\"");
        Assert.True(after.ShellRestarted);
        Assert.Equal("/opt 1\n", after.Output);
    }

    [Fact]
    public async Task Remove_deletes_record_transcript_and_directories()
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("gone");
        await host.RunAsync("gone", "echo x > \"$HOME/file\"; chmod 500 \"$HOME\"");
        var root = Path.Combine(host.DataDirectory, "sessions", "gone");
        Assert.True(Directory.Exists(root));
        await host.Host.RemoveSessionAsync("gone", default);
        Assert.False(Directory.Exists(root));
        Assert.Empty(await host.Host.GetSessionsAsync(default));
        var error = await Assert.ThrowsAsync<KaiException>(() => host.Host.GetTranscriptAsync("gone", default));
        Assert.Equal("SessionNotFound", error.ErrorId);
        Assert.Equal(0, CountRows(host.DataDirectory, "1 = 1"));
        await Assert.ThrowsAsync<KaiException>(() => host.Host.RemoveSessionAsync("gone", default));
    }

    [Fact]
    public async Task A_session_is_owned_by_one_host_at_a_time()
    {
        await using var first = SessionTestHost.Create();
        await first.StartAsync("s");
        await using (var second = SessionTestHost.NewHost(first.DataDirectory, sandboxed: false))
        {
            var error = await Assert.ThrowsAsync<KaiException>(() => second.ExecAsync(new ExecRequest("s", "true"), null, default));
            Assert.Equal("SessionInUse", error.ErrorId);
            Assert.Equal(KaiErrorKind.ResourceUnavailable, error.Kind);
            Assert.Single(await second.GetSessionsAsync(default)); // listing works from anywhere
        }
        await first.Host.StopSessionAsync("s", default);
        await using var third = SessionTestHost.NewHost(first.DataDirectory, sandboxed: false);
        Assert.Equal("ok\n", (await third.ExecAsync(new ExecRequest("s", "echo ok"), null, default)).Output);
    }

    [Fact]
    public async Task Starting_an_existing_session_reopens_it_and_conflicting_parameters_are_refused()
    {
        await using var host = SessionTestHost.Create();
        var workspace = Directory.CreateTempSubdirectory("kai-ws-").FullName;
        try
        {
            var created = await host.StartAsync("s", workspace);
            Assert.Equal(workspace, created.Workspace);
            Assert.Equal(workspace, created.WorkingDirectory);
            Assert.Equal(SessionState.Idle, created.State);
            var again = await host.StartAsync("s");
            Assert.Equal(workspace, again.Workspace);
            var error = await Assert.ThrowsAsync<KaiException>(() => host.StartAsync("s", "/tmp"));
            Assert.Equal("SessionExists", error.ErrorId);
        }
        finally
        {
            Directory.Delete(workspace, true);
        }
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++) await Task.Delay(25);
        Assert.True(condition(), "condition not reached in 5 s");
    }

    private static long CountRows(string dataDirectory, string where)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "kai.db")}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM session_commands WHERE {where}";
        return (long)command.ExecuteScalar()!;
    }

    private static string DumpDatabase(string dataDirectory)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "kai.db")}");
        connection.Open();
        var text = new System.Text.StringBuilder();
        foreach (var table in new[] { "sessions", "session_commands", "session_transcript" })
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM {table}";
            using var reader = command.ExecuteReader();
            while (reader.Read())
                for (var i = 0; i < reader.FieldCount; i++) text.Append(reader.GetValue(i)).Append('\n');
        }
        return text.ToString();
    }
}
