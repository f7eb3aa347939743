using System.Net.Sockets;
using Kai.Native.Platform;
using Kai.Native.Service;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace Kai.Service.Api;

/// <summary>Who is calling: the transport, the kernel-reported peer (Unix socket) or address (TCP), and what the client calls itself.</summary>
public sealed record Caller(bool IsUnixSocket, PeerCredentials? Peer, string? RemoteAddress, string? ClientName)
{
    /// <summary>Throttling key: one per peer uid on the socket, one per address over TCP.</summary>
    public string ThrottleKey => IsUnixSocket ? $"uid:{Peer?.UserId.ToString() ?? "?"}" : $"ip:{RemoteAddress}";

    /// <summary>For the audit log: what the server saw, then what the client claims.</summary>
    public string Actor
    {
        get
        {
            var seen = IsUnixSocket ? $"unix {Describe(Peer)}" : $"tcp {RemoteAddress}";
            return ClientName is { Length: > 0 } name ? $"{seen} [{Truncate(name, 80)}]" : seen;
        }
    }

    // uid → name, looked up once: NSS reads /etc/passwd (or asks LDAP) on every call.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<uint, string> s_userNames = new();

    private static string Describe(PeerCredentials? peer)
    {
        if (peer is null) return "peer unknown";
        var name = s_userNames.GetOrAdd(peer.UserId, UnixAccounts.UserName);
        return peer.ProcessId > 0 ? $"uid {peer.UserId} ({name}) pid {peer.ProcessId}" : $"uid {peer.UserId} ({name})";
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    public static Caller Of(HttpContext context)
    {
        if (context.Items.TryGetValue(typeof(Caller), out var cached) && cached is Caller c) return c;
        var socket = context.Features.Get<IConnectionSocketFeature>()?.Socket;
        var isUnix = socket?.AddressFamily == AddressFamily.Unix || (socket is null && context.Connection.RemoteIpAddress is null);
        PeerCredentials? peer = null;
        if (isUnix && socket is not null)
        {
            try
            {
                peer = UnixSockets.GetPeerCredentials(socket);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
                peer = null;
            }
        }
        var name = context.Request.Headers[ServiceHeaders.Client].ToString();
        var caller = new Caller(isUnix, peer, context.Connection.RemoteIpAddress?.ToString(), name.Length == 0 ? null : name.Replace('\n', ' '));
        context.Items[typeof(Caller)] = caller;
        return caller;
    }
}
