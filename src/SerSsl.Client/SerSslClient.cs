using System.Diagnostics;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using SerSsl.Client.Internal;
using SerSsl.Protos.V1;

namespace SerSsl.Client;

/// <summary>
/// A client of a SerSsl server (<c>sers serve</c>, gRPC API <c>serssl.v1</c>): stream audio and read its estimates,
/// follow a running session (reconnecting and resuming when the server goes away), list sessions, describe the model.
/// Thread-safe; one instance per server, disposed at the end.
/// </summary>
public sealed class SerSslClient : IDisposable
{
    /// <summary>The metadata key the API key travels in.</summary>
    public const string ApiKeyHeader = "x-api-key";

    /// <summary>Frames per audio message a WAV stream is sent in (20 ms at 16 kHz).</summary>
    private const int WavBlockMilliseconds = 20;

    /// <summary>The most bytes of audio one request message carries; larger blocks are split.</summary>
    private const int MaxAudioMessageBytes = 64 * 1024;

    private readonly GrpcChannel _channel;
    private readonly Recognizer.RecognizerClient _client;
    private readonly SerSslClientOptions _options;
    private readonly HttpMessageHandler? _ownedHandler;

    /// <summary>Connects to a server (lazily: the first call opens the connection).</summary>
    /// <param name="address">The server's gRPC address: <c>http://HOST:PORT</c> (plaintext HTTP/2) or <c>https://HOST:PORT</c> (TLS).</param>
    /// <param name="options">Key, TLS and reconnection; null for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="address"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="address"/> is not an absolute http or https URL, or an option is out of range.</exception>
    public SerSslClient(Uri address, SerSslClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"Server address '{address}' is not an http:// or https:// URL: give e.g. http://127.0.0.1:50051 (plaintext) or https://host:50051 (TLS).", nameof(address));
        }

        _options = options ?? new SerSslClientOptions();
        _options.Reconnect.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxReceiveMessageBytes, 1024, nameof(options));
        if (_options.ApiKey is { } key && (key.Length == 0 || key.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
        {
            throw new ArgumentException("The API key is empty or holds spaces or control characters; give the key exactly as the server's key file has it.", nameof(options));
        }

        Address = address;
        var handler = _options.HttpHandler;
        if (handler is null && _options.RootCertificate is { } root)
        {
            _ownedHandler = handler = TrustingHandler(root);
        }

        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = _options.MaxReceiveMessageBytes,
        });
        _client = new Recognizer.RecognizerClient(_channel);
    }

    /// <summary>Connects to a server; see <see cref="SerSslClient(Uri, SerSslClientOptions?)"/>.</summary>
    /// <param name="address">The server's gRPC address, e.g. <c>http://127.0.0.1:50051</c>.</param>
    /// <param name="options">Key, TLS and reconnection; null for the defaults.</param>
    /// <exception cref="ArgumentException"><paramref name="address"/> is not an absolute http or https URL.</exception>
    public SerSslClient(string address, SerSslClientOptions? options = null)
        : this(ParseAddress(address), options)
    {
    }

    /// <summary>The server's address.</summary>
    public Uri Address { get; }

    /// <summary>
    /// Streams audio to the server and returns the session's events as they come: <see cref="ClientEventKind.Started"/>
    /// first, then estimates, utterance events and (when this stream fell behind) gaps, until the server has processed
    /// the last sample. Breaking off the enumeration, or cancelling, ends the call.
    /// </summary>
    /// <param name="samples">Blocks of interleaved float samples in [-1, 1], in <paramref name="format"/>; the end of the sequence ends the audio.</param>
    /// <param name="format">The samples' rate and channel count.</param>
    /// <param name="options">Session id and pacing; null for the defaults.</param>
    /// <param name="cancellationToken">Ends the call.</param>
    /// <returns>The session's events.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="samples"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="format"/> is outside what the server takes.</exception>
    /// <exception cref="ArgumentException">A block does not hold whole frames.</exception>
    /// <exception cref="SerSslException">The server ended the call with an error (its message is kept).</exception>
    public IAsyncEnumerable<ClientEvent> RecognizeAsync(IAsyncEnumerable<ReadOnlyMemory<float>> samples, ClientAudioFormat format, RecognizeOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(samples);
        format.Validate();
        options ??= new RecognizeOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.RealTimeLead, TimeSpan.Zero, nameof(options));
        return RecognizeCoreAsync(samples, format, options, cancellationToken);
    }

    /// <summary>
    /// Streams a WAV file (16-bit PCM or 32-bit float, any rate and channel count the server takes) and returns the
    /// session's events; see <see cref="RecognizeAsync"/>. The stream is read as the audio is sent, not disposed.
    /// </summary>
    /// <param name="wav">The WAV stream, at its start.</param>
    /// <param name="options">Session id and pacing; null for the defaults.</param>
    /// <param name="cancellationToken">Ends the call.</param>
    /// <returns>The session's events.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="wav"/> is null.</exception>
    /// <exception cref="InvalidDataException">The stream is not a WAV file of a supported format (thrown on enumeration).</exception>
    /// <exception cref="SerSslException">The server ended the call with an error.</exception>
    public IAsyncEnumerable<ClientEvent> RecognizeWavAsync(Stream wav, RecognizeOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(wav);
        return RecognizeWavCoreAsync(wav, options, cancellationToken);
    }

    /// <summary>
    /// Follows a running session: its estimates and utterance events, in order, until the session ends (the stream ends
    /// with OK). When the connection is cut (the server stopped or crashed, the network failed), it reconnects with
    /// exponential backoff (<see cref="SerSslClientOptions.Reconnect"/>) and resumes right after the last event it
    /// received, reporting <see cref="ClientEventKind.Reconnected"/>. Missing events are never hidden: the server's
    /// gap events come through as <see cref="ClientEventKind.Gap"/>, and so does a gap the client notices itself
    /// after a resume.
    /// </summary>
    /// <remarks>
    /// A server that shuts down cleanly ends its subscriptions with OK, as if the sessions had ended; only a cut
    /// connection (UNAVAILABLE, INTERNAL, or CANCELLED by the other side) leads to reconnection, and so does a first
    /// connection that fails that way. After a cut, each attempt first asks ListSessions whether the session is there
    /// again: when it is not (NOT_FOUND), the attempt counts as failed, and when the attempts run out the subscription
    /// fails with <see cref="SerSslSessionNotFoundException"/>. When the server runs another session under the same id
    /// (another start time), the subscription follows that one from its start and says so
    /// (<see cref="ReconnectInfo.SessionReplaced"/>).
    /// </remarks>
    /// <param name="sessionId">The session (see <see cref="ListSessionsAsync"/>).</param>
    /// <param name="fromSequence">The first estimate sequence wanted (with the utterance events just before it), if still in the session's replay buffer; null for what comes next.</param>
    /// <param name="cancellationToken">Ends the subscription.</param>
    /// <returns>The session's events.</returns>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is null or empty.</exception>
    /// <exception cref="SerSslSessionNotFoundException">The server has no such session, at the start or after a reconnection.</exception>
    /// <exception cref="SerSslConnectionLostException">The subscription was cut and every reconnection attempt failed.</exception>
    /// <exception cref="SerSslException">The server refused the subscription (key, limits) or the session failed.</exception>
    public IAsyncEnumerable<ClientEvent> SubscribeAsync(string sessionId, ulong? fromSequence = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        return SubscribeCoreAsync(sessionId, fromSequence, cancellationToken);
    }

    /// <summary>The sessions of the server this caller may see, oldest first.</summary>
    /// <param name="cancellationToken">Ends the call.</param>
    /// <returns>The sessions.</returns>
    /// <exception cref="SerSslException">The call failed (its status and the server's message).</exception>
    public async Task<IReadOnlyList<SessionInfo>> ListSessionsAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await _client.ListSessionsAsync(new ListSessionsRequest(), Headers(), cancellationToken: cancellationToken).ConfigureAwait(false);
            return response.Sessions;
        }
        catch (RpcException ex)
        {
            ThrowIfOwnCancellation(ex, cancellationToken);
            throw Translate(ex, "ListSessions", sessionId: null);
        }
    }

    /// <summary>The model the server runs: name, labels, sample rate, chunking.</summary>
    /// <param name="cancellationToken">Ends the call.</param>
    /// <returns>The model.</returns>
    /// <exception cref="SerSslException">The call failed (its status and the server's message).</exception>
    public async Task<ModelInfo> GetModelInfoAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _client.GetModelInfoAsync(new GetModelInfoRequest(), Headers(), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            ThrowIfOwnCancellation(ex, cancellationToken);
            throw Translate(ex, "GetModelInfo", sessionId: null);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _channel.Dispose();
        _ownedHandler?.Dispose();
    }

    private async IAsyncEnumerable<ClientEvent> RecognizeWavCoreAsync(Stream wav, RecognizeOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (format, bits, dataBytes) = await WavStream.ReadHeaderAsync(wav, cancellationToken).ConfigureAwait(false);
        try
        {
            format.Validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new InvalidDataException($"WAV stream: {format.SampleRate} Hz with {format.Channels} channels is not something the server takes. {ex.Message}", ex);
        }

        var frames = Math.Max(1, format.SampleRate * WavBlockMilliseconds / 1000);
        var samples = WavStream.ReadSamplesAsync(wav, format, bits, dataBytes, frames, cancellationToken);
        await foreach (var e in RecognizeAsync(samples, format, options, cancellationToken).ConfigureAwait(false))
        {
            yield return e;
        }
    }

    private async IAsyncEnumerable<ClientEvent> RecognizeCoreAsync(IAsyncEnumerable<ReadOnlyMemory<float>> samples, ClientAudioFormat format, RecognizeOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var call = _client.Recognize(Headers(), cancellationToken: linked.Token);
        var sessionId = options.SessionId ?? string.Empty;
        var sender = Task.Run(
            async () =>
            {
                try
                {
                    await SendAsync(call.RequestStream, samples, format, options, linked.Token).ConfigureAwait(false);
                }
                catch (Exception) when (!linked.IsCancellationRequested)
                {
                    // A bad block or a failing source: end the call, so the server does not wait for more audio.
                    await linked.CancelAsync().ConfigureAwait(false);
                    throw;
                }
            },
            CancellationToken.None);
        var responses = call.ResponseStream;
        try
        {
            while (true)
            {
                ClientEvent? next;
                try
                {
                    if (!await responses.MoveNext(linked.Token).ConfigureAwait(false))
                    {
                        break;
                    }

                    next = FromResponse(responses.Current, ref sessionId);
                }
                catch (RpcException ex)
                {
                    ThrowIfOwnCancellation(ex, cancellationToken);
                    if (ex.StatusCode == StatusCode.Cancelled && linked.IsCancellationRequested)
                    {
                        // The sender's own failure (a bad block, a failing source) ended the call: report that.
                        await sender.ConfigureAwait(false);
                    }

                    throw Translate(ex, "Recognize", sessionId.Length > 0 ? sessionId : null);
                }

                if (next is not null)
                {
                    yield return next;
                }
            }

            // The server ends the call only after the client ended its audio, so the sender has finished.
            await sender.ConfigureAwait(false);
        }
        finally
        {
            await linked.CancelAsync().ConfigureAwait(false);
            try
            {
                await sender.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Reported above, or the call was ended by the caller.
            }
        }
    }

    private static async Task SendAsync(IClientStreamWriter<RecognizeRequest> requests, IAsyncEnumerable<ReadOnlyMemory<float>> samples, ClientAudioFormat format, RecognizeOptions options, CancellationToken cancellationToken)
    {
        try
        {
            await requests.WriteAsync(new RecognizeRequest
            {
                Config = new RecognizeConfig
                {
                    Format = new PcmFormat { SampleRate = (uint)format.SampleRate, Channels = (uint)format.Channels, Encoding = AudioEncoding.F32Le },
                    SessionId = options.SessionId ?? string.Empty,
                },
            }, cancellationToken).ConfigureAwait(false);
            var clock = Stopwatch.StartNew();
            long framesSent = 0;
            await foreach (var block in samples.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                if (block.Length % format.Channels != 0)
                {
                    throw new ArgumentException($"A block of {block.Length} samples does not hold whole frames of {format.Channels} channels: give interleaved samples, a multiple of the channel count per block.", nameof(samples));
                }

                if (!BitConverter.IsLittleEndian)
                {
                    throw new PlatformNotSupportedException("The client sends F32LE audio and runs on little-endian machines only.");
                }

                var byteCount = block.Length * sizeof(float);
                for (var offset = 0; offset < byteCount; offset += MaxAudioMessageBytes)
                {
                    var audio = AudioBytes(block, offset, Math.Min(MaxAudioMessageBytes, byteCount - offset));
                    await requests.WriteAsync(new RecognizeRequest { Audio = audio }, cancellationToken).ConfigureAwait(false);
                }

                framesSent += block.Length / format.Channels;
                if (options.RealTime)
                {
                    var due = TimeSpan.FromSeconds((double)framesSent / format.SampleRate) - options.RealTimeLead;
                    var wait = due - clock.Elapsed;
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            await requests.CompleteAsync().ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // The server ended the call; the response stream reports its status.
        }
        catch (InvalidOperationException) when (cancellationToken.IsCancellationRequested)
        {
            // The call ended while a write was pending.
        }
    }

    private static ByteString AudioBytes(ReadOnlyMemory<float> block, int offset, int length) =>
        ByteString.CopyFrom(MemoryMarshal.AsBytes(block.Span).Slice(offset, length));

    private static ClientEvent? FromResponse(RecognizeResponse response, ref string sessionId) => response.ResponseCase switch
    {
        RecognizeResponse.ResponseOneofCase.Started => new ClientEvent
        {
            Kind = ClientEventKind.Started,
            SessionId = sessionId = response.Started.SessionId,
            Labels = [.. response.Started.Labels],
        },
        RecognizeResponse.ResponseOneofCase.Estimate => new ClientEvent { Kind = ClientEventKind.Estimate, SessionId = sessionId, Estimate = response.Estimate },
        RecognizeResponse.ResponseOneofCase.Utterance => new ClientEvent { Kind = ClientEventKind.Utterance, SessionId = sessionId, Utterance = response.Utterance },
        RecognizeResponse.ResponseOneofCase.Gap => new ClientEvent { Kind = ClientEventKind.Gap, SessionId = sessionId, Gap = FromServerGap(response.Gap) },
        _ => null, // a kind of response newer than this client
    };

    private async IAsyncEnumerable<ClientEvent> SubscribeCoreAsync(string sessionId, ulong? fromSequence, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var policy = _options.Reconnect;
        var startedAt = await StartedAtAsync(sessionId, cancellationToken).ConfigureAwait(false);
        ulong? expected = null;      // the next event sequence wanted; null until the first event (or gap) says
        var attempts = 0;            // reconnection attempts since the last event received
        RpcException? cut = null;    // what cut the subscription, while reconnecting
        RpcException? lastError = null;
        while (true)
        {
            var request = new SubscribeRequest { SessionId = sessionId };
            if (expected is { } next)
            {
                request.FromEventSequence = next;
            }
            else if (fromSequence is { } from)
            {
                request.FromSequence = from;
            }

            using var call = _client.Subscribe(request, Headers(), cancellationToken: cancellationToken);
            var stream = call.ResponseStream;
            var received = false;
            while (true)
            {
                bool more;
                try
                {
                    more = await stream.MoveNext(cancellationToken).ConfigureAwait(false);
                }
                catch (RpcException ex)
                {
                    ThrowIfOwnCancellation(ex, cancellationToken);
                    var resuming = cut is not null || received || expected is not null;
                    if (!IsRetryable(ex.StatusCode) && !(resuming && ex.StatusCode == StatusCode.NotFound))
                    {
                        throw Translate(ex, "Subscribe", sessionId, attempts);
                    }

                    if (received || cut is null)
                    {
                        cut = ex;
                    }

                    lastError = ex;
                    if (received)
                    {
                        attempts = 0;
                    }

                    break;
                }

                if (!more)
                {
                    if (cut is not null)
                    {
                        // Connected again and the session ended at once: say so before the end.
                        yield return Reconnected(sessionId, attempts, cut, expected ?? 0, replaced: false);
                    }

                    yield break;
                }

                if (!received && cut is not null)
                {
                    yield return Reconnected(sessionId, attempts, cut, expected ?? 0, replaced: false);
                    cut = null;
                }

                received = true;
                attempts = 0;
                foreach (var e in Take(stream.Current, sessionId, ref expected))
                {
                    yield return e;
                }
            }

            // Cut: wait, look the session up (which also tells whether the server is back), and subscribe again.
            var lastStatus = lastError!;
            while (true)
            {
                if (++attempts > policy.MaxAttempts)
                {
                    throw GiveUp(sessionId, attempts - 1, lastStatus, expected);
                }

                await Task.Delay(policy.DelayBefore(attempts), cancellationToken).ConfigureAwait(false);
                SessionInfo? info;
                try
                {
                    var sessions = await _client.ListSessionsAsync(new ListSessionsRequest(), Headers(), cancellationToken: cancellationToken).ConfigureAwait(false);
                    info = sessions.Sessions.FirstOrDefault(s => s.SessionId == sessionId);
                }
                catch (RpcException ex)
                {
                    ThrowIfOwnCancellation(ex, cancellationToken);
                    if (!IsRetryable(ex.StatusCode))
                    {
                        throw Translate(ex, "ListSessions (while reconnecting a subscription)", sessionId, attempts);
                    }

                    lastStatus = ex;
                    continue;
                }

                if (info is null)
                {
                    lastStatus = new RpcException(new Status(StatusCode.NotFound, $"ListSessions does not name session '{sessionId}'."));
                    continue;
                }

                if (startedAt is not null && info.StartedAt is not null && !info.StartedAt.Equals(startedAt))
                {
                    // Another session under the same id: follow it from its start; its sequences begin anew.
                    yield return Reconnected(sessionId, attempts, cut!, 0, replaced: true);
                    startedAt = info.StartedAt;
                    expected = 0;
                    cut = null;
                }

                startedAt ??= info.StartedAt;
                break;
            }
        }
    }

    /// <summary>The events one message of a Subscribe stream stands for, with the client's own gap check.</summary>
    private static List<ClientEvent> Take(SessionEvent message, string sessionId, ref ulong? expected)
    {
        var result = new List<ClientEvent>(2);
        switch (message.EventCase)
        {
            case SessionEvent.EventOneofCase.Gap:
                result.Add(new ClientEvent { Kind = ClientEventKind.Gap, SessionId = sessionId, Gap = FromServerGap(message.Gap) });
                expected = message.Gap.NextEventSequence;
                return result;
            case SessionEvent.EventOneofCase.Estimate:
            case SessionEvent.EventOneofCase.Utterance:
                var e = message.EventCase == SessionEvent.EventOneofCase.Estimate
                    ? new ClientEvent { Kind = ClientEventKind.Estimate, SessionId = sessionId, Estimate = message.Estimate }
                    : new ClientEvent { Kind = ClientEventKind.Utterance, SessionId = sessionId, Utterance = message.Utterance };
                var sequence = e.EventSequence!.Value;
                if (expected is { } want && sequence < want)
                {
                    return result; // already delivered before a resume
                }

                if (expected is { } wanted && sequence > wanted)
                {
                    result.Add(new ClientEvent { Kind = ClientEventKind.Gap, SessionId = sessionId, Gap = new EventGap(GapOrigin.Client, GapReason.Unspecified, wanted, sequence) });
                }

                result.Add(e);
                expected = sequence + 1;
                return result;
            default:
                return result; // a kind of event newer than this client
        }
    }

    private async Task<Timestamp?> StartedAtAsync(string sessionId, CancellationToken cancellationToken)
    {
        try
        {
            var sessions = await _client.ListSessionsAsync(new ListSessionsRequest(), Headers(), cancellationToken: cancellationToken).ConfigureAwait(false);
            return sessions.Sessions.FirstOrDefault(s => s.SessionId == sessionId)?.StartedAt;
        }
        catch (RpcException ex)
        {
            ThrowIfOwnCancellation(ex, cancellationToken);
            // Subscribe itself reports what is wrong (key, address); without a start time a replaced session goes unnoticed.
            return null;
        }
    }

    private static ClientEvent Reconnected(string sessionId, int attempts, RpcException cause, ulong from, bool replaced) => new()
    {
        Kind = ClientEventKind.Reconnected,
        SessionId = sessionId,
        Reconnect = new ReconnectInfo(attempts, cause.StatusCode, cause.Status.Detail, from, replaced),
    };

    private static EventGap FromServerGap(Gap gap) => new(GapOrigin.Server, gap.Reason, gap.RequestedEventSequence, gap.NextEventSequence);

    private SerSslException GiveUp(string sessionId, int attempts, RpcException last, ulong? expected)
    {
        var after = expected is { } e ? $"after event_sequence {e - 1}" : "before any event";
        if (last.StatusCode == StatusCode.NotFound)
        {
            return new SerSslSessionNotFoundException(
                $"Subscription to session '{sessionId}' at {Address} was cut {after}, and in {attempts} reconnection attempts the server did not have the session again: it ended, or the server restarted without it. Server: {last.Status.Detail}",
                sessionId,
                last.Status.Detail,
                attempts,
                last);
        }

        return new SerSslConnectionLostException(
            $"Subscription to session '{sessionId}' at {Address} was cut {after}, and {attempts} reconnection attempts failed; the last ended with {last.StatusCode}: {last.Status.Detail}. Check that the server runs, or allow more attempts (SerSslClientOptions.Reconnect).",
            last.StatusCode,
            last.Status.Detail,
            attempts,
            expected is { } x and > 0 ? x - 1 : null,
            last);
    }

    private SerSslException Translate(RpcException ex, string method, string? sessionId, int attempts = 0)
    {
        var detail = ex.Status.Detail;
        var hint = ex.StatusCode switch
        {
            StatusCode.Unauthenticated => _options.ApiKey is null
                ? " The server needs an API key: set SerSslClientOptions.ApiKey."
                : " The server did not accept the key in SerSslClientOptions.ApiKey.",
            StatusCode.Unavailable => " Check that the server runs at that address and that the scheme (http:// or https://) matches how it listens.",
            _ => string.Empty,
        };
        var message = $"{method} at {Address} failed with {ex.StatusCode}: {detail}{hint}";
        return ex.StatusCode == StatusCode.NotFound && sessionId is not null
            ? new SerSslSessionNotFoundException(message, sessionId, detail, attempts, ex)
            : new SerSslException(message, ex.StatusCode, detail, ex);
    }

    /// <summary>Statuses of a cut connection, after which a subscription reconnects.</summary>
    private static bool IsRetryable(StatusCode code) => code is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Cancelled;

    /// <summary>A call the caller cancelled ends with CANCELLED: that is the caller's cancellation, not a failure.</summary>
    private static void ThrowIfOwnCancellation(RpcException ex, CancellationToken cancellationToken)
    {
        if (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The call was cancelled.", ex, cancellationToken);
        }
    }

    private Metadata? Headers() => _options.ApiKey is { } key ? new Metadata { { ApiKeyHeader, key } } : null;

    private static Uri ParseAddress(string address)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        return Uri.TryCreate(address, UriKind.Absolute, out var uri)
            ? uri
            : throw new ArgumentException($"Server address '{address}' is not a URL: give e.g. http://127.0.0.1:50051 (plaintext) or https://host:50051 (TLS).", nameof(address));
    }

    private static SocketsHttpHandler TrustingHandler(X509Certificate2 root) => new()
    {
        EnableMultipleHttp2Connections = true,
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (errors == SslPolicyErrors.None)
                {
                    return true;
                }

                if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(root);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            },
        },
    };
}
