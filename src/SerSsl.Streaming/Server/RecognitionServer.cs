using System.Security.Cryptography.X509Certificates;
using Grpc.AspNetCore.HealthChecks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SerSsl.Streaming.Server.Dashboard;

namespace SerSsl.Streaming.Server;

/// <summary>
/// Builds the web application that serves a <see cref="ServerSessions"/>: the <c>serssl.v1.Recognizer</c> gRPC
/// service, the standard gRPC health service and server reflection, Prometheus metrics at <c>/metrics</c>, the
/// dashboard at <c>/</c> with its API under <c>/api/</c>, and the WebSocket ingest of browsers' microphones at
/// <see cref="WebSocketIngest.Path"/>.
/// </summary>
internal static class RecognitionServer
{
    /// <summary>Builds the application; the caller runs it and, after it stops, disposes the registry.</summary>
    /// <param name="registry">The sessions to serve; its options say where to listen and the limits.</param>
    /// <param name="configure">Changes to the builder before it builds (tests use a test server); null for none.</param>
    public static WebApplication Build(ServerSessions registry, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var options = registry.Options;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(RecognitionServer).Assembly.GetName().Name });
        // Logs go to stderr, so that stdout carries only what the command prints (estimates as JSON lines).
        options.Logging.Configure(builder.Logging);
        builder.Services.AddSingleton(registry);
        builder.Services.AddSingleton(new ApiKeys(options.ApiKeys));
        var browserEndpoints = new BrowserEndpoints();
        builder.Services.AddSingleton(browserEndpoints);
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = options.MaxMessageBytes;
            o.EnableDetailedErrors = false;
            o.Interceptors.Add<ApiKeyInterceptor>();
        });
        builder.Services.AddGrpcHealthChecks().AddCheck("inference", () => InferenceHealth(registry.Engine.Scheduler, options.StallThreshold));
        builder.Services.AddSingleton<Grpc.AspNetCore.Server.Model.IServiceMethodProvider<RecognizerService>, GuardedRecognizerMethods>();
        // Reflection finds services through their generated base class, which RecognizerService no longer has: name them.
        builder.Services.AddSingleton(new Grpc.Reflection.ReflectionServiceImpl(Protos.V1.Recognizer.Descriptor, Grpc.Health.V1.Health.Descriptor, Grpc.Reflection.V1Alpha.ServerReflection.Descriptor, Grpc.Reflection.V1.ServerReflection.Descriptor));
        builder.Services.AddGrpcReflection();
        builder.Services.AddHostedService<StreamShutdown>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // A client that vanished without closing its connection (a frozen process, a cut network) stops answering
            // pings: the connection closes and its calls end, freeing their sessions.
            kestrel.Limits.Http2.KeepAlivePingDelay = options.KeepAlivePingDelay;
            kestrel.Limits.Http2.KeepAlivePingTimeout = options.KeepAlivePingTimeout;
            var certificate = options.TlsCertificatePath is { } path ? LoadCertificate(path, options.TlsKeyPath) : null;
            foreach (var url in options.Urls)
            {
                // Plaintext endpoints speak HTTP/2 only (h2c with prior knowledge, as gRPC clients do); TLS endpoints
                // negotiate HTTP/2 or HTTP/1.1. HttpUrls are HTTP/1.1 only, for /metrics scrapers and browsers.
                Listen(kestrel, new Uri(url), certificate, HttpProtocols.Http2, browserEndpoints);
            }

            foreach (var url in options.HttpUrls)
            {
                Listen(kestrel, new Uri(url), certificate, HttpProtocols.Http1, browserEndpoints);
            }
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));
        configure?.Invoke(builder);

        var app = builder.Build();
        var serviceLog = app.Services.GetRequiredService<ILogger<RecognizerService>>();
        app.UseGrpcFrameCheck(options.MaxMessageBytes, (method, bytes, reason) =>
        {
            registry.Metrics.CallRejected();
            ServerLog.MalformedRequest(serviceLog, method, bytes, reason);
        });
        app.MapGrpcService<RecognizerService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        var keys = app.Services.GetRequiredService<ApiKeys>();
        app.MapGet("/metrics", (HttpContext context) =>
        {
            var key = context.Request.Headers["x-api-key"].FirstOrDefault() ?? ApiKeys.FromAuthorization(context.Request.Headers.Authorization.FirstOrDefault());
            if (keys.Required && (key is null || !keys.Accepts(key)))
            {
                return Results.Text("This server needs an API key: send 'x-api-key: KEY' or 'Authorization: Bearer KEY'.\n", statusCode: StatusCodes.Status401Unauthorized);
            }

            return Results.Text(registry.Metrics.Render(registry.All.Count(s => s.IsStarted && !s.IsCompleted)), "text/plain; version=0.0.4; charset=utf-8");
        });
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = options.KeepAlivePingDelay });
        WebSocketIngest.Map(app, registry, keys);
        app.MapDashboard(registry, keys);
        return app;
    }

    /// <summary>
    /// Serving only while the inference thread runs and no batch has been running for longer than
    /// <paramref name="stallThreshold"/> (a stuck model): load balancers and orchestrators then stop sending clients.
    /// </summary>
    internal static Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult InferenceHealth(Inference.InferenceScheduler scheduler, TimeSpan stallThreshold)
    {
        if (!scheduler.IsRunning)
        {
            return Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy("The inference thread is not running.");
        }

        var stall = scheduler.Stall;
        return stall > stallThreshold
            ? Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"A model run has taken {stall.TotalSeconds:F1} s, more than {stallThreshold.TotalSeconds:F1} s: inference is stalled."))
            : Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy();
    }

    /// <summary>
    /// The dashboard's addresses once the application has started: the HTTP/1.1 and https endpoints, which browsers can
    /// reach (with the port bound when 0 was asked for). Empty when the server has only plaintext HTTP/2 endpoints.
    /// </summary>
    public static IReadOnlyList<string> DashboardUrls(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Services.GetRequiredService<BrowserEndpoints>().Urls();
    }

    /// <summary>
    /// Runs before any hosted service stops, the web server included: ends every session and with it every stream, and
    /// waits (within the host's shutdown timeout) for the calls to finish, so that clients see a clean end of stream
    /// rather than a connection the server dropped.
    /// </summary>
    private sealed class StreamShutdown(ServerSessions registry) : IHostedLifecycleService
    {
        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StoppingAsync(CancellationToken cancellationToken)
        {
            await registry.StopAllAsync().ConfigureAwait(false);
            await registry.WaitForCallsAsync(cancellationToken).ConfigureAwait(false);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static void Listen(KestrelServerOptions kestrel, Uri url, X509Certificate2? certificate, HttpProtocols plaintext, BrowserEndpoints browserEndpoints)
    {
        void Configure(ListenOptions endpoint)
        {
            if (url.Scheme == Uri.UriSchemeHttps || plaintext.HasFlag(HttpProtocols.Http1))
            {
                browserEndpoints.Add(url, endpoint);
            }

            if (url.Scheme == Uri.UriSchemeHttps)
            {
                endpoint.Protocols = HttpProtocols.Http1AndHttp2;
                endpoint.UseHttps(certificate!);
            }
            else
            {
                endpoint.Protocols = plaintext;
            }
        }

        var host = url.Host.Trim('[', ']');
        if (host is "localhost")
        {
            kestrel.ListenLocalhost(url.Port, Configure);
        }
        else if (host is "*" or "+" or "0.0.0.0")
        {
            kestrel.ListenAnyIP(url.Port, Configure);
        }
        else if (System.Net.IPAddress.TryParse(host, out var address))
        {
            kestrel.Listen(address, url.Port, Configure);
        }
        else
        {
            throw new ArgumentException($"Cannot listen on '{url}': give an IP address, localhost or 0.0.0.0 as the host.");
        }
    }

    /// <summary>The endpoints a browser can reach, kept to say where the dashboard is once the ports are bound.</summary>
    private sealed class BrowserEndpoints
    {
        private readonly List<(Uri Url, ListenOptions Endpoint)> _endpoints = [];

        public void Add(Uri url, ListenOptions endpoint) => _endpoints.Add((url, endpoint));

        public IReadOnlyList<string> Urls() =>
        [
            .. _endpoints.Select(e => new UriBuilder(e.Url.Scheme, e.Url.Host, e.Url.Port != 0 ? e.Url.Port : e.Endpoint.IPEndPoint?.Port ?? 0, "/").Uri.ToString()).Distinct(StringComparer.Ordinal),
        ];
    }

    /// <summary>Loads the PEM certificate and its key.</summary>
    /// <exception cref="ArgumentException">A file is missing or unreadable, is not PEM, the key does not match, or the key is encrypted.</exception>
    internal static X509Certificate2 LoadCertificate(string certificatePath, string? keyPath)
    {
        var files = $"'{certificatePath}'{(keyPath is null ? string.Empty : $" with key '{keyPath}'")}";
        try
        {
            if (!IsEncryptedKey(keyPath ?? certificatePath))
            {
                return keyPath is null ? X509Certificate2.CreateFromPemFile(certificatePath) : X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new ArgumentException($"Cannot load the TLS certificate {files}: {ex.Message} Give PEM files (--tls-cert cert.pem --tls-key key.pem).", nameof(certificatePath), ex);
        }

        throw new ArgumentException(
            $"Cannot load the TLS certificate {files}: the private key is encrypted with a passphrase, and sers takes no passphrase. Decrypt it into a file only the server's user can read (openssl pkey -in key.pem -out plain-key.pem; chmod 600 plain-key.pem) and give that as --tls-key.",
            nameof(keyPath));
    }

    /// <summary>True when the PEM file holds an encrypted private key (PKCS#8 or the traditional OpenSSL form).</summary>
    private static bool IsEncryptedKey(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        var text = File.ReadAllText(path);
        return text.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal)
            || text.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal);
    }
}
