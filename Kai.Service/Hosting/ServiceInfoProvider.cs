using Kai.Native.Service;
using Kai.Service.Api;
using Kai.Service.Approvals;
using Kai.Service.Configuration;
using Kai.Native.Sessions;

namespace Kai.Service.Hosting;

/// <summary>GET /api/info.</summary>
public sealed class ServiceInfoProvider(ServiceConfiguration configuration, ISessionHost host, ApprovalService approvals, DateTimeOffset started)
{
    public ServiceInfo Describe(Caller caller) => new(
        ServiceVersion.Current,
        Environment.ProcessId,
        started,
        configuration.DataDirectory,
        configuration.SocketPath,
        configuration.TcpEndpoint?.ToString(),
        host.Description,
        approvals.Policy.Source,
        approvals.Policy.Rules.Count,
        approvals.Policy.Timeout,
        caller.Actor);
}
