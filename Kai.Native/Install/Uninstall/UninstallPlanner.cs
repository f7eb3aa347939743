namespace Kai.Native.Install;

/// <summary>
/// The uninstall plan: stop and disable the service, remove its definition and the sudoers file, remove the
/// installed files. Data (the data directory, home/) and secrets (/etc/kai) stay unless RemoveData /
/// RemoveSecrets ask for them.
/// </summary>
public static class UninstallPlanner
{
    public static InstallPlan Create(InstallConfig config, InstallOptions options)
    {
        config = options.Scope is { } scope ? InstallConfigDefaults.Rescope(config, scope) : config;
        var layout = new InstallLayout(config, options.Root);
        var facts = InstallProbe.Probe(config);
        return Plan(config, layout, options, facts);
    }

    public static InstallPlan Plan(InstallConfig config, InstallLayout layout, InstallOptions options, InstallFacts facts)
    {
        var context = new InstallContext(layout, facts, options, InstallPlanner.ChooseServiceManager(layout, options, facts));
        string D(string path) => layout.OnDisk(path);
        var steps = new List<InstallStep> { new DisableServiceStep(context.ServiceManager.ServiceName) };
        var definition = new RemovePathStep("RemoveServiceDefinition", D(layout.ServiceDefinition), "the service definition");
        steps.Add(definition);
        if (config.Platform == ServicePlatform.Linux)
            steps.Add(new ReloadServiceManagerStep(context.ServiceManager.ServiceName, definition));
        if (!layout.IsUserScope)
            steps.Add(new RemovePathStep("RemoveSudoers", D(layout.SudoersFile), "the sudoers rules"));
        steps.Add(new RemoveInstallTreeStep(D(layout.InstallDirectory),
            [D(layout.ModelsManifest), D(layout.PayloadManifest)],
            [D(layout.RuntimeChecksumFile), D(layout.LauncherScript)],
            D(layout.HomeDirectory), options.RemoveData));
        if (options.RemoveSecrets)
        {
            foreach (var (path, what) in new[]
                     {
                         (layout.EnvFile, "the service environment (secrets)"), (layout.ServicesYaml, "services.yaml"), (layout.UsersYaml, "users.yaml"),
                         (layout.WorkspacesYaml, "workspaces.yaml"), (layout.TotpSecret, "the TOTP secret"), (layout.TotpAttempts, "the TOTP attempts"),
                     })
                steps.Add(new RemovePathStep("RemoveSecrets", D(path), what));
            steps.Add(new RemovePathStep("RemoveSecrets", D(layout.SecretsDirectory), "the secrets directory (when empty)"));
        }
        if (options.RemoveData)
            steps.Add(new RemovePathStep("RemoveData", D(layout.DataDirectory), "the data directory (kai.db, logs, history, memory)", recursive: true));
        return new InstallPlan(config, layout, facts, options, null, null, steps, context, Array.Empty<string>());
    }
}
