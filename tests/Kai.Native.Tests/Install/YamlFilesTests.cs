using Xunit;
using Kai.Native.Install;

namespace Kai.Native.Tests.Install;

/// <summary>users.yaml, workspaces.yaml, services.yaml: parsed, validated, one error with file, line and field.</summary>
public sealed class YamlFilesTests
{
    private const string Source = "/src/kai/users.yaml";

    [Fact]
    public void Users_yaml_reads_every_key()
    {
        var users = UsersYaml.Parse("""
            # who may talk to Kai
            users:
              - telegram_id: 111
                name: Alice
                role: admin
                os_user: alice
                workspace: /home/alice/projects/
                model: opus
                max_budget_usd: 15
              - telegram_id: 222
                name: bob
            """, Source);
        Assert.Equal(2, users.Count);
        var alice = users[0];
        Assert.Equal(new KaiUserEntry(111, "Alice", "alice") { Role = KaiUserRole.Admin, Workspace = "/home/alice/projects", Model = ClaudeModel.Opus, MaxBudgetUsd = 15 }, alice);
        Assert.Equal(new KaiUserEntry(222, "bob", null), users[1]);
    }

    [Fact]
    public void Users_yaml_problems_are_one_error_with_line_column_and_field()
    {
        var error = Assert.Throws<ConfigValidationException>(() => UsersYaml.Parse("""
            users:
              - telegram_id: 111
                os_user: Bad User
              - telegram_id: abc
                role: owner
              - name: nobody
              - telegram_id: 111
                os-user: bob
            """, Source));
        Assert.Equal(UsersYaml.InvalidErrorId, error.ErrorId);
        Assert.Equal(KaiErrorKind.InvalidData, error.Kind);
        Assert.Equal(Source, error.Target);
        Assert.Equal(new[] { "users[0].os_user", "users[1].telegram_id", "users[1].role", "users[2].telegram_id", "users[3].os-user" },
            error.Problems.Select(p => p.Field));
        Assert.Equal(new int?[] { 3, 4, 5, 6, 8 }, error.Problems.Select(p => p.Line));
        Assert.Equal(14, error.Problems[0].Column);
        Assert.StartsWith($"Invalid users.yaml '{Source}': 5 problems:\n  line 3, column 14: users[0].os_user: 'Bad User' is not a valid user name", error.Message);
        Assert.Contains("users[3].os-user: unknown key; did you mean 'os_user'?", error.Message);
        Assert.Contains("unknown value 'owner'; expected one of: user, admin.", error.Message);
    }

    [Fact]
    public void Duplicate_telegram_ids_are_reported()
    {
        var error = Assert.Throws<ConfigValidationException>(() => UsersYaml.Parse("users:\n  - telegram_id: 5\n  - telegram_id: 5\n", Source));
        var problem = Assert.Single(error.Problems);
        Assert.Equal("users[1].telegram_id", problem.Field);
        Assert.Contains("already listed as users[0]", problem.Message);
    }

    [Theory]
    [InlineData("users:\n  - telegram_id: 1\n    name: [unclosed\n", 4, "malformed YAML")]
    [InlineData("users:\n  - telegram_id: 1\n   name: bad indent\n", 3, "malformed YAML")]
    [InlineData("users:\n  - telegram_id: 1\n  name: x\n", 3, "malformed YAML")]
    [InlineData("users: 5\n", 1, "expected a list of users")]
    [InlineData("- telegram_id: 1\n", 1, "expected a map with a 'users:' list")]
    [InlineData("", null, "the file is empty")]
    [InlineData("users: []\n", 1, "lists no users")]
    [InlineData("users:\n  - telegram_id: 1\n---\nusers: []\n", 4, "more than one YAML document")]
    public void Malformed_users_yaml_is_one_error_naming_the_line(string yaml, int? line, string message)
    {
        var error = Assert.Throws<ConfigValidationException>(() => UsersYaml.Parse(yaml, Source));
        var problem = error.Problems[0];
        Assert.Equal(line, problem.Line);
        Assert.Contains(message, problem.Message);
        Assert.Contains(Source, error.Message);
    }

    [Fact]
    public void Duplicate_keys_are_reported()
    {
        var error = Assert.Throws<ConfigValidationException>(() => UsersYaml.Parse("users:\n  - telegram_id: 1\n    telegram_id: 2\n", Source));
        var problem = Assert.Single(error.Problems);
        Assert.Equal(3, problem.Line);
    }

    [Fact]
    public void Load_and_Validate_read_the_file_and_name_it()
    {
        using var dir = new ConfigTestDirectory();
        var good = dir.Write("users.yaml", "users:\n  - telegram_id: 7\n    os_user: alice\n");
        Assert.Equal("alice", Assert.Single(UsersYaml.Load(good)).OsUser);
        UsersYaml.Validate(good);

        var bad = dir.Write("bad.yaml", "users:\n  - telegram_id: -7\n");
        var error = Assert.Throws<ConfigValidationException>(() => UsersYaml.Validate(bad));
        Assert.StartsWith($"Invalid users.yaml '{bad}': line 2, column 18: users[0].telegram_id: must be a positive", error.Message);

        var missing = Assert.Throws<KaiException>(() => UsersYaml.Load(dir.File("none.yaml")));
        Assert.Equal("UsersYamlNotFound", missing.ErrorId);
        Assert.Equal(KaiErrorKind.ObjectNotFound, missing.Kind);
    }

    [Fact]
    public void Workspaces_yaml_reads_every_key_and_hides_env_values()
    {
        var workspaces = WorkspacesYaml.Parse("""
            workspaces:
              - path: /srv/projects/app
                name: app
                model: haiku
                timeout_seconds: 300
                max_budget_usd: 2.5
                allowed_users: [111, 222]
                env:
                  NODE_ENV: development
                  API_TOKEN: SECRET-workspace-token
              - path: /srv/other
            """, "/src/workspaces.yaml");
        Assert.Equal(2, workspaces.Count);
        var app = workspaces[0];
        Assert.Equal("/srv/projects/app", app.Path);
        Assert.Equal(ClaudeModel.Haiku, app.Model);
        Assert.Equal(300, app.TimeoutSeconds);
        Assert.Equal(2.5m, app.MaxBudgetUsd);
        Assert.Equal(new long[] { 111, 222 }, app.AllowedUsers);
        Assert.Equal("SECRET-workspace-token", app.Environment["API_TOKEN"].Reveal());
        Assert.DoesNotContain("SECRET", app.ToString());
        Assert.Empty(WorkspacesYaml.Parse("", "w.yaml"));
    }

    [Fact]
    public void Workspaces_yaml_problems_name_their_fields()
    {
        var error = Assert.Throws<ConfigValidationException>(() => WorkspacesYaml.Parse("""
            workspaces:
              - path: relative/dir
              - path: /srv/a
                timeout_seconds: 0
                allowed_users: [x]
                env:
                  1BAD: SECRET-value
              - name: no-path
              - path: /srv/a
            """, "/src/workspaces.yaml"));
        Assert.Equal(WorkspacesYaml.InvalidErrorId, error.ErrorId);
        Assert.Equal(new[] { "workspaces[0].path", "workspaces[1].timeout_seconds", "workspaces[1].allowed_users[0]", "workspaces[1].env.1BAD", "workspaces[2].path" },
            error.Problems.Select(p => p.Field));
        Assert.DoesNotContain("SECRET", error.Message);
    }

    [Fact]
    public void Services_yaml_reads_services_and_their_auth()
    {
        var services = ServicesYaml.Parse("""
            services:
              perplexity:
                url: https://api.perplexity.ai
                description: Web search
                auth:
                  type: bearer
                  key_env: PERPLEXITY_API_KEY
              weather:
                url: https://weather.example.com/v1
                auth:
                  type: query
                  name: appid
                  key: SECRET-weather-key
              local:
                url: http://127.0.0.1:9000
            """, "/src/services.yaml");
        Assert.Equal(new[] { "perplexity", "weather", "local" }, services.Select(s => s.Name));
        Assert.Equal(new ServiceAuth(ServiceAuthType.Bearer, null, null, "PERPLEXITY_API_KEY"), services[0].Auth);
        Assert.Equal("appid", services[1].Auth.ParameterName);
        Assert.Equal("SECRET-weather-key", services[1].Auth.Key!.Reveal());
        Assert.DoesNotContain("SECRET", services[1].ToString());
        Assert.Equal(ServiceAuthType.None, services[2].Auth.Type);
    }

    [Fact]
    public void Services_yaml_problems_never_show_keys()
    {
        var error = Assert.Throws<ConfigValidationException>(() => ServicesYaml.Parse("""
            services:
              Bad Name:
                url: https://x.example.com
              plain:
                url: http://example.com
              nokey:
                url: https://x.example.com
                auth:
                  type: header
              both:
                url: https://x.example.com
                auth: SECRET-key-as-scalar
              typo:
                url: https://x.example.com
                auht:
                  type: none
            """, "/src/services.yaml"));
        Assert.Equal(ServicesYaml.InvalidErrorId, error.ErrorId);
        Assert.Equal(new[] { "services.Bad Name", "services.plain.url", "services.nokey.auth", "services.nokey.auth.name", "services.both.auth", "services.typo.auht" },
            error.Problems.Select(p => p.Field));
        Assert.DoesNotContain("SECRET", error.Message);
    }
}
