using Xunit;
using Kai.Native.Sessions;

namespace Kai.Native.Tests.Sessions;

public sealed class PersistentShellTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task State_persists_within_a_session_and_not_across_sessions(bool sandboxed)
    {
        if (sandboxed && !Bubblewrap.IsUsable) return;
        await using var host = SessionTestHost.Create(sandboxed);
        await host.StartAsync("a");
        await host.StartAsync("b");
        var first = await host.RunAsync("a", "cd /tmp; export X=1; Y=local; f() { echo from-f; }");
        Assert.Equal(0, first.ExitCode);
        var a = await host.RunAsync("a", "echo \"$PWD $X $Y\"; f");
        Assert.Equal("/tmp 1 local\nfrom-f\n", a.Output);
        Assert.Equal("/tmp", a.WorkingDirectory);
        var b = await host.RunAsync("b", "echo \"[$X][$Y]\"; pwd; type f 2>&1 | head -1");
        Assert.StartsWith("[][]\n", b.Output);
        Assert.DoesNotContain("/tmp\n", b.Output);
        Assert.Contains("not found", b.Output);
    }

    [Fact]
    public async Task Declare_and_return_behave_as_at_a_prompt()
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("s");
        await host.RunAsync("s", "declare -A map=([k]=v); declare -x DX=2; typeset T=3");
        var result = await host.RunAsync("s", "echo \"${map[k]} $DX $T\"; return 3");
        Assert.StartsWith("v 2 3\n", result.Output);
        Assert.Contains("return", result.Error); // "can only `return' from a function": as at a prompt
        var after = await host.RunAsync("s", "echo still-here");
        Assert.Equal("still-here\n", after.Output);
        Assert.False(after.ShellRestarted);
    }

    [Fact]
    public async Task Exit_status_stdout_stderr_and_last_status_are_separate()
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("s");
        var result = await host.RunAsync("s", "echo out; echo err >&2; false");
        Assert.Equal("out\n", result.Output);
        Assert.Equal("err\n", result.Error);
        Assert.Equal(1, result.ExitCode);
        var status = await host.RunAsync("s", "echo $?");
        Assert.Equal("1\n", status.Output); // $? survives the framing
    }

    [Fact]
    public async Task Output_cannot_spoof_the_end_of_a_command()
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("s");
        // Sentinel-looking output with made-up nonces, on both streams; then every shell variable the command
        // can see, printed as a sentinel: none of them holds the nonce, so none of these ends the command.
        var result = await host.RunAsync("s",
            @"printf '\036\036K:AAAAAAAAAAAA:0:/x\0'; printf '\036\036K:AAAAAAAAAAAA:7:/y\0' >&2; printf '\036\036K:';" +
            @" for v in $(compgen -v); do printf '\036\036K:%s:0:/z\0' ""${!v}""; done 2>/dev/null; echo after");
        Assert.Equal(0, result.ExitCode);
        Assert.EndsWith("after\n", result.Output);
        Assert.Contains("\u001e\u001eK:AAAAAAAAAAAA:0:/x\0", result.Output);
        var next = await host.RunAsync("s", "echo next");
        Assert.Equal("next\n", next.Output);
        Assert.False(next.ShellRestarted);
    }

    [Theory]
    [InlineData("echo 'unterminated")]
    [InlineData("echo \"unterminated")]
    [InlineData("if true; then")]
    [InlineData("(((")]
    [InlineData("echo $(")]
    [InlineData("cat <<EOF\nno end")]
    [InlineData("'\\''")]
    public async Task Syntax_errors_and_unterminated_quotes_do_not_desync(string command)
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("s");
        var broken = await host.RunAsync("s", command);
        Assert.NotNull(broken.ExitCode);
        var next = await host.RunAsync("s", "echo in-sync");
        Assert.Equal("in-sync\n", next.Output);
        Assert.Equal(0, next.ExitCode);
        Assert.False(next.ShellRestarted);
    }

    [Fact]
    public async Task Quotes_dollars_and_newlines_in_commands_arrive_intact()
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("s");
        var result = await host.RunAsync("s", "printf '%s|' 'it'\\''s' \"a \\\"b\\\"\" '$HOME' \"x\ny\"");
        Assert.Equal("it's|a \"b\"|$HOME|x\ny|", result.Output);
    }

    [Fact]
    public async Task Binary_output_without_trailing_newline_and_long_lines_come_back_intact()
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("s");
        var binary = await host.RunAsync("s", @"printf '\x00\x01\xff\xfeA\x80'");
        Assert.Equal(new byte[] { 0, 1, 0xff, 0xfe, (byte)'A', 0x80 }, binary.OutputBytes);
        var noNewline = await host.RunAsync("s", "printf abc");
        Assert.Equal("abc", noNewline.Output);
        Assert.Null(noNewline.OutputBytes);
        var longLine = await host.RunAsync(new ExecRequest("s", "head -c 100000 /dev/zero | tr '\\0' x", OutputCap: 200_000));
        Assert.Equal(new string('x', 100_000), longLine.Output);
        Assert.False(longLine.Truncated);
        var utf8 = await host.RunAsync("s", "printf 'grüße 🌍'");
        Assert.Equal("grüße 🌍", utf8.Output);
    }

    [Fact]
    public async Task Stdin_is_empty_unless_input_is_given()
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("s");
        var empty = await host.RunAsync("s", "cat; echo \"[$?]\"; read -r line; echo \"read=$?\"");
        Assert.Equal("[0]\nread=1\n", empty.Output);
        var given = await host.RunAsync(new ExecRequest("s", "wc -c; cat", StandardInput: System.Text.Encoding.UTF8.GetBytes("hello\nworld")));
        Assert.Equal("11\n", given.Output);
        var fed = await host.RunAsync(new ExecRequest("s", "tr a-z A-Z", StandardInput: "abc\n"u8.ToArray()));
        Assert.Equal("ABC\n", fed.Output);
        var after = await host.RunAsync("s", "cat; echo done");
        Assert.Equal("done\n", after.Output);
    }

    [Fact]
    public async Task Per_call_environment_and_directory_apply_to_that_command_only()
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("s");
        await host.RunAsync("s", "cd /usr; export KEEP=kept");
        var tricky = "quote ' double \" dollar $HOME back \\ newline\nend";
        var result = await host.RunAsync(new ExecRequest("s", "printf '%s|%s|' \"$V\" \"$KEEP\"; pwd; bash -c 'printf \"%s\" \"$V\"' | wc -c",
            WorkingDirectory: "/etc", Environment: new Dictionary<string, string> { ["V"] = tricky, ["KEEP"] = "override" }));
        Assert.Equal($"{tricky}|override|/etc\n{System.Text.Encoding.UTF8.GetByteCount(tricky)}\n", result.Output);
        var after = await host.RunAsync("s", "printf '%s|%s|' \"${V-unset}\" \"$KEEP\"; pwd");
        Assert.Equal("unset|kept|/usr\n", after.Output);
        var missing = await host.RunAsync(new ExecRequest("s", "echo should-not-run", WorkingDirectory: "/no/such/dir"));
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Equal("", missing.Output);
        Assert.Contains("/no/such/dir", missing.Error);
    }

    [Fact]
    public async Task Bad_requests_are_clear_errors()
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("s");
        var unknown = await Assert.ThrowsAsync<KaiException>(() => host.RunAsync("nope", "true"));
        Assert.Equal("SessionNotFound", unknown.ErrorId);
        Assert.Equal(KaiErrorKind.ObjectNotFound, unknown.Kind);
        Assert.Equal("nope", unknown.Target);
        foreach (var bad in new[] { "../etc", ".", "..", "a/b", "", new string('x', 65), "sp ace" })
        {
            var error = await Assert.ThrowsAsync<KaiException>(() => host.StartAsync(bad));
            Assert.Equal("InvalidSessionName", error.ErrorId);
        }
        var badVariable = await Assert.ThrowsAsync<KaiException>(() => host.RunAsync(new ExecRequest("s", "true", Environment: new Dictionary<string, string> { ["1X"] = "v" })));
        Assert.Equal("InvalidEnvironmentVariable", badVariable.ErrorId);
        var tooLong = await Assert.ThrowsAsync<KaiException>(() => host.RunAsync("s", "true", TimeSpan.FromHours(2)));
        Assert.Equal("TimeoutTooLong", tooLong.ErrorId);
        var noWorkspace = await Assert.ThrowsAsync<KaiException>(() => host.StartAsync("w", "/no/such/workspace"));
        Assert.Equal("WorkspaceNotFound", noWorkspace.ErrorId);
        Assert.Equal(["s"], (await host.Host.GetSessionsAsync(default)).Select(s => s.Name));
    }

    [Fact]
    public async Task Set_x_traces_the_commands_not_the_framing()
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("s");
        await host.RunAsync("s", "set -x");
        var traced = await host.RunAsync("s", "echo hi");
        Assert.Equal("hi\n", traced.Output);
        Assert.Contains("+ echo hi", traced.Error);
        Assert.DoesNotContain("read", traced.Error);
        Assert.DoesNotContain("printf", traced.Error);
        await host.RunAsync("s", "set +x");
        Assert.Equal("", (await host.RunAsync("s", "echo quiet")).Error);
    }
}
