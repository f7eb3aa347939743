namespace Kai.Native.Install;

/// <summary>Checks a yaml file before it is installed, with the same loaders the service uses (one error naming file, line and field).</summary>
public static class ConfigYaml
{
    public static void Validate(string path)
    {
        switch (Path.GetFileName(path))
        {
            case "users.yaml":
                UsersYaml.Validate(path);
                break;
            case "workspaces.yaml":
                WorkspacesYaml.Validate(path);
                break;
            case "services.yaml":
                ServicesYaml.Validate(path);
                break;
            default:
                throw new ArgumentException($"'{path}' is not a Kai configuration file.", nameof(path));
        }
    }
}
