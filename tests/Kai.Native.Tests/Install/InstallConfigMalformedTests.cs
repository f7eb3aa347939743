using Xunit;
using Kai.Native.Install;

namespace Kai.Native.Tests.Install;

/// <summary>Malformed, truncated and mistyped install.conf files: ONE error naming file, line, column and field.</summary>
public sealed class InstallConfigMalformedTests
{
    private const string Source = "/etc/example/install.conf";

    private static ConfigValidationException Fails(string json)
    {
        var error = Assert.Throws<ConfigValidationException>(() => InstallConfigFile.Parse(json, Source));
        Assert.Equal(InstallConfigFile.InvalidErrorId, error.ErrorId);
        Assert.Equal(KaiErrorKind.InvalidData, error.Kind);
        Assert.Equal(Source, error.Target);
        Assert.Contains(Source, error.Message);
        foreach (var secret in ConfigSamples.SecretValues) Assert.DoesNotContain(secret, error.Message);
        return error;
    }

    private static string Valid(string extra = "") => $$"""
        {
          "schemaVersion": 1,
          "telegramBotToken": "{{ConfigSamples.Token}}",
          "allowedUserIds": [111, 222],
          "apiSecret": "{{ConfigSamples.ApiSecret}}"{{extra}}
        }
        """;

    [Fact]
    public void A_missing_comma_names_line_column_and_the_field_being_read()
    {
        var error = Fails("""
            {
              "schemaVersion": 1,
              "apiPort": 8080
              "serviceUser": "kai"
            }
            """);
        var problem = Assert.Single(error.Problems);
        Assert.Equal(4, problem.Line);
        Assert.Equal(3, problem.Column);
        Assert.Equal("apiPort", problem.Field);
        Assert.Contains("malformed JSON", problem.Message);
        Assert.Contains("line 4, column 3: apiPort: malformed JSON", error.Message);
    }

    [Fact]
    public void A_truncated_file_says_so_with_the_line_and_the_last_field()
    {
        var full = InstallConfigFile.Render(ConfigSamples.Valid());
        var cut = full[..full.IndexOf("\"claudeModel\"", StringComparison.Ordinal)] + "\"claudeModel\": \"son";
        var error = Fails(cut);
        var problem = Assert.Single(error.Problems);
        Assert.Contains("truncated", problem.Message);
        Assert.Equal("claudeModel", problem.Field);
        Assert.Equal(cut.Split('\n').Length, problem.Line);
    }

    [Fact]
    public void An_empty_file_is_reported_as_empty()
    {
        var problem = Assert.Single(Fails("  \n").Problems);
        Assert.Contains("empty", problem.Message);
        Assert.Equal(1, problem.Line);
    }

    [Fact]
    public void A_json_array_instead_of_an_object_is_rejected()
    {
        var problem = Assert.Single(Fails("[1, 2]").Problems);
        Assert.Contains("expected a JSON object", problem.Message);
    }

    [Fact]
    public void A_wrong_type_names_the_field_and_the_value_position()
    {
        var error = Fails(Valid(",\n  \"apiPort\": \"8080\""));
        var problem = Assert.Single(error.Problems);
        Assert.Equal("apiPort", problem.Field);
        Assert.Equal(6, problem.Line);
        Assert.Equal(14, problem.Column);
        Assert.Equal("expected a whole number, found a string.", problem.Message);
    }

    [Fact]
    public void A_wrong_element_type_names_the_element()
    {
        var error = Fails(Valid(",\n  \"allowedWorkspaces\": [\"/srv/a\", 7]"));
        var problem = Assert.Single(error.Problems);
        Assert.Equal("allowedWorkspaces[1]", problem.Field);
        Assert.Equal(6, problem.Line);
        Assert.Equal(35, problem.Column);
    }

    [Fact]
    public void An_unknown_enum_value_lists_the_choices()
    {
        var problem = Assert.Single(Fails(Valid(",\n  \"transport\": \"carrier-pigeon\"")).Problems);
        Assert.Equal("transport", problem.Field);
        Assert.Equal("unknown value 'carrier-pigeon'; expected one of: polling, webhook.", problem.Message);
        Assert.Equal(6, problem.Line);
    }

    [Theory]
    [InlineData("2", "version 2 is not supported: this Kai reads schema version 1 (the file was written by a newer Kai).")]
    [InlineData("\"1\"", "must be the number 1, found a string.")]
    public void An_unknown_schema_version_is_the_only_problem_reported(string version, string message)
    {
        var json = Valid().Replace("\"schemaVersion\": 1", "\"schemaVersion\": " + version) .Replace("[111, 222]", "\"oops\"");
        var problem = Assert.Single(Fails(json).Problems);
        Assert.Equal("schemaVersion", problem.Field);
        Assert.Equal(message, problem.Message);
        Assert.Equal(2, problem.Line);
    }

    [Fact]
    public void A_missing_schema_version_is_reported()
    {
        var problem = Assert.Single(Fails("{ \"apiPort\": 8080 }").Problems);
        Assert.Equal("schemaVersion", problem.Field);
        Assert.Contains("is missing", problem.Message);
    }

    [Fact]
    public void An_unknown_field_suggests_the_closest_one()
    {
        var problem = Assert.Single(Fails(Valid(",\n  \"apiPrt\": 8080")).Problems);
        Assert.Equal("apiPrt", problem.Field);
        Assert.Equal("unknown field; did you mean 'apiPort'?", problem.Message);
        Assert.Equal(6, problem.Line);
        Assert.Equal(3, problem.Column);
    }

    [Fact]
    public void A_repeated_field_is_reported_with_both_lines()
    {
        var problem = Assert.Single(Fails(Valid(",\n  \"apiPort\": 1,\n  \"apiPort\": 2")).Problems);
        Assert.Equal("apiPort", problem.Field);
        Assert.Equal(7, problem.Line);
        Assert.Contains("first on line 6", problem.Message);
    }

    [Fact]
    public void Every_problem_is_reported_at_once_in_file_order()
    {
        var error = Fails("""
            {
              "schemaVersion": 1,
              "serviceUser": "root",
              "apiPort": 70000,
              "claudeModel": "gpt",
              "allowedUserIds": [-5],
              "installDirectory": "opt/kai"
            }
            """);
        Assert.Equal(new[] { "serviceUser", "apiPort", "claudeModel", "allowedUserIds[0]", "installDirectory", "telegramBotToken", "apiSecret" },
            error.Problems.Select(p => p.Field));
        Assert.Equal(new int?[] { 3, 4, 5, 6, 7, null, null }, error.Problems.Select(p => p.Line));
        Assert.StartsWith($"Invalid install configuration '{Source}': 7 problems:\n  line 3, column 18: serviceUser: must not be root", error.Message);
        Assert.Contains("telegramBotToken: is missing; it is required", error.Message);
    }

    [Fact]
    public void A_malformed_token_is_reported_without_its_value()
    {
        var json = Valid().Replace(ConfigSamples.Token, "SECRET-VALUE-THAT-IS-NOT-A-TOKEN");
        var error = Fails(json);
        var problem = Assert.Single(error.Problems);
        Assert.Equal("telegramBotToken", problem.Field);
        Assert.Equal(3, problem.Line);
        Assert.DoesNotContain("SECRET-VALUE", error.Message);
    }

    [Fact]
    public void A_secret_of_the_wrong_type_is_reported_without_its_value()
    {
        var error = Fails(Valid().Replace($"\"{ConfigSamples.ApiSecret}\"", "[\"hunter2-secret-in-array\"]"));
        Assert.Equal("apiSecret", Assert.Single(error.Problems).Field);
        Assert.DoesNotContain("hunter2", error.Message);
    }

    [Fact]
    public void Null_for_a_value_that_cannot_be_empty_is_reported()
    {
        var problem = Assert.Single(Fails(Valid(",\n  \"apiPort\": null")).Problems);
        Assert.Equal("apiPort", problem.Field);
        Assert.Equal("must not be null.", problem.Message);
    }

    [Fact]
    public void Load_reports_the_full_path_of_a_bad_file()
    {
        using var dir = new ConfigTestDirectory();
        var path = dir.Write("install.conf", "{ \"schemaVersion\": 1, ");
        var error = Assert.Throws<ConfigValidationException>(() => InstallConfigFile.Load(path));
        Assert.StartsWith($"Invalid install configuration '{path}': line 1, column ", error.Message);
        Assert.Equal(path, error.Target);
    }
}
