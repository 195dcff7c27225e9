using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SerSsl.Core.Audio;
using SerSsl.Streaming.Pipeline;
using SerSsl.Streaming.Sources;

namespace SerSsl.Streaming.Server;

/// <summary>The close codes of the WebSocket ingest (docs/api.md); 4xxx mirror the HTTP statuses of the same meaning.</summary>
internal static class IngestCloseCode
{
    /// <summary>The client closed, and the session processed all its audio.</summary>
    public const int Normal = 1000;

    /// <summary>The server is shutting down.</summary>
    public const int GoingAway = 1001;

    /// <summary>A text message where only binary audio may come.</summary>
    public const int UnsupportedData = 1003;

    /// <summary>A message over the size limit (<c>--max-message-bytes</c>).</summary>
    public const int TooBig = 1009;

    /// <summary>The session failed (the model, the audio).</summary>
    public const int SessionFailed = 1011;

    /// <summary>A malformed config message, a binary message before it, or audio that ended inside a sample frame.</summary>
    public const int BadRequest = 4400;

    /// <summary>A missing or refused API key.</summary>
    public const int Unauthenticated = 4401;

    /// <summary>Nothing arrived within the idle timeout.</summary>
    public const int IdleTimeout = 4408;

    /// <summary>The session id asked for is taken.</summary>
    public const int SessionIdTaken = 4409;

    /// <summary>A limit: the server's or the client's sessions, or audio faster than real time.</summary>
    public const int Limit = 4429;
}

/// <summary>
/// Audio from a browser (or any WebSocket client) into a new live session, at <see cref="Path"/>: the first message is
/// a JSON config (the API key, the format, optionally a session id), then binary messages of PCM. The session is a
/// Recognize session in all but the transport: the same keys, owner, limits, idle timeout and pace check
/// (<see cref="PcmIngest"/>); its estimates are followed like any session's (the dashboard's event stream, Subscribe).
/// The connection ends with a close code (<see cref="IngestCloseCode"/>) and a reason; before an error's close, a text
/// message <c>{"type":"error","code":N,"message":"..."}</c> carries the whole explanation, which a close reason
/// (123 bytes at most) cannot.
/// </summary>
internal sealed class WebSocketIngest
{
    /// <summary>Where the ingest listens.</summary>
    public const string Path = "/api/recognize";

    /// <summary>The config fields, as the messages name them.</summary>
    private const string Fields = "apiKey, sampleRate, channels, encoding and sessionId";

    private const string Example = "{\"apiKey\": \"KEY\", \"sampleRate\": 48000, \"channels\": 1, \"encoding\": \"s16le\"}";

    /// <summary>The most UTF-8 bytes a close frame's reason may hold (RFC 6455: 125 bytes of payload less the code).</summary>
    private const int MaxReasonBytes = 123;

    private static readonly TimeSpan s_closeWait = TimeSpan.FromSeconds(2);

    /// <summary>How long a session may take to process its last audio after the client closed (a second or two in practice).</summary>
    private static readonly TimeSpan s_drainWait = TimeSpan.FromSeconds(30);

    private readonly WebSocket _socket;
    private readonly ServerSessions _registry;
    private readonly ILogger _logger;
    private readonly string _peer;
    private readonly CancellationToken _aborted;
    private byte[] _buffer = new byte[16 * 1024];
    private Task<ValueWebSocketReceiveResult>? _pending;
    private Task _sessionEnded = new TaskCompletionSource().Task;
    private StreamingSession? _session;
    private PcmIngest? _ingest;

    private WebSocketIngest(WebSocket socket, ServerSessions registry, ILogger logger, string peer, CancellationToken aborted)
    {
        _socket = socket;
        _registry = registry;
        _logger = logger;
        _peer = peer;
        _aborted = aborted;
    }

    /// <summary>Maps the ingest at <see cref="Path"/>.</summary>
    public static void Map(WebApplication app, ServerSessions registry, ApiKeys keys)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(keys);
        var origins = new WebSocketOrigins(registry.Options.AllowedOrigins);
        var logger = app.Services.GetRequiredService<ILogger<WebSocketIngest>>();
        app.Map(Path, (HttpContext context) => AcceptAsync(context, registry, keys, origins, logger));
    }

    private static async Task AcceptAsync(HttpContext context, ServerSessions registry, ApiKeys keys, WebSocketOrigins origins, ILogger logger)
    {
        var peer = string.Create(CultureInfo.InvariantCulture, $"{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}");
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await RefuseAsync(context, registry, logger, peer, StatusCodes.Status400BadRequest, $"{Path} takes WebSocket connections only (new WebSocket(\"ws://HOST{Path}\") in a page; see docs/api.md). The dashboard at / uses it for 'Use my microphone'.").ConfigureAwait(false);
            return;
        }

        if (!origins.Allows(context.Request))
        {
            var origin = Truncate(context.Request.Headers.Origin.ToString(), 100);
            await RefuseAsync(context, registry, logger, peer, StatusCodes.Status403Forbidden, $"A page from '{origin}' may not stream audio to this server: only the server's own pages (its dashboard) and the origins of --allowed-origins may. To allow that page, start the server with --allowed-origins {origin}.").ConfigureAwait(false);
            return;
        }

        // Counted until the connection ends, so that a graceful shutdown closes it with 1001 before the server stops.
        using var call = registry.TrackCall();
        using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        var ingest = new WebSocketIngest(socket, registry, logger, peer, context.RequestAborted);
        await ingest.RunAsync(context, keys).ConfigureAwait(false);
    }

    private static async Task RefuseAsync(HttpContext context, ServerSessions registry, ILogger logger, string peer, int status, string message)
    {
        registry.Metrics.CallRejected();
        WebSocketIngestLog.Refused(logger, peer, status, message);
        await Results.Text(message + "\n", statusCode: status).ExecuteAsync(context).ConfigureAwait(false);
    }

    private async Task RunAsync(HttpContext context, ApiKeys keys)
    {
        try
        {
            if (await ReadConfigAsync(keys).ConfigureAwait(false) is not { } config)
            {
                // Closed before it said anything.
                await CloseAsync(IngestCloseCode.Normal, "Closed before the config message: no session was started.").ConfigureAwait(false);
                return;
            }

            await RecognizeAsync(config, Caller.Of(context, config.Key)).ConfigureAwait(false);
        }
        catch (Closing ex)
        {
            await CloseAsync(ex.Code, ex.Message).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException)
        {
            // The connection dropped (a closed tab, a lost network): nobody to tell; the session was removed.
            WebSocketIngestLog.Dropped(_logger, _peer, _session?.Id ?? "(none)", _ingest?.BytesReceived ?? 0, ex.Message);
        }
    }

    /// <summary>Reads and checks the config message; null when the client closed first.</summary>
    /// <exception cref="Closing">The message is missing, malformed, or its key is not accepted.</exception>
    private async Task<IngestConfig?> ReadConfigAsync(ApiKeys keys)
    {
        var (type, count) = await ReceiveMessageAsync().ConfigureAwait(false);
        if (type == WebSocketMessageType.Close)
        {
            return null;
        }

        if (type != WebSocketMessageType.Text)
        {
            throw new Closing(IngestCloseCode.BadRequest, string.Create(CultureInfo.InvariantCulture, $"The first message must be the config, a text message of JSON such as {Example}; got a binary message of {count} bytes. Send the config first, then the audio as binary messages."));
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(_buffer.AsMemory(0, count), new JsonDocumentOptions { MaxDepth = 4 });
        }
        catch (JsonException ex)
        {
            throw new Closing(IngestCloseCode.BadRequest, $"The config message is not valid JSON: {ex.Message} Send one JSON object such as {Example}.");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new Closing(IngestCloseCode.BadRequest, $"The config message must be a JSON object such as {Example}; got {Describe(root.ValueKind)}.");
            }

            string? apiKey = null, encoding = null, sessionId = null;
            int? sampleRate = null, channels = null;
            foreach (var field in root.EnumerateObject())
            {
                switch (field.Name)
                {
                    case "apiKey":
                        apiKey = String(field);
                        break;
                    case "sampleRate":
                        sampleRate = Integer(field);
                        break;
                    case "channels":
                        channels = Integer(field);
                        break;
                    case "encoding":
                        encoding = String(field);
                        break;
                    case "sessionId":
                        sessionId = String(field);
                        break;
                    default:
                        throw new Closing(IngestCloseCode.BadRequest, $"The config message has an unknown field '{Truncate(field.Name, 32)}': the fields are {Fields}.");
                }
            }

            // The key first: a caller without one learns nothing else. Messages never repeat a key.
            ApiKey? key = null;
            if (keys.Required)
            {
                if (apiKey is null)
                {
                    throw new Closing(IngestCloseCode.Unauthenticated, "This server needs an API key: give it as \"apiKey\" in the config message. The dashboard does so when it is opened as /?key=KEY.");
                }

                key = keys.Find(apiKey) ?? throw new Closing(IngestCloseCode.Unauthenticated, "The API key in the config message is not accepted: check it (the dashboard takes it from /?key=KEY), or ask the server's operator for one.");
            }

            if (sampleRate is not { } rate)
            {
                throw new Closing(IngestCloseCode.BadRequest, "The config message has no \"sampleRate\": give the rate of the audio in Hz, e.g. 48000 (an AudioContext's sampleRate).");
            }

            var sampleEncoding = encoding switch
            {
                null or "s16le" => RawSampleEncoding.S16LE,
                "f32le" => RawSampleEncoding.F32LE,
                _ => throw new Closing(IngestCloseCode.BadRequest, $"The config message's encoding '{Truncate(encoding, 32)}' is not supported: use \"s16le\" (16-bit little-endian integers, the default) or \"f32le\" (32-bit little-endian floats)."),
            };
            if (sessionId is { Length: 0 })
            {
                sessionId = null;
            }

            if (sessionId is not null && !RecognizerService.SessionIdPattern().IsMatch(sessionId))
            {
                throw new Closing(IngestCloseCode.BadRequest, $"The config message's sessionId '{Truncate(sessionId, 64)}' is not valid: use 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-', or leave it out for one the server chooses.");
            }

            return new IngestConfig(key, new AudioFormat(rate, channels ?? 1), sampleEncoding, sessionId);
        }
    }

    /// <summary>Runs the session: audio in until the client closes, then waits until the session has processed it.</summary>
    private async Task RecognizeAsync(IngestConfig config, Caller caller)
    {
        PcmIngest ingest;
        try
        {
            ingest = new PcmIngest(config.Format, config.Encoding, _registry.Options.BurstSeconds);
        }
        catch (AudioSourceException ex)
        {
            throw new Closing(IngestCloseCode.BadRequest, $"The config message's format is not usable: {ex.Message}");
        }

        StreamingSession session;
        try
        {
            session = _registry.Create(new SessionInput(config.Format, IsLive: true, $"websocket: {caller.Address}"), config.SessionId, caller);
        }
        catch (SessionLimitException ex)
        {
            throw new Closing(IngestCloseCode.Limit, ex.Message);
        }
        catch (SessionIdTakenException ex)
        {
            throw new Closing(IngestCloseCode.SessionIdTaken, ex.Message);
        }
        catch (ServerStoppingException ex)
        {
            throw new Closing(IngestCloseCode.GoingAway, ex.Message);
        }

        _session = session;
        _ingest = ingest;
        try
        {
            session.Start();
            _sessionEnded = session.Completion;
            await SendAsync(Started(session, _registry.Engine.Bundle.Labels)).ConfigureAwait(false);
            await PumpAsync(session, ingest).ConfigureAwait(false);

            // The client closed: the session processes what it has, then ends.
            Closing? partial = null;
            try
            {
                ingest.Complete(session.Audio);
            }
            catch (IngestException ex)
            {
                partial = new Closing(IngestCloseCode.BadRequest, ex.Message);
            }

            try
            {
                await session.Completion.WaitAsync(s_drainWait, _aborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AudioSourceException or Inference.InferenceException or TimeoutException)
            {
                throw new Closing(IngestCloseCode.SessionFailed, $"Session '{session.Id}' failed: {ex.Message}");
            }

            if (partial is not null)
            {
                throw partial;
            }

            await CloseAsync(IngestCloseCode.Normal, "The session ended: all its audio was processed.").ConfigureAwait(false);
        }
        finally
        {
            session.Audio.Complete();
            await _registry.RemoveAsync(session.Id).ConfigureAwait(false);
        }
    }

    /// <summary>Binary messages into the session until the client closes.</summary>
    private async Task PumpAsync(StreamingSession session, PcmIngest ingest)
    {
        while (true)
        {
            var (type, count) = await ReceiveMessageAsync().ConfigureAwait(false);
            if (type == WebSocketMessageType.Close)
            {
                return;
            }

            if (type == WebSocketMessageType.Text)
            {
                throw new Closing(IngestCloseCode.UnsupportedData, string.Create(CultureInfo.InvariantCulture, $"After the config message only binary audio may follow; got a text message of {count} bytes after {ingest.BytesReceived} bytes of audio. Send PCM as binary messages, and close the WebSocket to end."));
            }

            try
            {
                await ingest.AppendAsync(_buffer.AsMemory(0, count), session.Audio, _aborted).ConfigureAwait(false);
            }
            catch (IngestException ex)
            {
                throw new Closing(ex.Error == IngestError.TooFast ? IngestCloseCode.Limit : IngestCloseCode.BadRequest, ex.Message);
            }
            catch (InvalidOperationException) when (session.Audio.IsCompleted)
            {
                // The session stopped under the client (server shutdown, a failure).
                throw SessionEnded();
            }
        }
    }

    /// <summary>One whole message into <see cref="_buffer"/>, within the size limit; a close frame as (Close, 0).</summary>
    private async Task<(WebSocketMessageType Type, int Count)> ReceiveMessageAsync()
    {
        var max = _registry.Options.MaxMessageBytes;
        var count = 0;
        while (true)
        {
            if (count == _buffer.Length)
            {
                // Room for one byte over the limit, to tell a message of exactly the limit from a larger one.
                Array.Resize(ref _buffer, (int)Math.Min(2L * _buffer.Length, max + 1L));
            }

            var result = await ReceiveAsync(_buffer.AsMemory(count)).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (WebSocketMessageType.Close, 0);
            }

            count += result.Count;
            if (count > max)
            {
                throw new Closing(IngestCloseCode.TooBig, string.Create(CultureInfo.InvariantCulture, $"A {(result.MessageType == WebSocketMessageType.Text ? "text" : "binary")} message of more than {max} bytes (--max-message-bytes) arrived after {_ingest?.BytesReceived ?? 0} bytes of audio. Send audio as it is captured, in small messages (20 ms each, for instance)."));
            }

            if (result.EndOfMessage)
            {
                return (result.MessageType, count);
            }
        }
    }

    /// <summary>
    /// The next frame, within the idle timeout. A receive is never cancelled (that would abort the socket, and the
    /// client would get no reason): on a timeout it stays pending while the close handshake goes on.
    /// </summary>
    private async Task<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> into)
    {
        var receive = _pending ?? _socket.ReceiveAsync(into, CancellationToken.None).AsTask();
        _pending = receive;
        var idleTimeout = _registry.Options.IdleTimeout;
        using (var timer = new CancellationTokenSource())
        {
            var first = await Task.WhenAny(receive, Task.Delay(idleTimeout, timer.Token), _sessionEnded).ConfigureAwait(false);
            await timer.CancelAsync().ConfigureAwait(false);
            if (first == _sessionEnded && !receive.IsCompleted)
            {
                throw SessionEnded();
            }

            if (!receive.IsCompleted)
            {
                var seconds = idleTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
                throw new Closing(IngestCloseCode.IdleTimeout, _ingest is { } ingest
                    ? string.Create(CultureInfo.InvariantCulture, $"No audio for {seconds} s after {ingest.BytesReceived} bytes: the idle timeout (--idle-timeout-seconds) ended the session, so that it does not hold a slot. Send audio as it is captured, silence included, and close the WebSocket when done.")
                    : $"No config message for {seconds} s: the idle timeout (--idle-timeout-seconds) closed the connection. Send the config message as soon as the WebSocket opens.");
            }
        }

        _pending = null;
        return await receive.ConfigureAwait(false);
    }

    private Closing SessionEnded()
    {
        var id = _session?.Id ?? "(none)";
        var bytes = _ingest?.BytesReceived ?? 0;
        if (_registry.IsStopping)
        {
            return new Closing(IngestCloseCode.GoingAway, string.Create(CultureInfo.InvariantCulture, $"The server is shutting down: session '{id}' stopped after {bytes} bytes of audio, and audio sent after that was not processed. Connect again once it is back."));
        }

        var failure = _session?.Completion.Exception?.InnerException;
        return new Closing(IngestCloseCode.SessionFailed, failure is null ? $"Session '{id}' ended before its audio did." : $"Session '{id}' failed: {failure.Message}");
    }

    /// <summary>
    /// Ends the connection: for an error, first a text message with the whole explanation; then the close frame with
    /// the code and the reason cut to what a frame holds; then, briefly, the client's close frame.
    /// </summary>
    private async Task CloseAsync(int code, string message)
    {
        if (code != IngestCloseCode.Normal)
        {
            if (code != IngestCloseCode.GoingAway)
            {
                _registry.Metrics.CallRejected();
            }

            WebSocketIngestLog.Closed(_logger, _peer, code, message);
        }

        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                if (code != IngestCloseCode.Normal)
                {
                    await SendAsync(Error(code, message)).ConfigureAwait(false);
                }

                await _socket.CloseOutputAsync((WebSocketCloseStatus)code, Reason(message), _aborted).WaitAsync(s_closeWait, _aborted).ConfigureAwait(false);
            }

            // The client answers with its own close frame; what it still sends before that is dropped.
            var deadline = DateTime.UtcNow + s_closeWait;
            while (_socket.State == WebSocketState.CloseSent && DateTime.UtcNow < deadline)
            {
                var receive = _pending ?? _socket.ReceiveAsync(_buffer.AsMemory(), CancellationToken.None).AsTask();
                _pending = receive;
                var result = await receive.WaitAsync(deadline - DateTime.UtcNow, _aborted).ConfigureAwait(false);
                _pending = null;
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or TimeoutException)
        {
            // The client went away, or does not answer: the connection is closed below.
        }

        if (_socket.State != WebSocketState.Closed)
        {
            _socket.Abort();
        }
    }

    private Task SendAsync(byte[] json) => _socket.SendAsync(json, WebSocketMessageType.Text, endOfMessage: true, _aborted);

    private static byte[] Started(StreamingSession session, IReadOnlyList<string> labels) => Json(writer =>
    {
        writer.WriteString("type", "started");
        writer.WriteString("sessionId", session.Id);
        writer.WriteNumber("sampleRate", session.Input.Format.SampleRate);
        writer.WriteStartArray("labels");
        foreach (var label in labels)
        {
            writer.WriteStringValue(label);
        }

        writer.WriteEndArray();
    });

    private static byte[] Error(int code, string message) => Json(writer =>
    {
        writer.WriteString("type", "error");
        writer.WriteNumber("code", code);
        writer.WriteString("message", message);
    });

    private static byte[] Json(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The message cut to what a close frame holds, at a character boundary.</summary>
    internal static string Reason(string message)
    {
        if (Encoding.UTF8.GetByteCount(message) <= MaxReasonBytes)
        {
            return message;
        }

        var length = message.Length;
        while (length > 0 && Encoding.UTF8.GetByteCount(message.AsSpan(0, length)) > MaxReasonBytes - 3)
        {
            length--;
        }

        if (length > 0 && char.IsHighSurrogate(message[length - 1]))
        {
            length--;
        }

        return string.Concat(message.AsSpan(0, length), "...");
    }

    private static string? String(JsonProperty field) => field.Value.ValueKind switch
    {
        JsonValueKind.String => field.Value.GetString(),
        JsonValueKind.Null => null,
        var kind => throw new Closing(IngestCloseCode.BadRequest, $"The config message's \"{field.Name}\" must be a string; got {Describe(kind)}."),
    };

    private static int Integer(JsonProperty field) => field.Value.ValueKind == JsonValueKind.Number && field.Value.TryGetInt32(out var value)
        ? value
        : throw new Closing(IngestCloseCode.BadRequest, $"The config message's \"{field.Name}\" must be a whole number; got {(field.Value.ValueKind == JsonValueKind.Number ? Truncate(field.Value.GetRawText(), 32) : Describe(field.Value.ValueKind))}.");

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string Truncate(string value, int length) => value.Length <= length ? value : string.Concat(value.AsSpan(0, length), "...");

    /// <summary>What the config message asks for.</summary>
    private sealed record IngestConfig(ApiKey? Key, AudioFormat Format, RawSampleEncoding Encoding, string? SessionId);

    /// <summary>Ends the connection with a close code and the message that explains it.</summary>
    private sealed class Closing(int code, string message) : Exception(message)
    {
        public int Code { get; } = code;
    }
}
