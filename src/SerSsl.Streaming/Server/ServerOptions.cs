using SerSsl.Streaming.Pipeline;

namespace SerSsl.Streaming.Server;

/// <summary>Settings of the gRPC server: where it listens, who may call it, and its limits.</summary>
internal sealed record ServerOptions
{
    /// <summary>How the server logs (level, text or JSON lines on stderr). Default: warnings and worse, as text.</summary>
    public LogSettings Logging { get; init; } = LogSettings.Quiet;

    /// <summary>How every session the server starts for a Recognize call runs (hop, smoothing, speech detection).</summary>
    public StreamingSessionOptions SessionOptions { get; init; } = StreamingSessionOptions.Default;

    /// <summary>The default address: loopback only, plaintext HTTP/2.</summary>
    public const string DefaultUrl = "http://127.0.0.1:50051";

    /// <summary>Addresses to listen on, e.g. <c>http://127.0.0.1:50051</c> or <c>https://0.0.0.0:50051</c>.</summary>
    public IReadOnlyList<string> Urls { get; init; } = [DefaultUrl];

    /// <summary>
    /// HTTP/1.1 addresses for <c>/metrics</c> scrapers and browsers (the dashboard); empty for none. Plaintext gRPC addresses speak
    /// HTTP/2 only (h2c), which most scrapers cannot; https addresses serve both.
    /// </summary>
    public IReadOnlyList<string> HttpUrls { get; init; } = [];

    /// <summary>PEM certificate file for https addresses; null for none.</summary>
    public string? TlsCertificatePath { get; init; }

    /// <summary>PEM private key file of <see cref="TlsCertificatePath"/>; null when the certificate file holds the key.</summary>
    public string? TlsKeyPath { get; init; }

    /// <summary>Accepted API keys, each with its owner; empty means no key is required and every caller sees every session.</summary>
    public IReadOnlyList<ApiKey> ApiKeys { get; init; } = [];

    /// <summary>Largest gRPC message accepted, in bytes. Default 1 MiB (about 32 s of 16 kHz mono s16le).</summary>
    public int MaxMessageBytes { get; init; } = 1 << 20;

    /// <summary>Sessions at once (Recognize calls and the server's own). Default 16.</summary>
    public int MaxSessions { get; init; } = 16;

    /// <summary>Recognize sessions one client runs at once: per API key owner, or per remote address without keys. Default 4.</summary>
    public int MaxSessionsPerClient { get; init; } = 4;

    /// <summary>How long a Recognize call may go without a message (the config, then audio) before it ends with DEADLINE_EXCEEDED. Default 10 s.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long an HTTP/2 connection may be quiet before the server pings it; a connection that does not answer within
    /// <see cref="KeepAlivePingTimeout"/> is closed, and its calls end. Default 30 s.
    /// </summary>
    public TimeSpan KeepAlivePingDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the server waits for the answer to a keepalive ping before it closes the connection. Default 20 s.</summary>
    public TimeSpan KeepAlivePingTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Subscribers of one session at once (Subscribe calls and the Recognize caller itself). Default 100.</summary>
    public int MaxSubscribersPerSession { get; init; } = 100;

    /// <summary>How far a Recognize client's audio may run ahead of real time, in seconds. Default 5.</summary>
    public double BurstSeconds { get; init; } = 5.0;

    /// <summary>Events (estimates and utterance events) each session keeps for resumed subscriptions. Default 256 (about a minute at the default hop).</summary>
    public int ReplayCapacity { get; init; } = 256;

    /// <summary>How long one model run may take before health reports NOT_SERVING. Default 10 s.</summary>
    public TimeSpan StallThreshold { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Events buffered per subscriber before its oldest are dropped. Default 256.</summary>
    public int SubscriberBufferCapacity { get; init; } = 256;

    /// <summary>
    /// Web origins (<c>https://app.example.com</c>) whose pages may stream audio to the WebSocket ingest besides the
    /// server's own (the dashboard); empty for only the server's own.
    /// </summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(SessionOptions);
        SessionOptions.Validate();
        if (Urls.Count == 0)
        {
            throw new ArgumentException("Give at least one address to listen on.", nameof(Urls));
        }

        foreach (var url in Urls.Concat(HttpUrls))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new ArgumentException($"'{url}' is not an http:// or https:// address, e.g. http://127.0.0.1:50051.", nameof(Urls));
            }

            if (uri.Scheme == "https" && TlsCertificatePath is null)
            {
                throw new ArgumentException($"'{url}' needs a certificate: give --tls-cert (and --tls-key).", nameof(TlsCertificatePath));
            }
        }

        if (TlsKeyPath is not null && TlsCertificatePath is null)
        {
            throw new ArgumentException("--tls-key needs --tls-cert.", nameof(TlsKeyPath));
        }

        Require(MaxMessageBytes >= 1024, nameof(MaxMessageBytes), $"The message size limit must be at least 1024 bytes, got {MaxMessageBytes}.");
        Require(MaxSessions >= 1, nameof(MaxSessions), $"The session limit must be at least 1, got {MaxSessions}.");
        Require(MaxSessionsPerClient >= 1, nameof(MaxSessionsPerClient), $"The per-client session limit must be at least 1, got {MaxSessionsPerClient}.");
        Require(IdleTimeout > TimeSpan.Zero, nameof(IdleTimeout), $"The idle timeout must be positive, got {IdleTimeout.TotalSeconds} s.");
        Require(KeepAlivePingDelay > TimeSpan.Zero, nameof(KeepAlivePingDelay), $"The keepalive ping delay must be positive, got {KeepAlivePingDelay.TotalSeconds} s.");
        Require(KeepAlivePingTimeout > TimeSpan.Zero, nameof(KeepAlivePingTimeout), $"The keepalive ping timeout must be positive, got {KeepAlivePingTimeout.TotalSeconds} s.");
        Server.ApiKeys.Validate(ApiKeys);
        Require(MaxSubscribersPerSession >= 1, nameof(MaxSubscribersPerSession), $"The subscriber limit must be at least 1, got {MaxSubscribersPerSession}.");
        Require(StallThreshold > TimeSpan.Zero, nameof(StallThreshold), $"The stall threshold must be positive, got {StallThreshold}.");
        Require(BurstSeconds >= 0, nameof(BurstSeconds), $"The burst allowance must not be negative, got {BurstSeconds}.");
        Require(ReplayCapacity >= 1, nameof(ReplayCapacity), $"The replay buffer must hold at least 1 event, got {ReplayCapacity}.");
        Require(SubscriberBufferCapacity >= 1, nameof(SubscriberBufferCapacity), $"The subscriber buffer must hold at least 1 event, got {SubscriberBufferCapacity}.");
        foreach (var origin in AllowedOrigins)
        {
            Require(WebSocketOrigins.TryParse(origin, out _), nameof(AllowedOrigins), $"--allowed-origins: '{origin}' is not a web origin: give a scheme, a host and optionally a port, nothing after them, e.g. https://app.example.com or http://localhost:8080.");
        }
    }

    /// <summary>What is allowed but unwise: keys short enough to guess. Printed at start.</summary>
    public IReadOnlyList<string> Warnings() =>
    [
        .. ApiKeys.Where(k => k.Key.Length < ApiKey.RecommendedLength).Select(k =>
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the API key of {k} has {k.Key.Length} characters; keys shorter than {ApiKey.RecommendedLength} can be guessed. Use a random one, e.g. 'openssl rand -hex 24'.")),
    ];

    private static void Require(bool condition, string name, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message, name);
        }
    }
}
