using System.Security.Cryptography.X509Certificates;

namespace SerSsl.Client;

/// <summary>How a <see cref="SerSslClient"/> connects: key, TLS trust and reconnection of subscriptions.</summary>
public sealed record SerSslClientOptions
{
    /// <summary>The API key sent with every call (metadata <c>x-api-key</c>); null when the server needs none.</summary>
    public string? ApiKey { get; init; }

    /// <summary>
    /// A root certificate to trust for an <c>https://</c> address besides the system's (a private CA, or the server's
    /// self-signed certificate). Ignored when <see cref="HttpHandler"/> is set.
    /// </summary>
    public X509Certificate2? RootCertificate { get; init; }

    /// <summary>
    /// The HTTP handler of the channel, for full control of TLS and proxies; null for the default. The client does not
    /// dispose it.
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>How <see cref="SerSslClient.SubscribeAsync"/> reconnects when the server goes away.</summary>
    public ReconnectPolicy Reconnect { get; init; } = ReconnectPolicy.Default;

    /// <summary>The largest message the client accepts from the server, in bytes. Default 4 MiB.</summary>
    public int MaxReceiveMessageBytes { get; init; } = 4 << 20;
}

/// <summary>
/// Bounded exponential backoff: attempt <c>n</c> (from 1) waits <c>min(InitialDelay * Multiplier^(n-1), MaxDelay)</c>.
/// </summary>
public sealed record ReconnectPolicy
{
    /// <summary>Up to 8 attempts, from 100 ms doubling to at most 5 s (about 17 s in all).</summary>
    public static ReconnectPolicy Default { get; } = new();

    /// <summary>No reconnection: a cut subscription fails at once.</summary>
    public static ReconnectPolicy None { get; } = new() { MaxAttempts = 0 };

    /// <summary>Attempts after a cut before the subscription fails; 0 for none. Reset by every event received.</summary>
    public int MaxAttempts { get; init; } = 8;

    /// <summary>The wait before the first attempt.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between two attempts.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The factor between the waits of two attempts; at least 1.</summary>
    public double Multiplier { get; init; } = 2.0;

    /// <summary>The wait before attempt <paramref name="attempt"/> (1 for the first).</summary>
    /// <param name="attempt">The attempt, from 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="attempt"/> is less than 1.</exception>
    public TimeSpan DelayBefore(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var ms = InitialDelay.TotalMilliseconds * Math.Pow(Multiplier, attempt - 1);
        return ms >= MaxDelay.TotalMilliseconds || double.IsNaN(ms) ? MaxDelay : TimeSpan.FromMilliseconds(ms);
    }

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MaxAttempts, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(InitialDelay, TimeSpan.Zero, nameof(InitialDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDelay, InitialDelay, nameof(MaxDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(Multiplier, 1.0, nameof(Multiplier));
    }
}

/// <summary>Options of one Recognize call.</summary>
public sealed record RecognizeOptions
{
    /// <summary>The session id others subscribe with (1 to 64 of <c>A-Z a-z 0-9 . _ -</c>); null lets the server choose.</summary>
    public string? SessionId { get; init; }

    /// <summary>
    /// Send the audio no faster than real time (as a live source would), at most <see cref="RealTimeLead"/> ahead.
    /// Off: as fast as the caller's samples come, within the server's burst allowance.
    /// </summary>
    public bool RealTime { get; init; }

    /// <summary>How far ahead of real time <see cref="RealTime"/> may send. Default none.</summary>
    public TimeSpan RealTimeLead { get; init; } = TimeSpan.Zero;
}
