using System.Text;
using Kai.Native.Sessions;
using Kai.Native.Store;
using Xunit;

namespace Kai.Native.Tests.Sessions;

public sealed class FramingUnitTests
{
    [Theory]
    [InlineData("ls -la", false)]
    [InlineData("make test && git status", false)]
    [InlineData("grep -e 'a' --color=auto file", false)]
    [InlineData("git commit -m \"x=1\"", false)]
    [InlineData("export X=1", true)]
    [InlineData("PATH=/opt/bin:$PATH", true)]
    [InlineData("cd src && FOO=bar make", true)]
    [InlineData(". ./env.sh", true)]
    [InlineData("source venv/bin/activate", true)]
    [InlineData("unset X", true)]
    [InlineData("declare -x Y", true)]
    [InlineData("set -a", true)]
    [InlineData("e\\xport X=1", true)]
    [InlineData("echo ${X:=1}", true)]
    [InlineData("read -r LINE", true)]
    public void Commands_that_may_change_exports_are_recognised(string command, bool expected) =>
        Assert.Equal(expected, ShellFraming.MayChangeExports(command));

    [Theory]
    [InlineData("f() { export X=1; }", true)]
    [InlineData("function g { :; }", true)]
    [InlineData("trap 'echo x' EXIT", true)]
    [InlineData("echo '()'", true)] // conservative
    [InlineData("ls -la", false)]
    public void Functions_and_traps_make_every_later_command_snapshot(string command, bool expected) =>
        Assert.Equal(expected, ShellFraming.DefinesDynamicCode(command));

    [Fact]
    public void The_command_line_is_one_quoted_word_with_a_fresh_nonce()
    {
        var nonce = ShellFraming.NewNonce();
        Assert.Equal(12, nonce.Length);
        Assert.NotEqual(nonce, ShellFraming.NewNonce());
        var plain = Encoding.UTF8.GetString(ShellFraming.BuildCommandRecord(nonce, "echo 'a'\nb: c", null, null, null, false));
        Assert.Equal($":echo 'a'\nb: c\0{nonce}", plain);
        var wrapped = Encoding.UTF8.GetString(ShellFraming.BuildCommandRecord(nonce, "echo 'a'", "/w d", new Dictionary<string, string> { ["K"] = "v'x" }, "/in", true));
        Assert.Equal("+__kai_cd '/w d' && K='v'\\''x' eval 'echo '\\''a'\\''' <'/in'\0" + nonce, wrapped);
        Assert.Equal("'it'\\''s'", ShellFraming.Quote("it's"));
    }

    [Fact]
    public void Nul_characters_and_bad_variable_names_are_refused()
    {
        Assert.Equal("InvalidCommand", Assert.Throws<KaiException>(() => ShellFraming.ValidateRequest("a\0b", null, null)).ErrorId);
        Assert.Equal("InvalidEnvironmentVariable", Assert.Throws<KaiException>(() =>
            ShellFraming.ValidateRequest("x", null, new Dictionary<string, string> { ["__kai_x"] = "1" })).ErrorId);
        Assert.Equal("InvalidEnvironmentVariable", Assert.Throws<KaiException>(() =>
            ShellFraming.ValidateRequest("x", null, new Dictionary<string, string> { ["A-B"] = "1" })).ErrorId);
    }

    [Fact]
    public void Export_snapshots_drop_shell_managed_variables_and_secrets()
    {
        var dump = "declare -x A=\"1\"\ndeclare -x MULTI=\"x\ndeclare -x FAKE=y\"\ndeclare -x OLDPWD\ndeclare -x PWD=\"/tmp\"\n" +
                   "declare -x SHLVL=\"1\"\ndeclare -x TOKEN=\"sk-abcdefghijklmnopqrstuvwxyz\"\ndeclare -rx RO=\"r\"\n";
        var filtered = ShellFraming.FilterExports(dump, Redactor.PatternsOnly, out var dropped);
        Assert.Equal("declare -x A=\"1\"\ndeclare -x MULTI=\"x\ndeclare -x FAKE=y\"\ndeclare -rx RO=\"r\"\n", filtered);
        Assert.Equal(1, dropped);
    }

    [Theory]
    [InlineData("build")]
    [InlineData("web-01")]
    [InlineData("ci_2024.1")]
    [InlineData("A")]
    public void Valid_session_names(string name) => Assert.Equal(name, SessionNames.Validate(name));

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData("é")]
    public void Invalid_session_names(string name)
    {
        var error = Assert.Throws<KaiException>(() => SessionNames.Validate(name));
        Assert.Equal("InvalidSessionName", error.ErrorId);
        Assert.Equal(KaiErrorKind.InvalidArgument, error.Kind);
    }

    [Fact]
    public void Transcripts_are_trimmed_to_their_tail_at_a_line_start()
    {
        var text = string.Concat(Enumerable.Range(0, 2000).Select(i => $"line {i}\n"));
        var tail = SessionStore.TrimToTail(text, 10_000);
        Assert.True(tail.Length <= 10_000);
        Assert.StartsWith("line ", tail);
        Assert.EndsWith("line 1999\n", tail);
    }
}

public sealed class OutputCaptureUnitTests
{
    [Fact]
    public void Small_output_is_kept_whole_and_text_is_not_duplicated_as_bytes()
    {
        var capture = new OutputCapture(100);
        capture.Append("hello "u8);
        capture.Append("wörld"u8);
        var result = capture.Finish();
        Assert.Equal("hello wörld", result.Text);
        Assert.Null(result.Bytes);
        Assert.False(result.Truncated);
    }

    [Fact]
    public void A_character_split_across_reads_is_decoded_whole()
    {
        var capture = new OutputCapture(100);
        var bytes = Encoding.UTF8.GetBytes("a🌍b");
        capture.Append(bytes.AsSpan(0, 3));
        capture.Append(bytes.AsSpan(3));
        Assert.Equal("a🌍b", capture.Finish().Text);
    }

    [Fact]
    public void Large_output_keeps_head_marker_and_tail_within_the_cap()
    {
        var capture = new OutputCapture(1000);
        for (var i = 0; i < 10_000; i++) capture.Append(Encoding.ASCII.GetBytes($"{i:D5}\n"));
        var result = capture.Finish();
        Assert.True(result.Truncated);
        Assert.True(result.Text.Length <= 1000, $"{result.Text.Length}");
        Assert.StartsWith("00000\n00001\n", result.Text);
        Assert.EndsWith("09998\n09999\n", result.Text);
        Assert.Contains("bytes of output omitted", result.Text);
        Assert.Equal(60_000, result.TotalBytes);
        Assert.Equal("09999\n", result.Text[^6..]);
        Assert.StartsWith(result.Text[result.TailIndex..], result.Text[result.TailIndex..]);
    }

    [Fact]
    public void Binary_output_is_returned_as_bytes_and_capped_in_bytes()
    {
        var capture = new OutputCapture(100);
        capture.Append(new byte[] { 0xff, 0x00, 0xfe });
        var small = capture.Finish();
        Assert.Equal(new byte[] { 0xff, 0x00, 0xfe }, small.Bytes);
        var big = new OutputCapture(100);
        var data = Enumerable.Range(0, 5000).Select(i => (byte)(i % 251 == 0 ? 0xff : i % 128)).ToArray();
        big.Append(data);
        var result = big.Finish();
        Assert.True(result.Truncated);
        Assert.NotNull(result.Bytes);
        Assert.True(result.Bytes!.Length <= 100 + 200);
        Assert.Equal(data[^25..], result.Bytes[^25..]);
    }

    [Fact]
    public void Redaction_of_bytes_leaves_every_other_byte_alone()
    {
        var redactor = new Redactor(["supersecretvalue"]);
        var data = new byte[] { 0xff, 0x00 }.Concat(Encoding.ASCII.GetBytes("supersecretvalue")).Concat(new byte[] { 0x80, 0x41 }).ToArray();
        var result = redactor.Redact(data);
        Assert.Equal(new byte[] { 0xff, 0x00 }.Concat(Encoding.ASCII.GetBytes("[REDACTED]")).Concat(new byte[] { 0x80, 0x41 }), result);
    }

    [Theory]
    [InlineData("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc.def", "Authorization: Bearer [REDACTED]")]
    [InlineData("key sk-proj-ABCDEFGHIJKLMNOPQRSTUV done", "key [REDACTED] done")]
    [InlineData("bot 1234567890:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "bot [REDACTED]")]
    [InlineData("GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789", "GITHUB_TOKEN=[REDACTED]")]
    [InlineData("declare -x API_KEY=\"abcdef123456\"", "declare -x API_KEY=\"[REDACTED]\"")]
    [InlineData("aws AKIAABCDEFGHIJKLMNOP", "aws [REDACTED]")]
    [InlineData("plain text, token is ok", "plain text, token is ok")]
    public void Token_shaped_strings_are_redacted(string input, string expected) =>
        Assert.Equal(expected, Redactor.PatternsOnly.Redact(input));

    [Fact]
    public void Known_secret_values_from_the_environment_are_redacted()
    {
        var redactor = Redactor.FromEnvironment(envFile: "/nonexistent", extraSecrets: ["hunter2hunter2"]);
        Assert.Equal("pw [REDACTED]!", redactor.Redact("pw hunter2hunter2!"));
        Assert.True(redactor.ContainsSecret("xhunter2hunter2x"));
        Assert.Equal("short", new Redactor(["short"]).Redact("short")); // too short to match literally
    }
}
