using System.Reflection;

namespace Kai.Service;

public static class ServiceVersion
{
    public static string Current { get; } =
        typeof(ServiceVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(ServiceVersion).Assembly.GetName().Version?.ToString() ?? "0.0.0";
}
