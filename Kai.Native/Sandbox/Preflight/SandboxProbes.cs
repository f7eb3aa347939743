using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Kai.Native.Platform;

namespace Kai.Native.Sandbox;

/// <summary>
/// The directed probes. Each one sets up something on the host (a canary file, a listener, a beacon process, an
/// inheritable descriptor, fake secrets), tries to reach it from inside the real sandbox with the real policy,
/// and checks the outcome on the host side where it can (a file that appeared, content that changed).
/// </summary>
internal sealed class SandboxProbes
{
    private const string Done = "kai-probe-done";
    private readonly SandboxPolicy _policy;
    private readonly ISandboxBackend _backend;
    private readonly string _workingDirectory;
    private readonly string _nonce = Guid.NewGuid().ToString("N");
    private readonly TimeSpan _timeout;
    private SandboxMountPlan _plan;

    public SandboxProbes(SandboxPolicy policy, ISandboxBackend backend, TimeSpan timeout)
    {
        _policy = policy;
        _backend = backend;
        _timeout = timeout;
        _plan = SandboxMountPlan.Build(policy);
        _workingDirectory = new[] { policy.Context?.Workspace, policy.Context?.Home }
            .FirstOrDefault(d => d is not null && d.StartsWith('/') && Directory.Exists(d)) ?? "/";
    }

    public IReadOnlyList<SandboxProbeResult> RunAll() => new[]
    {
        ReadDeniedFile(), ListDeniedDirectory(), WriteOutsideAllowList(), WriteDeniedFile(), SeeHostProcesses(), ReachNetwork(),
        ReachHostSocket(), EnvironmentSecrets(), GainPrivileges(), InheritDescriptor(), ChangeKernelSettings(),
    };

    // ---- helpers -------------------------------------------------------------------------------------------

    private string Bash(string probe, string script, IReadOnlyDictionary<string, string>? spawnEnvironment = null,
        IReadOnlyDictionary<string, string>? launcherEnvironment = null)
    {
        var result = SandboxProcess.Run(_backend, _policy, new SandboxSpawn(
            new[] { "/bin/bash", "--noprofile", "--norc", "-c", script + "\necho " + Done },
            _workingDirectory,
            spawnEnvironment ?? SandboxEnvironment.Current()), timeout: _timeout, extraEnvironment: launcherEnvironment);
        if (!result.Output.Contains(Done, StringComparison.Ordinal))
            throw new KaiException("SandboxProbeFailed", KaiErrorKind.InvalidOperation,
                $"The sandbox probe '{probe}' could not run inside the sandbox (exit {result.ExitCode}{(result.TimedOut ? ", timed out" : "")}): {Trim(result.Error)}", probe);
        return result.Output;
    }

    private static string Trim(string text)
    {
        var trimmed = text.Trim();
        return trimmed.Length > 500 ? trimmed[..500] + "…" : trimmed;
    }

    internal static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static SandboxProbeResult Result(string probe, string description, SandboxProbeOutcome outcome, string detail, string? rule = null) =>
        new(probe, description, outcome, detail, rule);

    private IEnumerable<SandboxMount> Mounts(SandboxMountKind kind) => _plan.Mounts.Where(m => m.Kind == kind);

    /// <summary>The data directory as a hidden place to put a canary in, when the policy hides it and the host can write there.</summary>
    private SandboxMount? HiddenDataDirectory()
    {
        if (_policy.Context?.DataDirectory is not { } data || !HostCanWrite(data)) return null;
        var resolved = SandboxPaths.Resolve(data);
        var explanation = SandboxExplainer.Explain(_policy, resolved, _plan);
        return explanation.Access is SandboxAccess.Hidden or SandboxAccess.Private
            ? new SandboxMount(SandboxMountKind.HiddenDirectory, resolved, explanation.RuleId)
            : null;
    }

    private static bool HostCanWrite(string directory) => Directory.Exists(directory) && UnixFiles.CanWrite(directory);

    private static void TryDelete(string path)
    {
        try
        {
            if (File.Exists(path)) File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static IEnumerable<string> Lines(string output, string marker) =>
        output.Split('\n').Where(l => l.StartsWith(marker, StringComparison.Ordinal)).Select(l => l[marker.Length..]);

    // ---- probes --------------------------------------------------------------------------------------------

    /// <summary>A canary (0600, owned by the caller: what root's files look like from inside) in a hidden directory, plus real hidden files.</summary>
    private SandboxProbeResult ReadDeniedFile()
    {
        const string id = "read-denied-file", what = "Read a denied file";
        // Kai's own data directory first (the canary then stands for kai.db), whether a deny or a scratch hides it.
        var canaryDirectory = HiddenDataDirectory() ?? Mounts(SandboxMountKind.HiddenDirectory).FirstOrDefault(m => HostCanWrite(m.Path));
        string? canary = null;
        var content = "kai-canary-" + _nonce;
        try
        {
            if (canaryDirectory is not null)
            {
                canary = Path.Combine(canaryDirectory.Path, ".kai-preflight-" + _nonce);
                File.WriteAllText(canary, content);
                File.SetUnixFileMode(canary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            var targets = new List<(string Path, string Rule, long HostSize)>();
            if (canary is not null) targets.Add((canary, canaryDirectory!.RuleId, content.Length));
            foreach (var mount in Mounts(SandboxMountKind.HiddenFile).Take(5))
            {
                var size = new FileInfo(mount.Path).Length;
                if (size > 0) targets.Add((mount.Path, mount.RuleId, size));
            }
            if (targets.Count == 0)
                return Result(id, what, SandboxProbeOutcome.NotApplicable, "No denied file with content exists on this host, and no denied directory is writable for a canary.");

            var script = string.Join('\n', targets.Select((t, i) => $"printf 'size{i}=%s\\n' \"$(wc -c < {Quote(t.Path)} 2>/dev/null || echo 0)\"; head -c 200 {Quote(t.Path)} 2>/dev/null; echo"));
            // A hidden file the host replaces (rename over it: useradd rewriting /etc/shadow) while the probe runs is
            // visible from then on in that sandbox (its mount detaches; sessions check for this before every
            // command). That says nothing about the policy: probe again. If it keeps changing, nothing is proven.
            string output;
            List<string> leaked;
            for (var attempt = 1; ; attempt++)
            {
                var before = targets.Select(t => Interop.LStatInode(t.Path)).ToList();
                output = Bash(id, script);
                leaked = new List<string>();
                var replaced = new List<string>();
                for (var i = 0; i < targets.Count; i++)
                {
                    var seen = Lines(output, $"size{i}=").Select(s => long.TryParse(s.Trim(), out var n) ? n : 0).FirstOrDefault();
                    if (seen <= 0) continue;
                    if (Interop.LStatInode(targets[i].Path) != before[i]) replaced.Add(targets[i].Path);
                    else leaked.Add($"{targets[i].Path} ({seen} bytes visible)");
                }
                if (replaced.Count == 0 || leaked.Count > 0) break;
                if (attempt == 3)
                    throw new KaiException("SandboxProbeFailed", KaiErrorKind.InvalidOperation,
                        $"The sandbox probe '{id}' could not prove that denied files stay hidden: {string.Join(", ", replaced)} kept being replaced on the host while it ran.", id)
                    { RecommendedAction = "Run the preflight again when the host has finished rewriting those files (a package install, useradd)." };
            }
            if (output.Contains(content, StringComparison.Ordinal) && !leaked.Any(l => l.StartsWith(canary!, StringComparison.Ordinal)))
                leaked.Add($"{canary} (content visible)");
            return leaked.Count > 0
                ? Result(id, what, SandboxProbeOutcome.Escaped, "Readable inside the sandbox: " + string.Join("; ", leaked), targets[0].Rule)
                : Result(id, what, SandboxProbeOutcome.Blocked,
                    $"{targets.Count} denied file(s) read as empty, including a 0600 canary in {canaryDirectory?.Path ?? "(none)"}: {string.Join(", ", targets.Select(t => t.Path))}.",
                    targets[0].Rule);
        }
        finally
        {
            if (canary is not null) TryDelete(canary);
        }
    }

    private SandboxProbeResult ListDeniedDirectory()
    {
        const string id = "list-denied-directory", what = "List a denied directory";
        var directories = Mounts(SandboxMountKind.HiddenDirectory)
            .OrderBy(m => _policy.Context?.DataDirectory is { } data && SandboxPaths.IsSameOrUnder(m.Path, SandboxPaths.Resolve(data)) ? 0 : 1)
            .Where(m => Directory.EnumerateFileSystemEntries(m.Path).Any() || HostCanWrite(m.Path))
            .Take(6).ToList();
        if (directories.Count == 0)
            return Result(id, what, SandboxProbeOutcome.NotApplicable, "No denied directory exists on this host.");
        var canaries = new List<string>();
        try
        {
            foreach (var directory in directories.Where(d => !Directory.EnumerateFileSystemEntries(d.Path).Any()))
            {
                var canary = Path.Combine(directory.Path, ".kai-preflight-" + _nonce);
                File.WriteAllText(canary, "");
                canaries.Add(canary);
            }
            var script = string.Join('\n', directories.Select((d, i) => $"ls -A {Quote(d.Path)} 2>/dev/null | sed 's/^/entry{i}=/'"));
            var output = Bash(id, script);
            var leaked = new List<string>();
            for (var i = 0; i < directories.Count; i++)
            {
                // Mount points of paths allowed beneath the hidden directory are expected; anything else is the host's.
                var expected = _plan.Mounts.Where(m => SandboxPaths.IsStrictlyUnder(m.Path, directories[i].Path))
                    .Select(m => m.Path[(directories[i].Path.Length + 1)..].Split('/')[0]).ToHashSet(StringComparer.Ordinal);
                leaked.AddRange(Lines(output, $"entry{i}=").Where(e => !expected.Contains(e)).Select(e => SandboxPaths.Join(directories[i].Path, e)));
            }
            return leaked.Count > 0
                ? Result(id, what, SandboxProbeOutcome.Escaped, "Visible inside the sandbox: " + string.Join(", ", leaked.Take(10)), directories[0].RuleId)
                : Result(id, what, SandboxProbeOutcome.Blocked, $"{directories.Count} denied director{(directories.Count == 1 ? "y" : "ies")} listed empty: {string.Join(", ", directories.Select(d => d.Path))}.",
                    directories[0].RuleId);
        }
        finally
        {
            canaries.ForEach(TryDelete);
        }
    }

    private SandboxProbeResult WriteOutsideAllowList()
    {
        const string id = "write-outside-allow-list", what = "Write outside the allow-list";
        var candidates = new[]
            {
                _policy.Context?.Workspace is { } ws ? SandboxPaths.Parent(SandboxPaths.Resolve(ws)) : null,
                _policy.Context is { } c ? SandboxPolicies.HostHome(c) : null,
                _policy.Context?.DataDirectory is { } data ? SandboxPaths.Parent(SandboxPaths.Resolve(data)) : null,
                "/etc", "/usr/local", "/var",
            }
            .Where(d => d is not null).Select(d => SandboxPaths.Resolve(d!)).Distinct(StringComparer.Ordinal)
            .Where(d => HostCanWrite(d) && (_plan.Covering(d)?.Kind is null or SandboxMountKind.ReadOnly or SandboxMountKind.WriteProtected))
            .Take(3).ToList();
        if (candidates.Count == 0)
            return Result(id, what, SandboxProbeOutcome.NotApplicable, "No host directory outside the allow-list is writable by this user, so there is nothing the sandbox could add to.");
        var targets = candidates.Select(d => Path.Combine(d, ".kai-preflight-" + _nonce)).ToList();
        try
        {
            Bash(id, string.Join('\n', targets.Select(t => $"echo escaped > {Quote(t)} 2>/dev/null")));
            var written = targets.Where(File.Exists).ToList();
            var rule = SandboxRuleIds.WriteAllow(candidates[0]);
            return written.Count > 0
                ? Result(id, what, SandboxProbeOutcome.Escaped, "Created on the host: " + string.Join(", ", written), rule)
                : Result(id, what, SandboxProbeOutcome.Blocked, $"Creating a file failed in {string.Join(", ", candidates)} (read-only outside the allow-list).", rule);
        }
        finally
        {
            targets.ForEach(TryDelete);
        }
    }

    private SandboxProbeResult WriteDeniedFile()
    {
        const string id = "write-denied-file", what = "Write a write-denied file";
        string? canary = null;
        try
        {
            var protectedFiles = Mounts(SandboxMountKind.WriteProtected).Where(m => File.Exists(m.Path)).Take(4).ToList();
            if (protectedFiles.Count == 0)
            {
                // Make one: the first write-deny file rule inside a writable place whose directory exists, the session
                // home's before the workspace's (the home is Kai's, the workspace the user's).
                var home = _policy.Context?.Home is { } h ? SandboxPaths.Resolve(h) : null;
                foreach (var entry in _policy.WriteDeny.Where(e => !SandboxGlob.IsGlob(e))
                             .OrderBy(e => home is not null && SandboxPaths.IsSameOrUnder(SandboxPaths.Resolve(e), home) ? 0 : 1))
                {
                    var path = SandboxPaths.Resolve(entry);
                    var directory = SandboxPaths.Parent(path);
                    if (File.Exists(path) || Directory.Exists(path) || directory is null || !Directory.Exists(directory)) continue;
                    if (_plan.Covering(path)?.Kind != SandboxMountKind.Writable || !HostCanWrite(directory)) continue;
                    File.WriteAllText(path, "# kai preflight canary " + _nonce + "\n");
                    canary = path;
                    _plan = SandboxMountPlan.Build(_policy);
                    protectedFiles = Mounts(SandboxMountKind.WriteProtected).Where(m => m.Path == path).ToList();
                    break;
                }
            }
            if (protectedFiles.Count == 0)
                return Result(id, what, SandboxProbeOutcome.NotApplicable, "No write-denied file exists in a writable place, and none could be created as a canary.");

            var before = protectedFiles.Select(f => File.ReadAllBytes(f.Path)).ToList();
            var script = string.Join('\n', protectedFiles.Select((f, i) =>
                $"head -c 1 {Quote(f.Path)} >/dev/null 2>&1 && echo readable{i}; echo '# escaped' >> {Quote(f.Path)} 2>/dev/null; mv {Quote(f.Path)} {Quote(f.Path + ".moved")} 2>/dev/null"));
            var output = Bash(id, script);
            var changed = protectedFiles.Where((f, i) => !File.Exists(f.Path) || !File.ReadAllBytes(f.Path).AsSpan().SequenceEqual(before[i])).Select(f => f.Path).ToList();
            var unreadable = protectedFiles.Where((f, i) => !output.Contains($"readable{i}\n", StringComparison.Ordinal)).Select(f => f.Path).ToList();
            if (changed.Count > 0)
                return Result(id, what, SandboxProbeOutcome.Escaped, "Changed from inside the sandbox: " + string.Join(", ", changed), protectedFiles[0].RuleId);
            var detail = $"Appending to and renaming {string.Join(", ", protectedFiles.Select(f => f.Path))} failed";
            detail += unreadable.Count == 0 ? "; they stay readable." : $"; but {string.Join(", ", unreadable)} could not be read either (shells and git may fail).";
            return Result(id, what, SandboxProbeOutcome.Blocked, detail, protectedFiles[0].RuleId);
        }
        finally
        {
            if (canary is not null)
            {
                TryDelete(canary);
                TryDelete(canary + ".moved");
                _plan = SandboxMountPlan.Build(_policy);
            }
        }
    }

    private SandboxProbeResult SeeHostProcesses()
    {
        const string id = "see-host-processes", what = "See or signal host processes";
        var marker = "kai-beacon-" + _nonce;
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("read -r line; :");
        start.ArgumentList.Add(marker);
        using var beacon = Process.Start(start)!;
        try
        {
            // The marker is split in the script so the probe's own command line does not contain it.
            var half = marker.Length / 2;
            var script = $"""
                a={Quote(marker[..half])}; b={Quote(marker[half..])}
                for f in /proc/[0-9]*/cmdline; do tr '\0' ' ' < "$f" 2>/dev/null | grep -q -- "$a$b" && echo "visible=$f"; done
                kill -0 {beacon.Id} 2>/dev/null && echo signalled
                echo "count=$(ls -d /proc/[0-9]* 2>/dev/null | wc -l)"
                """;
            var output = Bash(id, script);
            var visible = Lines(output, "visible=").ToList();
            var count = Lines(output, "count=").FirstOrDefault()?.Trim() ?? "?";
            if (visible.Count > 0 || output.Contains("signalled\n", StringComparison.Ordinal))
                return Result(id, what, SandboxProbeOutcome.Escaped, $"A host process (pid {beacon.Id}) is visible or can be signalled from inside the sandbox.");
            return Result(id, what, SandboxProbeOutcome.Blocked, $"A host beacon process (pid {beacon.Id}) is invisible and unreachable; the sandbox sees {count} process(es), all its own.");
        }
        finally
        {
            try
            {
                beacon.StandardInput.Close();
                if (!beacon.WaitForExit(2000)) beacon.Kill();
            }
            catch (InvalidOperationException)
            {
            }
        }
    }

    private SandboxProbeResult ReachNetwork()
    {
        const string id = "reach-network", what = "Reach the network";
        if (_policy.Network)
            return Result(id, what, SandboxProbeOutcome.NotApplicable, "This policy allows network access (rule network).", SandboxRuleIds.Network);
        using var listener = new TcpListener(IPAddress.Any, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var addresses = new List<string> { "127.0.0.1" };
        addresses.AddRange(HostAddresses().Take(2));
        var script = string.Join('\n', addresses.Select(a => $"(exec 3<>/dev/tcp/{a}/{port}) 2>/dev/null && echo connected={a}"))
                     + "\ngetent ahosts example.com >/dev/null 2>&1 && echo resolved";
        var output = Bash(id, script);
        var connected = Lines(output, "connected=").ToList();
        if (connected.Count > 0 || output.Contains("resolved\n", StringComparison.Ordinal))
            return Result(id, what, SandboxProbeOutcome.Escaped,
                $"Reached {(connected.Count > 0 ? "a host listener via " + string.Join(", ", connected) : "a DNS resolver")} with the network off.", SandboxRuleIds.Network);
        return Result(id, what, SandboxProbeOutcome.Blocked,
            $"A host TCP listener (port {port}) was unreachable via {string.Join(", ", addresses)}, and DNS did not resolve.", SandboxRuleIds.Network);
    }

    private static IEnumerable<string> HostAddresses()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
                .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                .Where(a => a.Address.AddressFamily == AddressFamily.InterNetwork)
                .Select(a => a.Address.ToString())
                .ToList();
        }
        catch (NetworkInformationException)
        {
            return Array.Empty<string>();
        }
    }

    private SandboxProbeResult ReachHostSocket()
    {
        const string id = "reach-host-socket", what = "Reach a host service socket";
        var directory = Path.Combine(Path.GetTempPath(), "kai-preflight-" + _nonce[..12]);
        Directory.CreateDirectory(directory);
        try
        {
            var path = Path.Combine(directory, "s");
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Bind(new UnixDomainSocketEndPoint(path));
            socket.Listen();
            // Well-known sockets that would hand a sandbox the host (docker) or its services (D-Bus, systemd).
            var sockets = new List<string> { path };
            sockets.AddRange(new[] { "/run/docker.sock", "/var/run/docker.sock", "/run/containerd/containerd.sock", "/run/dbus/system_bus_socket", "/run/systemd/private" }
                .Where(p => File.Exists(p) || SandboxPaths.KindOf(p) != PathKind.Missing));
            var script = string.Join('\n', sockets.Select(s => $"[ -S {Quote(s)} ] && echo visible={s}"));
            var output = Bash(id, script);
            var visible = Lines(output, "visible=").ToList();
            var rule = _plan.Covering(SandboxPaths.Resolve(directory))?.RuleId;
            return visible.Count > 0
                ? Result(id, what, SandboxProbeOutcome.Escaped, "Host sockets visible inside the sandbox: " + string.Join(", ", visible), rule)
                : Result(id, what, SandboxProbeOutcome.Blocked, $"No host socket is visible: {string.Join(", ", sockets)}.", rule);
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

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

    private SandboxProbeResult GainPrivileges()
    {
        const string id = "gain-privileges", what = "Gain privileges via a setuid binary";
        string? copy = null;
        try
        {
            var lines = new List<string>
            {
                "echo \"uid=$(id -u)\"",
                "grep -E '^(NoNewPrivs|CapEff):' /proc/self/status 2>/dev/null | tr -s '\\t ' ' '",
                "command -v sudo >/dev/null && sudo -n true 2>/dev/null && echo escaped=sudo",
                "command -v su >/dev/null && su -c true root </dev/null >/dev/null 2>&1 && echo escaped=su",
            };
            var tmp = _policy.Context?.TempDirectory;
            if (UnixAccounts.IsRoot && tmp is not null && Directory.Exists(tmp) && File.Exists("/usr/bin/id"))
            {
                copy = Path.Combine(tmp, ".kai-preflight-setuid-" + _nonce[..12]);
                File.Copy("/usr/bin/id", copy, overwrite: true);
                File.SetUnixFileMode(copy, (UnixFileMode)Convert.ToInt32("4755", 8));
                lines.Add($"echo \"setuid=$({Quote(copy)} -u 2>/dev/null)\"");
            }
            var output = Bash(id, string.Join('\n', lines));
            var uid = Lines(output, "uid=").FirstOrDefault()?.Trim();
            var setuid = Lines(output, "setuid=").FirstOrDefault()?.Trim();
            var escapes = Lines(output, "escaped=").ToList();
            if (setuid is { Length: > 0 } && (setuid != uid || setuid == "0")) escapes.Add($"a setuid-root binary ran with euid {setuid}");
            if (uid == "0" && UnixAccounts.IsRoot && OperatingSystem.IsLinux()) escapes.Add("the sandbox runs as uid 0");
            var capabilities = Lines(output, "CapEff: ").FirstOrDefault()?.Trim();
            if (capabilities is not null && capabilities.Trim('0').Length > 0) escapes.Add($"effective capabilities {capabilities}");
            var noNewPrivs = Lines(output, "NoNewPrivs: ").FirstOrDefault()?.Trim();
            if (escapes.Count > 0)
                return Result(id, what, SandboxProbeOutcome.Escaped, "Privileges gained: " + string.Join("; ", escapes));
            return Result(id, what, SandboxProbeOutcome.Blocked,
                $"uid {uid}, no capabilities{(noNewPrivs == "1" ? ", no_new_privs set" : "")}; sudo/su refused{(copy is not null ? $", a setuid-root copy of id ran as uid {setuid}" : "")}.");
        }
        finally
        {
            if (copy is not null) TryDelete(copy);
        }
    }

    private SandboxProbeResult InheritDescriptor()
    {
        const string id = "inherit-descriptor", what = "Inherit a file descriptor above 2";
        var fd = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() ? Interop.OpenInheritable("/dev/null") : -1;
        try
        {
            // Linux: ls lists the shell's descriptors while the shell waits (a second command keeps bash from exec'ing ls
            // in its own place). macOS has no /proc: bash lists its own /dev/fd, where 3 is the glob's directory handle.
            var script = OperatingSystem.IsMacOS()
                ? "for f in /dev/fd/*; do echo \"fd=${f##*/}\"; done"
                : "ls -1 /proc/$$/fd; true";
            var output = Bash(id, script);
            var own = OperatingSystem.IsMacOS() ? 3 : 2;
            var listed = OperatingSystem.IsMacOS() ? Lines(output, "fd=") : output.Split('\n');
            var inherited = listed.Select(s => s.Trim())
                .Where(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > own).ToList();
            return inherited.Count > 0
                ? Result(id, what, SandboxProbeOutcome.Escaped, $"Descriptors {string.Join(", ", inherited)} reached the sandbox (the host held {fd} open and inheritable).")
                : Result(id, what, SandboxProbeOutcome.Blocked, $"The host held descriptor {fd} open and inheritable; the sandboxed shell had none above 2.");
        }
        finally
        {
            if (fd >= 0) Interop.Close(fd);
        }
    }

    private SandboxProbeResult ChangeKernelSettings()
    {
        const string id = "change-kernel-settings", what = "Change kernel settings";
        if (!OperatingSystem.IsLinux())
            return Result(id, what, SandboxProbeOutcome.NotApplicable, "Kernel settings are a Linux /proc/sys probe.");
        // Writing back the current value: harmless even if it got through.
        var output = Bash(id, "v=$(cat /proc/sys/kernel/printk_ratelimit) && (echo \"$v\" > /proc/sys/kernel/printk_ratelimit) 2>/dev/null && echo escaped=sysctl");
        return output.Contains("escaped=", StringComparison.Ordinal)
            ? Result(id, what, SandboxProbeOutcome.Escaped, "Wrote /proc/sys/kernel/printk_ratelimit from inside the sandbox.")
            : Result(id, what, SandboxProbeOutcome.Blocked, "/proc/sys is read-only inside the sandbox.");
    }
}
