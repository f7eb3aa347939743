using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Kai.Native.Sessions;

namespace Kai.Native.Service;

/// <summary>
/// <see cref="ISessionHost"/> over a running `kai serve`: the same operations as the embedded host, through
/// the authenticated API on the local Unix socket or a URL. Errors come back as the engine's own
/// <see cref="KaiException"/> ErrorIds (SessionNotFound…), so cmdlets cannot tell the two hosts apart.
/// </summary>
public sealed class ServiceSessionHost : ISessionHost, IKaiServiceClient
{
    private static readonly Uri SocketBase = new("http://kai.sock/");
    private readonly HttpClient _http;
    private readonly string? _socketPath;
    private readonly bool _explicitSecret;
    private Secret _secret;
    private ServiceConnectionInfo? _connection;

    private ServiceSessionHost(HttpClient http, string? socketPath, Secret secret, bool explicitSecret, string address)
    {
        _http = http;
        _socketPath = socketPath;
        _secret = secret;
        _explicitSecret = explicitSecret;
        Address = address;
    }

    /// <summary>"unix:/var/lib/kai/kai.sock" or the URL.</summary>
    public string Address { get; }
    public string Description => "service " + Address;
    public string? ClientName { get; init; }

    public ServiceConnectionInfo Connection =>
        _connection ?? throw new InvalidOperationException("Call ConnectAsync first.");

    /// <summary>
    /// A client of the service listening on <paramref name="socketPath"/>. Without <paramref name="secret"/> it
    /// authenticates with the socket token beside the socket (readable by whoever may use the socket).
    /// </summary>
    public static ServiceSessionHost ForSocket(string socketPath, Secret? secret = null, string? clientName = null)
    {
        var full = Path.GetFullPath(socketPath);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(full), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        };
        var http = new HttpClient(handler) { BaseAddress = SocketBase, Timeout = Timeout.InfiniteTimeSpan };
        return new ServiceSessionHost(http, full, secret ?? new Secret(""), secret is not null, "unix:" + full) { ClientName = clientName };
    }

    /// <summary>A client of the service at <paramref name="uri"/> (TCP): the API secret is required.</summary>
    public static ServiceSessionHost ForUri(Uri uri, Secret secret, string? clientName = null)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new KaiException("ServiceUriInvalid", KaiErrorKind.InvalidArgument, $"'{uri}' is not an http:// or https:// URL.", uri.ToString());
        var baseUri = uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
        var http = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) })
        {
            BaseAddress = baseUri,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        return new ServiceSessionHost(http, null, secret, true, baseUri.ToString().TrimEnd('/')) { ClientName = clientName };
    }

    /// <summary>
    /// The local service, if one answers: $KAI_DATA_DIR/kai.sock, then /var/lib/kai/kai.sock. Null when none
    /// exists or answers; a socket that answers but refuses us (permissions, token) is an error, not "none".
    /// </summary>
    public static async Task<ServiceSessionHost?> DetectAsync(string? clientName, CancellationToken cancellationToken, IEnumerable<string>? candidates = null)
    {
        foreach (var path in candidates ?? ServicePaths.Candidates())
        {
            if (!File.Exists(path)) continue;
            var host = ForSocket(path, null, clientName);
            try
            {
                using var probe = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                probe.CancelAfter(TimeSpan.FromSeconds(5));
                using var response = await host._http.GetAsync("health", probe.Token).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode) throw new HttpRequestException("health " + (int)response.StatusCode);
            }
            catch (Exception ex) when (ex is HttpRequestException or SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                await host.DisposeAsync().ConfigureAwait(false);
                continue; // a stale socket file: nobody listens
            }
            try
            {
                await host.ConnectAsync(cancellationToken).ConfigureAwait(false);
                return host;
            }
            catch
            {
                await host.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        return null;
    }

    /// <summary>Checks the service answers and accepts our credentials; fills <see cref="Connection"/>.</summary>
    public async Task<ServiceConnectionInfo> ConnectAsync(CancellationToken cancellationToken)
    {
        var info = await GetInfoAsync(cancellationToken).ConfigureAwait(false);
        _connection = new ServiceConnectionInfo(
            _socketPath is null ? "tcp" : "unix",
            Address,
            _explicitSecret ? "api-secret" : "socket-token",
            info.Version,
            info.ProcessId,
            info.Started,
            DateTimeOffset.Now);
        return _connection;
    }

    // ---- ISessionHost ----

    public Task<SessionInfo> StartSessionAsync(StartSessionRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "api/sessions", Json(request, ServiceJson.Default.StartSessionRequest), ServiceJson.Default.SessionInfo, cancellationToken);

    public Task<IReadOnlyList<SessionInfo>> GetSessionsAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, "api/sessions", null, ServiceJson.Default.IReadOnlyListSessionInfo, cancellationToken);

    public Task<SessionInfo> StopSessionAsync(string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, $"api/sessions/{Escape(name)}/stop", null, ServiceJson.Default.SessionInfo, cancellationToken);

    public async Task RemoveSessionAsync(string name, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(HttpMethod.Delete, $"api/sessions/{Escape(name)}", null, null, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ExecResult> ExecAsync(ExecRequest request, IProgress<OutputChunk>? output, CancellationToken cancellationToken)
    {
        var requestId = Guid.NewGuid().ToString("N");
        var body = Json(ExecBody.From(request), ServiceJson.Default.ExecBody);
        var final = await StreamAsync($"api/sessions/{Escape(request.Session)}/exec", body, requestId, output, cancellationToken).ConfigureAwait(false);
        return final.Result ?? throw Protocol("an exec stream ended without a result");
    }

    public Task<IReadOnlyList<BackgroundProcessInfo>> GetProcessesAsync(string? session, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, session is null ? "api/processes" : $"api/processes?session={Uri.EscapeDataString(session)}", null,
            ServiceJson.Default.IReadOnlyListBackgroundProcessInfo, cancellationToken);

    public Task<BackgroundOutput> ReceiveProcessAsync(string id, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"api/processes/{Escape(id)}/output", null, ServiceJson.Default.BackgroundOutput, cancellationToken);

    public Task<BackgroundProcessInfo> StopProcessAsync(string id, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, $"api/processes/{Escape(id)}/kill", null, ServiceJson.Default.BackgroundProcessInfo, cancellationToken);

    public Task<BackgroundProcessInfo> WaitProcessAsync(string id, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var query = timeout is { } t ? $"?timeoutSeconds={t.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "";
        return SendAsync(HttpMethod.Post, $"api/processes/{Escape(id)}/wait{query}", null, ServiceJson.Default.BackgroundProcessInfo, cancellationToken);
    }

    public Task<SessionTranscript> GetTranscriptAsync(string session, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"api/sessions/{Escape(session)}/transcript", null, ServiceJson.Default.SessionTranscript, cancellationToken);

    // ---- IKaiServiceClient ----

    public Task<ServiceInfo> GetInfoAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, "api/info", null, ServiceJson.Default.ServiceInfo, cancellationToken);

    public Task<IReadOnlyList<ApprovalInfo>> GetApprovalsAsync(ApprovalQuery query, CancellationToken cancellationToken)
    {
        var parts = new List<string>();
        if (query.Status is { } status) parts.Add("status=" + status);
        if (query.Session is { } session) parts.Add("session=" + Uri.EscapeDataString(session));
        if (query.Since is { } since) parts.Add("since=" + Uri.EscapeDataString(since.ToString("O")));
        return SendAsync(HttpMethod.Get, "api/approvals" + QueryString(parts), null, ServiceJson.Default.IReadOnlyListApprovalInfo, cancellationToken);
    }

    public Task<ApprovalInfo> GetApprovalAsync(string id, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"api/approvals/{Escape(id)}", null, ServiceJson.Default.ApprovalInfo, cancellationToken);

    public async Task<ApprovalInfo> ApproveAsync(string id, string? note, bool run, IProgress<OutputChunk>? output, CancellationToken cancellationToken)
    {
        var body = Json(new ResolveBody(note, run), ServiceJson.Default.ResolveBody);
        var final = await StreamAsync($"api/approvals/{Escape(id)}/approve", body, Guid.NewGuid().ToString("N"), output, cancellationToken).ConfigureAwait(false);
        return final.Approval ?? throw Protocol("an approve stream ended without the approval");
    }

    public Task<ApprovalInfo> DenyAsync(string id, string? note, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, $"api/approvals/{Escape(id)}/deny", Json(new ResolveBody(note), ServiceJson.Default.ResolveBody), ServiceJson.Default.ApprovalInfo, cancellationToken);

    public Task<IReadOnlyList<AuditEntry>> GetAuditLogAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        var parts = new List<string>();
        if (query.Since is { } since) parts.Add("since=" + Uri.EscapeDataString(since.ToString("O")));
        if (query.Until is { } until) parts.Add("until=" + Uri.EscapeDataString(until.ToString("O")));
        if (query.Kind is { } kind) parts.Add("kind=" + Uri.EscapeDataString(kind));
        if (query.Session is { } session) parts.Add("session=" + Uri.EscapeDataString(session));
        if (query.Last is { } last) parts.Add("last=" + last);
        return SendAsync(HttpMethod.Get, "api/audit" + QueryString(parts), null, ServiceJson.Default.IReadOnlyListAuditEntry, cancellationToken);
    }

    public Task<AuditVerification> VerifyAuditLogAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, "api/audit/verify", null, ServiceJson.Default.AuditVerification, cancellationToken);

    /// <summary>Re-submits a held command under its approval id (approved with run = false); it runs once, and a changed command is refused.</summary>
    public async Task<ExecResult> ExecApprovedAsync(ExecRequest request, string approvalId, IProgress<OutputChunk>? output, CancellationToken cancellationToken)
    {
        var body = Json(ExecBody.From(request, approvalId), ServiceJson.Default.ExecBody);
        var final = await StreamAsync($"api/sessions/{Escape(request.Session)}/exec", body, Guid.NewGuid().ToString("N"), output, cancellationToken).ConfigureAwait(false);
        return final.Result ?? throw Protocol("an exec stream ended without a result");
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    // ---- transport ----

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, path, content, null, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await JsonSerializer.DeserializeAsync(stream, type, cancellationToken).ConfigureAwait(false)
                ?? throw Protocol("an empty answer");
        }
        catch (JsonException ex)
        {
            throw Protocol("an answer that is not the expected JSON: " + ex.Message);
        }
    }

    /// <summary>Sends, retrying once with a re-read socket token after a 401 (the service restarted and made a new one).</summary>
    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, HttpContent? content, string? requestId,
        HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        byte[]? body = content is null ? null : await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var mediaType = content?.Headers.ContentType;
        for (var attempt = 0; ; attempt++)
        {
            if (!_explicitSecret && (attempt > 0 || _secret.IsEmpty)) _secret = ReadSocketToken();
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = mediaType;
            }
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _secret.Reveal());
            if (requestId is not null) request.Headers.Add(ServiceHeaders.RequestId, requestId);
            request.Headers.Add(ServiceHeaders.Client, ClientName ?? $"{Environment.UserName}@{Environment.MachineName} pid {Environment.ProcessId}");
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                throw Unreachable(ex);
            }
            if (response.IsSuccessStatusCode) return response;
            using (response)
            {
                if (response.StatusCode == HttpStatusCode.Unauthorized && !_explicitSecret && attempt == 0) continue;
                throw await ErrorFromAsync(response, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<StreamEvent> StreamAsync(string path, HttpContent body, string requestId, IProgress<OutputChunk>? output, CancellationToken cancellationToken)
    {
        // The request itself is never aborted by the caller's token: cancelling asks the service to run the
        // graduated cancel, and the result (how the command ended) still arrives on this stream. The service
        // sends nothing until the first output, so the cancel may come before the response headers.
        using var finished = new CancellationTokenSource();
        var cancelling = Task.CompletedTask;
        await using var registration = cancellationToken.Register(() => cancelling = CancelRemoteAsync(requestId, finished.Token));
        try
        {
            using var response = await SendRawAsync(HttpMethod.Post, path, body, requestId, HttpCompletionOption.ResponseHeadersRead, CancellationToken.None).ConfigureAwait(false);
            await using var stream = await response.Content.ReadAsStreamAsync(CancellationToken.None).ConfigureAwait(false);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (await reader.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
            {
                if (line.Length == 0) continue;
                StreamEvent? item;
                try
                {
                    item = JsonSerializer.Deserialize(line, ServiceJson.Default.StreamEvent);
                }
                catch (JsonException ex)
                {
                    throw Protocol("a stream line that is not JSON: " + ex.Message);
                }
                switch (item?.Type)
                {
                    case StreamEvent.Output when item.Stream is { } s && item.Text is { } text:
                        output?.Report(new OutputChunk(s, text));
                        break;
                    case StreamEvent.ErrorType when item.Error is { } error:
                        throw ServiceErrors.ToException(error);
                    case StreamEvent.ResultType or StreamEvent.ApprovalType:
                        return item;
                }
            }
            throw new KaiException("ServiceConnectionLost", KaiErrorKind.ConnectionError,
                $"The Kai service at {Address} closed the stream before the command finished (the service stopped or crashed).", Address);
        }
        catch (IOException ex)
        {
            throw new KaiException("ServiceConnectionLost", KaiErrorKind.ConnectionError,
                $"The connection to the Kai service at {Address} broke before the command finished: {ex.Message}", Address, ex);
        }
        finally
        {
            finished.Cancel();
            await cancelling.ConfigureAwait(false);
        }
    }

    /// <summary>Asks the service to cancel; retried briefly while the service has not registered the command yet.</summary>
    private async Task CancelRemoteAsync(string requestId, CancellationToken streamFinished)
    {
        for (var attempt = 0; attempt < 100 && !streamFinished.IsCancellationRequested; attempt++)
        {
            try
            {
                using var response = await SendRawAsync(HttpMethod.Post, $"api/execs/{requestId}/cancel", null, null, HttpCompletionOption.ResponseContentRead, CancellationToken.None).ConfigureAwait(false);
                return;
            }
            catch (KaiException ex) when (ex.ErrorId == "ExecNotRunning")
            {
                try
                {
                    await Task.Delay(100, streamFinished).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (KaiException)
            {
                return; // the service is gone or refuses: the stream will say so
            }
        }
    }

    private Secret ReadSocketToken()
    {
        var tokenPath = ServicePaths.TokenPath(_socketPath!);
        try
        {
            return new Secret(File.ReadAllText(tokenPath).Trim());
        }
        catch (UnauthorizedAccessException)
        {
            throw new KaiException("ServiceSocketPermissionDenied", KaiErrorKind.PermissionDenied,
                $"Cannot read the service's socket token '{tokenPath}': only root and the service's group may use the local socket.", tokenPath)
            { RecommendedAction = "Add your account to the service user's group, run as root, or pass the API secret with -Credential." };
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new KaiException("ServiceNotRunning", KaiErrorKind.ResourceUnavailable,
                $"No Kai service token at '{tokenPath}': is `kai serve` running on this data directory?", tokenPath);
        }
    }

    private KaiException Unreachable(HttpRequestException ex)
    {
        if (ex.InnerException is SocketException { SocketErrorCode: SocketError.AccessDenied })
            return new KaiException("ServiceSocketPermissionDenied", KaiErrorKind.PermissionDenied,
                $"Permission denied connecting to {Address}: only root and the service's group may use the local socket.", Address, ex);
        return new KaiException("ServiceUnavailable", KaiErrorKind.ConnectionError,
            $"The Kai service at {Address} does not answer: {ex.InnerException?.Message ?? ex.Message}", Address, ex);
    }

    private async Task<KaiException> ErrorFromAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (JsonSerializer.Deserialize(text, ServiceJson.Default.ServiceError) is { ErrorId.Length: > 0 } error)
                return ServiceErrors.ToException(error);
        }
        catch (JsonException)
        {
        }
        return new KaiException("ServiceError", ServiceErrors.KindOf(response.StatusCode),
            $"The Kai service at {Address} answered {(int)response.StatusCode} {response.ReasonPhrase}.", Address);
    }

    private KaiException Protocol(string what) =>
        new("ServiceProtocolError", KaiErrorKind.ConnectionError, $"The Kai service at {Address} sent {what}.", Address);

    private static StringContent Json<T>(T value, JsonTypeInfo<T> type) =>
        new(JsonSerializer.Serialize(value, type), Encoding.UTF8, "application/json");

    private static string Escape(string segment) => Uri.EscapeDataString(segment);

    private static string QueryString(List<string> parts) => parts.Count == 0 ? "" : "?" + string.Join("&", parts);
}
