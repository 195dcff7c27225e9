using System.CommandLine;
using System.Globalization;
using SerSsl.Streaming.Server;

namespace SerSsl.Streaming.Commands;

/// <summary>The options of <c>sers serve</c> and <c>sers listen --serve</c>: addresses, TLS, API keys and limits.</summary>
internal sealed class ServerCommandOptions
{
    public Option<string[]> Urls { get; } = new("--urls")
    {
        Description = $"Addresses to listen on, e.g. http://127.0.0.1:50051 (plaintext HTTP/2) or https://0.0.0.0:50051 (TLS, needs --tls-cert). Default {ServerOptions.DefaultUrl}: loopback only.",
        AllowMultipleArgumentsPerToken = true,
    };

    public Option<string[]> HttpUrls { get; } = new("--http-urls")
    {
        Description = "HTTP/1.1 addresses for the dashboard (a web page at /) and /metrics, e.g. http://127.0.0.1:9464; 'none' for none. Default: the first plaintext gRPC address with the port after it (http://127.0.0.1:50052), unless an https address serves browsers already. Plaintext --urls speak HTTP/2 only.",
        AllowMultipleArgumentsPerToken = true,
    };

    public Option<int?> Port { get; } = new("--port")
    {
        Description = "Shorthand for --urls http://127.0.0.1:PORT.",
    };

    public Option<string?> TlsCert { get; } = new("--tls-cert")
    {
        Description = "PEM certificate for https addresses.",
    };

    public Option<string?> TlsKey { get; } = new("--tls-key")
    {
        Description = "PEM private key of --tls-cert (omit when the certificate file holds the key).",
    };

    public Option<string[]> KeyOption { get; } = new("--api-key")
    {
        Description = "Require this API key (metadata x-api-key: KEY or authorization: Bearer KEY); repeat for several, each its own owner (it sees only the sessions it started and the server's own). An empty key is refused. Prefer --api-key-file: a command line is visible to other users.",
    };

    public Option<string?> KeyFileOption { get; } = new("--api-key-file")
    {
        Description = "Require one of the API keys in this file: one a line, 'KEY [owner=NAME] [admin]' (keys of one owner share their sessions; an admin key sees all; blank lines and lines starting with # are skipped). A file without keys is refused.",
    };

    public Option<int> MaxSessions { get; } = new("--max-sessions")
    {
        Description = "Sessions at once; more Recognize calls get RESOURCE_EXHAUSTED (microphone WebSockets: close code 4429).",
        DefaultValueFactory = _ => new ServerOptions().MaxSessions,
    };

    public Option<int> MaxSessionsPerClient { get; } = new("--max-sessions-per-client")
    {
        Description = "Recognize and microphone WebSocket sessions one client runs at once (per API key owner, else per remote address); more get RESOURCE_EXHAUSTED (WebSocket: close code 4429).",
        DefaultValueFactory = _ => new ServerOptions().MaxSessionsPerClient,
    };

    public Option<double> IdleTimeoutSeconds { get; } = new("--idle-timeout-seconds")
    {
        Description = "How long a Recognize call or microphone WebSocket may send nothing (no config, no audio) before it ends with DEADLINE_EXCEEDED (WebSocket: close code 4408) and frees its session.",
        DefaultValueFactory = _ => new ServerOptions().IdleTimeout.TotalSeconds,
    };

    public Option<double> KeepAliveSeconds { get; } = new("--keepalive-seconds")
    {
        Description = "Ping an HTTP/2 connection that has been quiet this long; one that does not answer within 20 s is closed and its calls end.",
        DefaultValueFactory = _ => new ServerOptions().KeepAlivePingDelay.TotalSeconds,
    };

    public Option<int> MaxSubscribers { get; } = new("--max-subscribers")
    {
        Description = "Subscribers of one session at once; more get RESOURCE_EXHAUSTED.",
        DefaultValueFactory = _ => new ServerOptions().MaxSubscribersPerSession,
    };

    public Option<int> MaxMessageBytes { get; } = new("--max-message-bytes")
    {
        Description = "Largest gRPC or WebSocket message accepted; larger ones get RESOURCE_EXHAUSTED (WebSocket: close code 1009).",
        DefaultValueFactory = _ => new ServerOptions().MaxMessageBytes,
    };

    public Option<double> BurstSeconds { get; } = new("--burst-seconds")
    {
        Description = "How far a client's audio may run ahead of real time before its call gets RESOURCE_EXHAUSTED (WebSocket: close code 4429).",
        DefaultValueFactory = _ => new ServerOptions().BurstSeconds,
    };

    public Option<string[]> AllowedOrigins { get; } = new("--allowed-origins")
    {
        Description = "Web origins (e.g. https://app.example.com) whose pages may also stream a microphone to the WebSocket ingest (/api/recognize); the server's own pages (the dashboard) always may, other pages never. Give the origin exactly as the browser shows it: scheme, host and port, no path.",
        AllowMultipleArgumentsPerToken = true,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Urls);
        command.Options.Add(HttpUrls);
        command.Options.Add(Port);
        command.Options.Add(TlsCert);
        command.Options.Add(TlsKey);
        command.Options.Add(KeyOption);
        command.Options.Add(KeyFileOption);
        command.Options.Add(MaxSessions);
        command.Options.Add(MaxSessionsPerClient);
        command.Options.Add(IdleTimeoutSeconds);
        command.Options.Add(KeepAliveSeconds);
        command.Options.Add(MaxSubscribers);
        command.Options.Add(MaxMessageBytes);
        command.Options.Add(BurstSeconds);
        command.Options.Add(AllowedOrigins);
    }

    /// <summary>The server options the command line asks for.</summary>
    /// <exception cref="ArgumentException">A value is invalid; a key is empty; the key file cannot be read, is malformed or holds no key.</exception>
    public ServerOptions Read(ParseResult parse)
    {
        var urls = parse.GetValue(Urls) ?? [];
        if (parse.GetValue(Port) is { } port)
        {
            if (port is < 1 or > 65535)
            {
                throw new ArgumentException($"--port must be 1 to 65535, got {port}.");
            }

            urls = [.. urls, string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}")];
        }

        var keys = new List<ApiKey>();
        foreach (var key in parse.GetValue(KeyOption) ?? [])
        {
            // The message never repeats the key: a command line may end up in logs.
            ApiKey.ValidateSecret(key, string.Create(CultureInfo.InvariantCulture, $"--api-key number {keys.Count + 1}"));
            keys.Add(new ApiKey(key, ApiKeys.DefaultOwner(keys.Count + 1)));
        }

        if (parse.GetValue(KeyFileOption) is { } file)
        {
            keys.AddRange(ApiKeys.ReadFile(file, firstIndex: keys.Count + 1));
        }

        var idle = parse.GetValue(IdleTimeoutSeconds);
        var keepAlive = parse.GetValue(KeepAliveSeconds);
        if (!double.IsFinite(idle) || idle <= 0 || idle > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--idle-timeout-seconds must be a positive number of seconds, got {idle}."));
        }

        if (!double.IsFinite(keepAlive) || keepAlive <= 0 || keepAlive > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--keepalive-seconds must be a positive number of seconds, got {keepAlive}."));
        }

        string[] grpcUrls = urls.Length > 0 ? urls : [ServerOptions.DefaultUrl];
        var options = new ServerOptions
        {
            Urls = grpcUrls,
            HttpUrls = (parse.GetValue(HttpUrls) ?? []) switch
            {
                [] => DefaultHttpUrls(grpcUrls),
                ["none"] => [],
                var given => given,
            },
            TlsCertificatePath = parse.GetValue(TlsCert),
            TlsKeyPath = parse.GetValue(TlsKey),
            ApiKeys = keys,
            MaxSessions = parse.GetValue(MaxSessions),
            MaxSessionsPerClient = parse.GetValue(MaxSessionsPerClient),
            IdleTimeout = TimeSpan.FromSeconds(idle),
            KeepAlivePingDelay = TimeSpan.FromSeconds(keepAlive),
            MaxSubscribersPerSession = parse.GetValue(MaxSubscribers),
            MaxMessageBytes = parse.GetValue(MaxMessageBytes),
            BurstSeconds = parse.GetValue(BurstSeconds),
            AllowedOrigins = parse.GetValue(AllowedOrigins) ?? [],
        };
        options.Validate();
        return options;
    }

    /// <summary>
    /// Where browsers reach the dashboard when --http-urls is not given: the first gRPC address with the next port
    /// (port 0 stays 0), or nowhere extra when an https address serves HTTP/1.1 already.
    /// </summary>
    internal static string[] DefaultHttpUrls(IReadOnlyList<string> urls)
    {
        var addresses = urls.Select(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) ? uri : null).ToArray();
        if (addresses.Length == 0 || addresses.Any(a => a is null || a.Scheme == Uri.UriSchemeHttps) || addresses[0]!.Port >= 65535)
        {
            return [];
        }

        var first = addresses[0]!;
        return [new UriBuilder(Uri.UriSchemeHttp, first.Host, first.Port == 0 ? 0 : first.Port + 1).Uri.GetLeftPart(UriPartial.Authority)];
    }
}
