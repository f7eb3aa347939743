using Kai.Native.Service;
using Kai.Native.Sessions;

namespace Kai.PowerShell.Cmdlets.Service;

/// <summary>Base of the approval and audit cmdlets: one service client for the whole command, released at the end.</summary>
public abstract class KaiServiceCmdlet : KaiCmdlet
{
    private IKaiServiceClient? _client;
    private bool _owned;

    protected IKaiServiceClient Client
    {
        get
        {
            if (_client is null) (_client, _owned) = Await(ServiceClients.AcquireAsync(CancellationToken));
            return _client;
        }
    }

    protected override void EndProcessingCore() => Release();

    private void Release()
    {
        if (_owned && _client is ISessionHost host) host.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _client = null;
        _owned = false;
    }
}
