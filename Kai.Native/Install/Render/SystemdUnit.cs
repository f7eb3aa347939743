using System.Text;

namespace Kai.Native.Install;

/// <summary>The systemd unit (kai.service) for a system install, or the user unit for a CurrentUser install.</summary>
public static class SystemdUnit
{
    public static string Render(ServiceSettings s)
    {
        var b = new StringBuilder();
        b.Append("# Kai service, written by Kai's installer (Install-Kai / kai install apply).\n");
        b.Append("# Regenerated on every apply: change install.conf and re-run the installer instead of editing this file.\n");
        b.Append("[Unit]\n");
        b.Append("Description=Kai assistant service\n");
        b.Append("After=network-online.target\n");
        b.Append("Wants=network-online.target\n\n");

        b.Append("[Service]\n");
        b.Append("Type=notify\n");
        if (!s.UserScope)
        {
            b.Append("User=").Append(s.ServiceUser).Append('\n');
            b.Append("Group=").Append(s.ServiceGroup).Append('\n');
        }
        b.Append("ExecStart=").Append(Quote(s.Executable)).Append(" serve\n");
        // WorkingDirectory= takes a bare path (no quoting); install.conf validation keeps blanks out of it.
        b.Append("WorkingDirectory=").Append(Escape(s.DataDirectory)).Append('\n');
        foreach (var (key, value) in s.Environment)
            b.Append("Environment=").Append(Quote(key + "=" + value)).Append('\n');
        if (s.UseCredentials)
        {
            b.Append("# Secrets: systemd hands ").Append(s.EnvFile).Append(" to this service alone as $CREDENTIALS_DIRECTORY/env;\n");
            b.Append(s.UserScope
                ? "# without credentials the service reads KAI_ENV_FILE / the file itself (0600, yours).\n"
                : "# `sudo -n cat` through /etc/sudoers.d/kai is the fallback.\n");
            b.Append("LoadCredential=env:").Append(Escape(s.EnvFile)).Append('\n');
        }
        b.Append("Restart=always\n");
        // `kai serve` exits 78 (EX_CONFIG) on a bad configuration: restarting cannot fix that, so stop and let
        // `systemctl status kai` show the one-line reason instead of a restart loop every RestartSec.
        b.Append("RestartPreventExitStatus=").Append(ConfigErrorExitStatus).Append('\n');
        b.Append("RestartSec=5\n");
        b.Append("TimeoutStartSec=90\n\n");

        AppendHardening(b, s);

        b.Append("\n[Install]\n");
        b.Append("WantedBy=").Append(s.UserScope ? "default.target" : "multi-user.target").Append('\n');
        return b.ToString();
    }

    /// <summary>The exit status of `kai serve` for a bad configuration (EX_CONFIG, Kai.Service's ExitConfigError).</summary>
    public const int ConfigErrorExitStatus = 78;

    private static void AppendHardening(StringBuilder b, ServiceSettings s)
    {
        b.Append("# Hardening beyond the seed. Kept to what the service's own needs allow.\n");
        if (s.UserScope)
        {
            b.Append("# A per-user manager cannot build mount namespaces without PrivateUsers=, so the filesystem\n");
            b.Append("# options (ProtectSystem=, PrivateTmp=, ReadWritePaths=) are left off in this user unit.\n");
        }
        else
        {
            b.Append("ProtectSystem=strict\n");
            var writable = new[] { s.DataDirectory, s.HomeDirectory }.Concat(s.WritablePaths)
                .Concat(s.NeedsSudo ? ["/run/sudo"] : Array.Empty<string>())
                .Distinct(StringComparer.Ordinal)
                .Select(p => Quote("-" + p));
            b.Append("ReadWritePaths=").Append(string.Join(' ', writable)).Append('\n');
            b.Append("PrivateTmp=yes\n");
            b.Append("ProtectControlGroups=yes\n");
            b.Append("RemoveIPC=yes\n");
        }
        var mayRestrictPrivileges = !s.NeedsSudo && !s.SetuidSandbox;
        if (mayRestrictPrivileges)
        {
            b.Append("NoNewPrivileges=yes\n");
            b.Append("LockPersonality=yes\n");
            b.Append("RestrictRealtime=yes\n");
            b.Append("RestrictSUIDSGID=yes\n");
            b.Append("SystemCallArchitectures=native\n");
            b.Append("RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK\n");
            if (!s.UserScope)
            {
                b.Append("PrivateDevices=yes\n");
                b.Append("ProtectKernelModules=yes\n");
                b.Append("ProtectClock=yes\n");
                b.Append("ProtectHostname=yes\n");
            }
        }
        b.Append("# Left off on purpose:\n");
        if (!mayRestrictPrivileges)
        {
            var why = new List<string>();
            if (s.NeedsSudo) why.Add(s.UseCredentials ? "the service runs sudo for user separation (sudo -u <user> claude)" : "the service runs sudo (sudo -n cat for its secrets, user separation)");
            if (s.SetuidSandbox) why.Add("bubblewrap is setuid root on this machine");
            b.Append("#   NoNewPrivileges=, and every option that implies it for a non-root service (PrivateDevices=,\n");
            b.Append("#   ProtectKernelModules=, ProtectClock=, ProtectHostname=, LockPersonality=, RestrictRealtime=,\n");
            b.Append("#   RestrictSUIDSGID=, RestrictAddressFamilies=, SystemCallArchitectures=): ").Append(string.Join(" and ", why)).Append(",\n");
            b.Append("#   and a setuid program cannot gain its privileges under no_new_privs.\n");
            if (s.NeedsSudo) b.Append("#   CapabilityBoundingSet=: sudo needs CAP_SETUID/CAP_SETGID to switch users.\n");
        }
        else
        {
            b.Append("#   (NoNewPrivileges=yes above assumes an unprivileged bubblewrap using user namespaces, as on Debian/Ubuntu/Fedora.)\n");
        }
        b.Append("#   RestrictNamespaces=, PrivateUsers=, SystemCallFilter=@system-service: the service starts bubblewrap\n");
        b.Append("#   sandboxes, which need user, mount, pid and network namespaces and the mount/pivot_root calls.\n");
        b.Append("#   ProtectKernelTunables=, ProtectKernelLogs=, ProtectProc=, ProcSubset=: they mask parts of /proc, and the\n");
        b.Append("#   kernel then refuses the fresh /proc that bubblewrap mounts inside each sandbox.\n");
        b.Append("#   MemoryDenyWriteExecute=: the .NET JIT needs writable+executable memory.\n");
        b.Append("#   ProtectHome=: workspaces and Claude's own configuration (~/.claude) live under home directories.\n");
    }

    /// <summary>A systemd word: double-quoted, with backslash, quote and specifier (%) escapes.</summary>
    public static string Quote(string value) => "\"" + Escape(value).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string Escape(string value)
    {
        if (value.Any(char.IsControl)) throw new ArgumentException("Control characters cannot appear in a unit file value.", nameof(value));
        return value.Replace("%", "%%", StringComparison.Ordinal);
    }
}
