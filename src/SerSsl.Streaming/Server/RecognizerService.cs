using System.Globalization;
using System.Text.RegularExpressions;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using SerSsl.Core.Audio;
using SerSsl.Protos.V1;
using SerSsl.Streaming.Pipeline;
using SerSsl.Streaming.Sources;
using ProtoAudioFormat = SerSsl.Protos.V1.PcmFormat;

namespace SerSsl.Streaming.Server;

/// <summary>
/// The <c>serssl.v1.Recognizer</c> service: Recognize, Subscribe, ListSessions, GetModelInfo. Bound by
/// <see cref="GuardedRecognizerMethods"/> (not the generated base class) so that malformed requests get INVALID_ARGUMENT.
/// </summary>
internal sealed partial class RecognizerService(ServerSessions registry, ILogger<RecognizerService> logger)
{
    /// <summary>Audio in, estimates out (docs/api.md).</summary>
    public async Task Recognize(IAsyncStreamReader<RecognizeRequest> requestStream, IServerStreamWriter<RecognizeResponse> responseStream, ServerCallContext context)
    {
        using var call = TrackUntilSent(context);
        var cancellationToken = context.CancellationToken;
        var idleTimeout = registry.Options.IdleTimeout;
        bool first;
        try
        {
            first = await NextAsync(requestStream, idleTimeout, bytesReceived: null, cancellationToken).ConfigureAwait(false);
        }
        catch (IngestException ex)
        {
            throw Reject(context, StatusCode.DeadlineExceeded, ex.Message);
        }

        if (!first)
        {
            throw Reject(context, StatusCode.InvalidArgument, "The request stream ended before the config message. Send RecognizeRequest.config (format and optional session id) first, then audio.");
        }

        var config = requestStream.Current.RequestCase == RecognizeRequest.RequestOneofCase.Config
            ? requestStream.Current.Config
            : throw Reject(context, StatusCode.InvalidArgument, $"The first message must be RecognizeRequest.config with the audio format; got {Describe(requestStream.Current)}.");
        var ingest = ParseFormat(config.Format, context);
        var format = ingest.Format;
        var id = config.SessionId is { Length: > 0 } name ? name : null;
        if (id is not null && !SessionIdPattern().IsMatch(id))
        {
            throw Reject(context, StatusCode.InvalidArgument, $"Session id '{Truncate(id)}' is not valid: use 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'.");
        }

        StreamingSession session;
        try
        {
            session = registry.Create(new SessionInput(format, IsLive: true, ingest.IsOpus ? $"grpc: {context.Peer}, Opus" : $"grpc: {context.Peer}"), id, Caller.Of(context));
        }
        catch (SessionLimitException ex)
        {
            throw Reject(context, StatusCode.ResourceExhausted, ex.Message);
        }
        catch (SessionIdTakenException ex)
        {
            throw Reject(context, StatusCode.AlreadyExists, ex.Message);
        }
        catch (ServerStoppingException ex)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, ex.Message));
        }

        var sessionId = session.Id;
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pump = Task.CompletedTask;
        try
        {
            // Subscribed before the session starts: the caller's stream misses nothing.
            using var subscription = session.TrySubscribe() ?? throw Reject(context, StatusCode.ResourceExhausted, "The session has its maximum of subscribers.");
            session.Start();
            await responseStream.WriteAsync(new RecognizeResponse { Started = new SessionStarted { SessionId = sessionId, Labels = { registry.Engine.Bundle.Labels } } }, cancellationToken).ConfigureAwait(false);
            pump = PumpAsync(requestStream, ingest, session.Audio, idleTimeout, failed);
            try
            {
                await foreach (var e in subscription.ReadAllAsync(failed.Token).ConfigureAwait(false))
                {
                    await responseStream.WriteAsync(ToResponse(e), cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The request stream failed: awaiting the pump below throws its error.
            }

            // The server stopped the session while the client was still sending: what it sends from here on is not
            // processed, so the call must not end as if all went well. UNAVAILABLE tells a client to retry elsewhere.
            if (registry.IsStopping && !pump.IsCompletedSuccessfully)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, string.Create(CultureInfo.InvariantCulture, $"The server is shutting down: session '{sessionId}' stopped after {ingest.BytesReceived} bytes of audio, and audio sent after that was not processed. Connect again and send the rest.")));
            }

            // Normally the client ended its audio, so the pump has finished and the session drained. The pump may still
            // be between ending the audio and reporting why (a partial frame at the end): once the audio is complete it
            // reads no more, so waiting for it is prompt and its error is not lost. When the session ended first
            // (server shutdown), the client's request stream is abandoned in the finally below.
            if (pump.IsCompleted || failed.IsCancellationRequested || session.Audio.IsCompleted)
            {
                await pump.ConfigureAwait(false);
            }
        }
        catch (IngestException ex)
        {
            throw Reject(context, ex.Error switch { IngestError.TooFast => StatusCode.ResourceExhausted, IngestError.Idle => StatusCode.DeadlineExceeded, _ => StatusCode.InvalidArgument }, ex.Message);
        }
        catch (AudioSourceException ex)
        {
            throw Reject(context, StatusCode.InvalidArgument, ex.Message);
        }
        finally
        {
            await failed.CancelAsync().ConfigureAwait(false);
            await registry.RemoveAsync(sessionId).ConfigureAwait(false);
            try
            {
                await pump.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Already reported above, or the call was cancelled.
            }
        }
    }

    /// <summary>Follows a session.</summary>
    public async Task Subscribe(SubscribeRequest request, IServerStreamWriter<SessionEvent> responseStream, ServerCallContext context)
    {
        using var call = TrackUntilSent(context);
        var session = registry.Find(request.SessionId, Caller.Of(context)) ?? throw Reject(context, StatusCode.NotFound, $"No session '{Truncate(request.SessionId)}'. ListSessions names the running sessions.");
        if (request.HasFromSequence && request.HasFromEventSequence)
        {
            throw Reject(context, StatusCode.InvalidArgument, "Give from_sequence (an estimate) or from_event_sequence (any event), not both.");
        }

        using var subscription = session.TrySubscribe(request.HasFromSequence ? request.FromSequence : null, fromEvent: request.HasFromEventSequence ? request.FromEventSequence : null)
            ?? throw Reject(context, StatusCode.ResourceExhausted, $"Session '{session.Id}' has its maximum of {registry.Options.MaxSubscribersPerSession} subscribers; try again later.");
        try
        {
            await foreach (var e in subscription.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(e, context.CancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is AudioSourceException or Inference.InferenceException)
        {
            throw new RpcException(new Status(StatusCode.Aborted, $"Session '{session.Id}' failed: {ex.Message}"));
        }
    }

    /// <summary>The sessions the caller may see.</summary>
    public Task<ListSessionsResponse> ListSessions(ListSessionsRequest request, ServerCallContext context) => Task.FromResult(DescribeSessions(registry, Caller.Of(context)));

    /// <summary>The model.</summary>
    public Task<ModelInfo> GetModelInfo(GetModelInfoRequest request, ServerCallContext context) => Task.FromResult(DescribeModel(registry));

    /// <summary>The running sessions the caller may see, oldest first (ListSessions, and the dashboard's <c>/api/sessions</c>).</summary>
    internal static ListSessionsResponse DescribeSessions(ServerSessions registry, Caller caller)
    {
        var response = new ListSessionsResponse();
        foreach (var session in registry.VisibleTo(caller).Where(s => s.IsStarted))
        {
            response.Sessions.Add(new SessionInfo
            {
                SessionId = session.Id,
                Source = session.Input.Description,
                StartedAt = Timestamp.FromDateTimeOffset(session.StartedAt),
                Format = new ProtoAudioFormat { SampleRate = (uint)session.Input.Format.SampleRate, Channels = (uint)session.Input.Format.Channels },
                Live = session.Input.IsLive,
                Completed = session.IsCompleted,
                EstimatesPublished = (ulong)session.EstimatesPublished,
                NextSequence = session.NextSequence,
                DroppedSamplesTotal = (ulong)session.DroppedSamplesTotal,
                Subscribers = (uint)session.SubscriberCount,
                LastLatencyMs = session.LastLatencyMs,
            });
        }

        return response;
    }

    /// <summary>The model the server runs (GetModelInfo, and the dashboard's <c>/api/model</c>).</summary>
    internal static ModelInfo DescribeModel(ServerSessions registry)
    {
        var manifest = registry.Engine.Bundle.Manifest;
        return new ModelInfo
        {
            Name = manifest.Name,
            Labels = { manifest.Labels },
            SampleRate = (uint)manifest.Features.SampleRate,
            ChunkFrames = (uint)manifest.Chunks.Frames,
            HopFrames = (uint)manifest.Chunks.DefaultHopFrames,
            FrameSeconds = (double)manifest.Features.HopLength / manifest.Features.SampleRate,
            CodeVersion = manifest.Provenance.CodeVersion,
        };
    }

    /// <summary>Checks a format message and makes the ingest for it.</summary>
    private PcmIngest ParseFormat(ProtoAudioFormat? format, ServerCallContext context)
    {
        if (format is null)
        {
            throw Reject(context, StatusCode.InvalidArgument, "RecognizeRequest.config.format is missing: give sample_rate, channels and encoding (S16LE, F32LE or OPUS).");
        }

        if (format.Encoding == AudioEncoding.Opus)
        {
            return ParseOpusFormat(format, context);
        }

        var encoding = format.Encoding switch
        {
            AudioEncoding.S16Le => RawSampleEncoding.S16LE,
            AudioEncoding.F32Le => RawSampleEncoding.F32LE,
            _ => throw Reject(context, StatusCode.InvalidArgument, $"Audio encoding {format.Encoding} is not supported: use AUDIO_ENCODING_S16LE, AUDIO_ENCODING_F32LE or AUDIO_ENCODING_OPUS."),
        };
        if (format.SampleRate is < Sources.AudioFormat.MinSampleRate or > Sources.AudioFormat.MaxSampleRate)
        {
            throw Reject(context, StatusCode.InvalidArgument, string.Create(CultureInfo.InvariantCulture, $"Sample rate {format.SampleRate} Hz is not supported: use {Sources.AudioFormat.MinSampleRate} to {Sources.AudioFormat.MaxSampleRate} Hz."));
        }

        if (format.Channels is < 1 or > Sources.AudioFormat.MaxChannels)
        {
            throw Reject(context, StatusCode.InvalidArgument, string.Create(CultureInfo.InvariantCulture, $"{format.Channels} channels are not supported: use 1 to {Sources.AudioFormat.MaxChannels}."));
        }

        if (format.FrameDurationUs != 0 || format.PreSkip != 0)
        {
            throw Reject(context, StatusCode.InvalidArgument, "frame_duration_us and pre_skip are for AUDIO_ENCODING_OPUS only; with PCM (S16LE, F32LE) leave them 0.");
        }

        return new PcmIngest(new Sources.AudioFormat((int)format.SampleRate, (int)format.Channels), encoding, registry.Options.BurstSeconds);
    }

    private PcmIngest ParseOpusFormat(ProtoAudioFormat format, ServerCallContext context)
    {
        if (format.SampleRate != OpusPacketDecoder.DecodeRate)
        {
            throw Reject(context, StatusCode.InvalidArgument, string.Create(CultureInfo.InvariantCulture, $"Sample rate {format.SampleRate} Hz is not the Opus decoding rate: give 48000 for Opus, whatever rate the encoder was given (Opus streams decode at 48 kHz, as in RTP)."));
        }

        if (format.Channels is < 1 or > 2)
        {
            throw Reject(context, StatusCode.InvalidArgument, string.Create(CultureInfo.InvariantCulture, $"{format.Channels} channels are not supported for Opus: use 1 or 2."));
        }

        if (!OpusPacketDecoder.FrameDurationsMicroseconds.Contains((int)Math.Min(format.FrameDurationUs, int.MaxValue)))
        {
            throw Reject(context, StatusCode.InvalidArgument, string.Create(CultureInfo.InvariantCulture, $"frame_duration_us {format.FrameDurationUs} is not an Opus packet duration: give how long each packet lasts, 2500, 5000, 10000, 20000 (libopus's default), 40000, 60000, 80000, 100000 or 120000."));
        }

        if (format.PreSkip > OpusPacketDecoder.MaxPreSkip)
        {
            throw Reject(context, StatusCode.InvalidArgument, string.Create(CultureInfo.InvariantCulture, $"pre_skip {format.PreSkip} is too large: give the encoder's look-ahead in samples at 48 kHz, 0 to {OpusPacketDecoder.MaxPreSkip} (312 for libopus)."));
        }

        var decoder = new OpusPacketDecoder((int)format.Channels, (int)format.FrameDurationUs, (int)format.PreSkip);
        return new PcmIngest(decoder, registry.Options.BurstSeconds);
    }

    /// <summary>
    /// The next request, waiting at most <paramref name="idleTimeout"/>: a client that sends nothing (a frozen process, a
    /// stream opened and forgotten) would otherwise hold its session slot for as long as its connection lives.
    /// </summary>
    /// <exception cref="IngestException">Nothing arrived in time (<see cref="IngestError.Idle"/>).</exception>
    private static async Task<bool> NextAsync(IAsyncStreamReader<RecognizeRequest> requests, TimeSpan idleTimeout, long? bytesReceived, CancellationToken cancellationToken)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(idleTimeout);
        try
        {
            return await requests.MoveNext(idle.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when ((ex is OperationCanceledException or IOException) && idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var what = bytesReceived is { } bytes
                ? string.Create(CultureInfo.InvariantCulture, $"No audio for {idleTimeout.TotalSeconds:0.#} s after {bytes} bytes")
                : string.Create(CultureInfo.InvariantCulture, $"No config message for {idleTimeout.TotalSeconds:0.#} s");
            throw new IngestException(IngestError.Idle, $"{what}: the idle timeout (--idle-timeout-seconds) ended the call, so that it does not hold a session. Send audio as it is captured, silence included, and close the stream when done.");
        }
    }

    private static async Task PumpAsync(IAsyncStreamReader<RecognizeRequest> requests, PcmIngest ingest, SessionAudioWriter audio, TimeSpan idleTimeout, CancellationTokenSource failed)
    {
        try
        {
            while (await NextAsync(requests, idleTimeout, ingest.BytesReceived, failed.Token).ConfigureAwait(false))
            {
                var request = requests.Current;
                if (request.RequestCase != RecognizeRequest.RequestOneofCase.Audio)
                {
                    throw new AudioSourceException($"After the config message only audio may follow; got {Describe(request)} after {ingest.BytesReceived} bytes of audio.");
                }

                await ingest.AppendAsync(request.Audio.Memory, audio, failed.Token).ConfigureAwait(false);
            }

            ingest.Complete(audio);
        }
        catch
        {
            audio.Complete();
            await failed.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static RecognizeResponse ToResponse(SessionEvent e) => e.EventCase switch
    {
        SessionEvent.EventOneofCase.Estimate => new RecognizeResponse { Estimate = e.Estimate },
        SessionEvent.EventOneofCase.Utterance => new RecognizeResponse { Utterance = e.Utterance },
        _ => new RecognizeResponse { Gap = e.Gap },
    };

    private static string Describe(RecognizeRequest request) => request.RequestCase switch
    {
        RecognizeRequest.RequestOneofCase.Config => "a second config message",
        RecognizeRequest.RequestOneofCase.Audio => string.Create(CultureInfo.InvariantCulture, $"audio ({request.Audio.Length} bytes)"),
        _ => "an empty message (neither config nor audio)",
    };

    /// <summary>
    /// Counts the call until its response, status and trailers included, has been sent: a graceful shutdown waits for
    /// that (<see cref="ServerSessions.WaitForCallsAsync"/>), not only for the handler to return, or the web server may
    /// close the connection before the client has the status. Returns what to dispose at the handler's end (nothing
    /// more when the response reports its completion).
    /// </summary>
    private IDisposable TrackUntilSent(ServerCallContext context)
    {
        var call = registry.TrackCall();
        try
        {
            context.GetHttpContext().Response.OnCompleted(() =>
            {
                call.Dispose();
                return Task.CompletedTask;
            });
            return EmptyScope.Instance;
        }
        catch (InvalidOperationException)
        {
            // Not an ASP.NET Core call (a test's call context): count it until the handler returns.
            return call;
        }
    }

    private sealed class EmptyScope : IDisposable
    {
        public static readonly EmptyScope Instance = new();

        public void Dispose()
        {
        }
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : string.Concat(value.AsSpan(0, 64), "...");

    private RpcException Reject(ServerCallContext context, StatusCode code, string message)
    {
        registry.Metrics.CallRejected();
        ServerLog.CallRejected(logger, context.Method, context.Peer, code, message);
        return new RpcException(new Status(code, message));
    }

    /// <summary>What a session id a client asks for may hold (Recognize, and the WebSocket ingest).</summary>
    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    internal static partial Regex SessionIdPattern();
}
