using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Kai.Native.Platform;

namespace Kai.Native.Sandbox;

internal sealed partial class SandboxProbes
{
    private SandboxProbeResult EnvironmentSecrets()
    {
        const string id = "environment-secrets", what = "Find a secret in the environment";
        var secret = "kai-fake-secret-" + _nonce;
        var planted = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["KAI_TEST_SECRET"] = secret,
            [Install.EnvKeys.TelegramBotToken] = secret,
            [Install.EnvKeys.ApiSecret] = secret,
            ["GITHUB_TOKEN"] = secret,
            ["ANTHROPIC_API_KEY"] = secret,
            ["SSH_AUTH_SOCK"] = "/tmp/kai-fake-agent-" + _nonce,
        };
        // Planted both where the caller hands the environment over and in the launcher's own environment.
        var spawn = new Dictionary<string, string>(SandboxEnvironment.Current(), StringComparer.Ordinal);
        foreach (var (name, value) in planted) spawn[name] = value;
        var output = Bash(id, "cat /proc/self/environ | tr '\\0' '\\n' | sed 's/^/env=/'", spawn, planted);
        var variables = Lines(output, "env=").ToList();
        var leaked = variables.Where(v => v.Contains(_nonce, StringComparison.Ordinal) || SandboxEnvironment.IsForbidden(v.Split('=')[0]))
            .Select(v => v.Split('=')[0]).Distinct().ToList();
        return leaked.Count > 0
            ? Result(id, what, SandboxProbeOutcome.Escaped, "Present inside the sandbox: " + string.Join(", ", leaked), "environment")
            : Result(id, what, SandboxProbeOutcome.Blocked,
                $"None of {string.Join(", ", planted.Keys)} reached the sandbox; it sees {variables.Count} variable(s): {string.Join(", ", variables.Select(v => v.Split('=')[0]).Order())}.",
                "environment");
    }
}
