using Kai.Native;
using Kai.Native.Platform;
using Kai.Native.Sessions;
using Kai.Native.Store;
using Kai.Service.Api;
using Kai.Service.Approvals;
using Kai.Service.Audit;
using Kai.Native.Service;
using Kai.Service.Configuration;
using Kai.Service.Logging;
using Kai.Service.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kai.Service.Hosting;

/// <summary>How `kai serve` was asked to run.</summary>
public sealed record ServeOptions
{
    public string? DataDirectory { get; init; }
    public string? EnvFile { get; init; }
    /// <summary>Validate the configuration and exit (like `nginx -t`).</summary>
    public bool CheckOnly { get; init; }
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;
    /// <summary>The engine the service drives; the embedded host by default (tests inject others).</summary>
    public Func<ServiceConfiguration, ISessionHost>? SessionHostFactory { get; init; }
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// `kai serve`: configuration → logs → kai.db (audit, approvals, crash recovery) → Kestrel on the Unix socket
/// and the TCP port → READY=1; SIGTERM → STOPPING=1, running commands cancelled (graduated), stores flushed.
/// </summary>
public static class KaiServer
{
    /// <summary>EX_CONFIG (sysexits.h): a configuration the service refuses; the generated unit does not restart on it.</summary>
    public const int ExitConfigError = Kai.Native.Install.SystemdUnit.ConfigErrorExitStatus;
    /// <summary>EX_SOFTWARE: the service failed after starting.</summary>
    public const int ExitFailure = 70;

    public static async Task<int> RunAsync(ServeOptions options, TextWriter stderr, CancellationToken cancellationToken)
    {
        var provisionalData = options.DataDirectory ?? (options.Environment("KAI_DATA_DIR") is { Length: > 0 } d ? d : Native.Service.ServicePaths.SystemDataDirectory);
        ServiceConfiguration configuration;
        ApprovalPolicy policy;
        try
        {
            configuration = ServiceConfigurationLoader.Load(options.Environment, options.DataDirectory, options.EnvFile);
            policy = configuration.ApprovalPolicyPath is { } p ? ApprovalPolicy.Load(p) : ApprovalPolicy.Empty;
            PrepareDataDirectory(configuration.DataDirectory);
        }
        catch (KaiException ex)
        {
            return Refuse(stderr, provisionalData, SecretRedactor.None, ex.Message);
        }

        var redactor = new SecretRedactor(configuration.Secrets);
        if (options.CheckOnly)
        {
            stderr.WriteLine($"kai serve: configuration OK (data {configuration.DataDirectory}, secrets from {configuration.SecretsSource}, " +
                $"TCP {configuration.TcpEndpoint?.ToString() ?? "off"}, {policy.Rules.Count} approval rule(s)).");
            return 0;
        }

        using var logWriter = new DailyFileLogWriter(configuration.LogsDirectory, redactor);
        KaiDatabase database;
        AuditLog? audit = null;
        ApprovalService approvals;
        try
        {
            database = new KaiDatabase(configuration.DatabasePath);
            audit = new AuditLog(database, redactor);
            approvals = new ApprovalService(database, configuration.ApiSecret, policy, audit);
            UnixSocketListener.ClearStale(configuration.SocketPath);
        }
        catch (Exception ex) when (ex is KaiException or Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
        {
            audit?.Dispose();
            return Refuse(stderr, configuration.DataDirectory, redactor, ex.Message, logWriter);
        }

        var notifier = new SystemdNotifier(options.Environment("NOTIFY_SOCKET"));
        ISessionHost host;
        try
        {
            host = (options.SessionHostFactory ?? (c => DefaultSessionHost(c, redactor)))(configuration);
        }
        catch (KaiException ex)
        {
            return Refuse(stderr, configuration.DataDirectory, redactor, "the session engine cannot start: " + ex.Message, logWriter);
        }
        try
        {
            return await ServeAsync(configuration, options, host, database, audit, approvals, logWriter, redactor, notifier, stderr, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Anything unforeseen: one line (type and message, redacted) where the admin looks, not a stack dump.
            var line = $"kai serve: failed: {ex.GetType().Name}: {redactor.Redact(ex.Message.Replace('\n', ' '))}";
            stderr.WriteLine(line);
            logWriter.Write("FATAL", "Kai.Service", line, ex);
            notifier.Status("failed: " + ex.GetType().Name);
            return ExitFailure;
        }
        finally
        {
            await host.DisposeAsync();
            audit.Dispose();
        }
    }

    private static async Task<int> ServeAsync(ServiceConfiguration configuration, ServeOptions options, ISessionHost host, KaiDatabase database,
        AuditLog audit, ApprovalService approvals, DailyFileLogWriter logWriter, SecretRedactor redactor, SystemdNotifier notifier,
        TextWriter stderr, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.Now;
        // The engine waits for each command on the calling thread for a moment (InlineWait) and commits before
        // answering: with dozens of concurrent requests, a thread pool that starts at one thread per core would
        // starve and grow slowly. Start it wide enough for the sessions in flight.
        ThreadPool.GetMinThreads(out var workers, out var completion);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(completion, 64));
        var bindPath = UnixSocketListener.PrepareBindPath(configuration.SocketPath);
        var flags = new RespondingFlags(configuration.DataDirectory);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = configuration.DataDirectory, Args = Array.Empty<string>() });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new DailyFileLoggerProvider(logWriter));
        builder.Logging.AddProvider(new StderrLoggerProvider(stderr, redactor));
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = configuration.MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.ListenUnixSocket(bindPath);
            if (configuration.TcpEndpoint is { } endpoint) kestrel.Listen(endpoint);
        });

        // Per boot: a restart invalidates every token handed out before (clients re-read the file).
        var socketToken = Secret.Generate(32);
        var credentials = new ApiCredentials(configuration.ApiSecret, socketToken, configuration.SocketPath,
            UnixAccounts.EffectiveUserId, UnixAccounts.EffectiveGroupId);
        builder.Services.AddSingleton(configuration);
        builder.Services.AddSingleton(redactor);
        builder.Services.AddSingleton(audit);
        builder.Services.AddSingleton(approvals);
        builder.Services.AddSingleton(flags);
        builder.Services.AddSingleton(host);
        builder.Services.AddSingleton(new AuthThrottle());
        builder.Services.AddSingleton(credentials);
        builder.Services.AddSingleton<SessionGateway>();
        builder.Services.AddSingleton(sp => new ServiceInfoProvider(configuration, host, approvals, started));
        builder.Services.AddHostedService(sp => new ApprovalExpiry(approvals, sp.GetRequiredService<ILogger<ApprovalExpiry>>()));

        await using var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Kai.Service");
        app.UseMiddleware<ErrorMiddleware>();
        app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            if (http.Response.ContentLength is > 0 || http.Response.ContentType is not null) return;
            await ApiResults.WriteErrorAsync(http, http.Response.StatusCode, new KaiException(
                http.Response.StatusCode == 405 ? "MethodNotAllowed" : "HttpError", KaiErrorKind.InvalidArgument,
                $"{http.Request.Method} {http.Request.Path}: HTTP {http.Response.StatusCode}.", http.Request.Path.Value));
        });
        app.UseMiddleware<AuthenticationMiddleware>();
        ApiEndpoints.Map(app);

        Recover(configuration, approvals, flags, audit, logger);

        var gateway = app.Services.GetRequiredService<SessionGateway>();
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStopping.Register(() =>
        {
            notifier.Stopping("stopping: cancelling running commands");
            logger.LogInformation("stopping: {Count} command(s) in flight get the graduated cancel", gateway.InFlight);
            gateway.CancelAll();
        });

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            return Refuse(stderr, configuration.DataDirectory, redactor, $"cannot listen: {ex.Message}", logWriter);
        }
        UnixSocketListener.Publish(bindPath, configuration.SocketPath, socketToken);

        var listening = $"unix:{configuration.SocketPath}" + (configuration.TcpEndpoint is { } ep ? $", http://{ep}" : "");
        // What the configuration was (never its values): a change between two starts shows in the log.
        audit.Append(AuditKinds.ConfigLoaded, "service",
            $"secrets from {configuration.SecretsSource} (keys {string.Join(",", configuration.Environment.Keys.Order(StringComparer.Ordinal))}); " +
            $"TCP {configuration.TcpEndpoint?.ToString() ?? "off"}; approval policy {approvals.Policy.Source ?? "none"} " +
            $"({approvals.Policy.Rules.Count} rule(s), timeout {approvals.Policy.Timeout.TotalSeconds:0} s{PolicyDigest(approvals.Policy.Source)})");
        audit.Append(AuditKinds.ServiceStart, "service", $"kai serve {ServiceVersion.Current} pid {Environment.ProcessId} listening on {listening}");
        logger.LogInformation("kai serve {Version} ready: pid {Pid}, data {Data}, listening on {Listening}, secrets from {Source}",
            ServiceVersion.Current, Environment.ProcessId, configuration.DataDirectory, listening, configuration.SecretsSource);
        notifier.Ready($"listening on {listening}");

        try
        {
            await app.WaitForShutdownAsync(cancellationToken);
        }
        finally
        {
            if (!lifetime.ApplicationStopping.IsCancellationRequested) gateway.CancelAll();
            await app.StopAsync(CancellationToken.None);
            audit.Append(AuditKinds.ServiceStop, "service", "kai serve stopped");
            audit.Dispose();
            UnixSocketListener.Remove(configuration.SocketPath);
            logger.LogInformation("kai serve stopped");
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
        return 0;
    }

    /// <summary>Boot after a crash: pending approvals closed (fail closed), commands that were in flight recorded as interrupted.</summary>
    private static void Recover(ServiceConfiguration configuration, ApprovalService approvals, RespondingFlags flags, AuditLog audit, ILogger logger)
    {
        var closed = approvals.CloseAll(null, "the service restarted");
        var interrupted = flags.Collect();
        foreach (var command in interrupted)
            audit.Append(AuditKinds.CommandInterrupted, "service", $"interrupted: the service stopped before this command's answer was sent (started {command.Started:O}; its transcript row says whether it finished)", command.Session == "?" ? null : command.Session, command.Command);
        if (closed > 0 || interrupted.Count > 0)
            logger.LogWarning("recovered from an unclean stop: {Closed} pending approval(s) closed as session_closed, {Interrupted} command(s) marked interrupted", closed, interrupted.Count);
    }

    private static string PolicyDigest(string? path)
    {
        if (path is null) return "";
        try
        {
            return ", sha256 " + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)))[..16].ToLowerInvariant();
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>
    /// The engine as the service runs it: every acknowledged command committed before its answer (survives a
    /// crash), Kai's secrets directory hidden from sandboxes, and the service's redaction in transcripts.
    /// </summary>
    private static ISessionHost DefaultSessionHost(ServiceConfiguration configuration, SecretRedactor redactor) =>
        new EmbeddedSessionHost(EmbeddedHostOptions.ForCurrentUser() with
        {
            DataDirectory = configuration.DataDirectory,
            AcknowledgeAfterCommit = true,
            Redactor = redactor.Engine,
        });

    private static void PrepareDataDirectory(string dataDirectory)
    {
        try
        {
            Directory.CreateDirectory(dataDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ServiceConfigurationException($"Cannot create the data directory {dataDirectory}: {ex.Message}", dataDirectory);
        }
        if (!UnixFiles.CanWrite(dataDirectory))
            throw new ServiceConfigurationException($"The data directory {dataDirectory} is not writable by {UnixAccounts.CurrentUserName}.", dataDirectory);
    }

    /// <summary>One clear line, in the log (when there is one) and on stderr; the exit code says "configuration".</summary>
    private static int Refuse(TextWriter stderr, string dataDirectory, SecretRedactor redactor, string message, DailyFileLogWriter? log = null)
    {
        var line = "kai serve: refusing to start: " + redactor.Redact(message.Replace('\n', ' '));
        stderr.WriteLine(line);
        try
        {
            if (log is not null) log.Write("FATAL", "Kai.Service", line);
            else
            {
                using var fallback = new DailyFileLogWriter(Path.Combine(dataDirectory, "logs"), redactor);
                fallback.Write("FATAL", "Kai.Service", line);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // No log directory we may write: stderr (the journal) has the line.
        }
        return ExitConfigError;
    }
}
