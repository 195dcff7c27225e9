using System.Buffers;
using System.Diagnostics;
using System.Reactive.Linq;
using Microsoft.Extensions.Logging;
using SerSsl.Protos.V1;
using SerSsl.Streaming.Inference;
using SerSsl.Streaming.Sources;

namespace SerSsl.Streaming.Pipeline;

/// <summary>
/// One audio stream through the pipeline, in one direction: samples written to <see cref="Audio"/> (by the caller, or
/// by the session's own pump from a pull <see cref="Source"/>) -> downmix, resample, online log-mel, normalisation
/// and the sliding chunker -> the session's lane of the shared <see cref="InferenceScheduler"/> -> estimates and
/// utterance events, in order, on the session's one output stream (<see cref="TrySubscribe"/>).
/// </summary>
/// <remarks>
/// <para>
/// A session is created unstarted (<see cref="RecognitionEngine.CreateSession"/>): subscribe first, then
/// <see cref="Start"/>, and no event is missed. The stream ends when the audio ends and everything has been published
/// (subscriptions complete), or fails with the source's or the model's error (subscriptions throw it).
/// </para>
/// <para>
/// A pull source is read on its own task (a blocking microphone read holds that task's thread, never a pool thread
/// that others need). A live session never waits for the pipeline: when its buffer is full the oldest block is
/// dropped, and the next estimate reports the dropped samples. A lossless session makes its writer wait instead.
/// </para>
/// </remarks>
public sealed class StreamingSession : IAsyncDisposable
{
    private readonly InferenceScheduler _scheduler;
    private readonly StreamingSessionOptions _options;
    private readonly SessionEventHub _hub;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _inFlight = new(MaxChunksInFlight, MaxChunksInFlight);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ILogger _logger;
    private long _estimatesPublished;
    private long _droppedTotal;
    private double _lastLatencyMs;
    private int _started;

    /// <summary>The shortest time between two dropped-audio warnings of one session.</summary>
    private static readonly TimeSpan s_dropLogInterval = TimeSpan.FromSeconds(10);

    internal StreamingSession(string id, SessionInput input, IAudioSource? source, InferenceScheduler scheduler, StreamingSessionOptions options, ISessionMetrics? metrics, ILogger logger)
    {
        _logger = logger;
        Id = id;
        Input = input;
        Source = source;
        _scheduler = scheduler;
        _options = options;
        HopFrames = options.HopFrames ?? scheduler.Model.Bundle.Manifest.Chunks.DefaultHopFrames;
        Audio = new SessionAudioWriter(input.Format, input.IsLive, options);
        _hub = new SessionEventHub(options, metrics);
    }

    /// <summary>
    /// Chunks a session may have between its feature stage and its published estimates. Beyond it the feature stage
    /// waits, so a file read faster than the model runs queues nothing unbounded, and a live source backs up into the
    /// audio buffer, which drops the oldest audio.
    /// </summary>
    public const int MaxChunksInFlight = 64;

    /// <summary>The session's id, unique within its engine.</summary>
    public string Id { get; }

    /// <summary>What the audio is: its format, whether it is live, and where it comes from.</summary>
    public SessionInput Input { get; }

    /// <summary>The pull source the session reads and owns; null when the caller writes <see cref="Audio"/>.</summary>
    public IAudioSource? Source { get; }

    /// <summary>Where the session's samples go in; a session with a <see cref="Source"/> writes it itself.</summary>
    public SessionAudioWriter Audio { get; }

    /// <summary>When the session started; default until <see cref="Start"/>.</summary>
    public DateTimeOffset StartedAt { get; private set; }

    /// <summary>Frames between chunk starts.</summary>
    public int HopFrames { get; }

    /// <summary>Completes when every event has been published after the audio ended or the session was stopped; faults with the source's or the model's error.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Estimates published so far.</summary>
    public long EstimatesPublished => Interlocked.Read(ref _estimatesPublished);

    /// <summary>Input samples (per channel) received so far, dropped ones included.</summary>
    public long SamplesReceived => Audio.FramesWritten;

    /// <summary>Input samples (per channel) dropped so far.</summary>
    public long DroppedSamplesTotal => Interlocked.Read(ref _droppedTotal);

    /// <summary>Processing latency of the latest estimate in milliseconds.</summary>
    public double LastLatencyMs => Volatile.Read(ref _lastLatencyMs);

    /// <summary>True once <see cref="Start"/> has been called.</summary>
    public bool IsStarted => Volatile.Read(ref _started) == 1;

    /// <summary>True once the session has ended (audio finished, stopped or failed).</summary>
    public bool IsCompleted => _completion.Task.IsCompleted;

    /// <summary>The sequence number of the next estimate.</summary>
    public ulong NextSequence => _hub.NextSequence;

    /// <summary>Network subscribers now (lossless in-process subscribers are not counted).</summary>
    public int SubscriberCount => _hub.SubscriberCount;

    /// <summary>
    /// Subscribes to the session's events: estimates and utterance events in order, then the end. Subscribed before
    /// <see cref="Start"/>, nothing is missed; later, <paramref name="fromSequence"/> replays what the session still
    /// holds (a <see cref="Gap"/> says what it no longer does).
    /// </summary>
    /// <param name="fromSequence">The first estimate sequence wanted; null for whatever comes next.</param>
    /// <param name="capacity">Events buffered for a network subscriber before its oldest are dropped; null for the session's setting.</param>
    /// <param name="lossless">An in-process subscriber that must see every event (unbounded; not counted against the subscriber limit).</param>
    /// <param name="fromEvent">The first event sequence wanted, instead of <paramref name="fromSequence"/>: resumes exactly after the last event received.</param>
    /// <returns>The subscription (dispose it to leave), or null when the session has its maximum of network subscribers.</returns>
    internal SessionSubscription? TrySubscribe(ulong? fromSequence = null, int? capacity = null, bool lossless = false, ulong? fromEvent = null) => _hub.TrySubscribe(fromSequence, capacity, lossless, fromEvent);

    /// <summary>
    /// The session's events as a cold observable: each observer gets its own lossless subscription (made when it
    /// subscribes: before <see cref="Start"/> it misses nothing, later it starts at <paramref name="fromSequence"/> or
    /// with the next event), then <c>OnCompleted</c> at the end, or <c>OnError</c> with the session's failure.
    /// Observers are called on a pool thread, one event at a time, in order.
    /// </summary>
    /// <param name="fromSequence">The first estimate sequence wanted; null for whatever comes next.</param>
    public IObservable<SessionEvent> Observe(ulong? fromSequence = null) => Observable.Create<SessionEvent>(async (observer, cancellationToken) =>
    {
        using var subscription = _hub.TrySubscribe(fromSequence, capacity: null, lossless: true)!;
        await foreach (var e in subscription.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            observer.OnNext(e);
        }

        observer.OnCompleted();
    });

    /// <summary>Ends every subscription now, without waiting for the session (server shutdown).</summary>
    internal void CompleteSubscribers() => _hub.CompleteSubscribers();

    /// <summary>Starts the stages (and the pump of a pull source).</summary>
    /// <exception cref="InvalidOperationException">The session has already started.</exception>
    /// <exception cref="ObjectDisposedException">The engine has been stopped.</exception>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException($"Session {Id} has already started.");
        }

        StartedAt = DateTimeOffset.UtcNow;
        InferenceLane<ChunkInfo> lane;
        try
        {
            lane = _scheduler.OpenLane<ChunkInfo>();
        }
        catch (Exception ex)
        {
            Audio.Drain();
            _hub.Complete(ex);
            _completion.TrySetException(ex);
            throw;
        }

        SessionLog.Started(_logger, Id, Input.Description, Input.Format.ToString(), Input.IsLive ? "live" : "lossless", HopFrames);
        _ = RunAsync(lane);
    }

    /// <summary>Stops the pump and processing; returns when the session has completed (within about one capture read). Safe after <see cref="DisposeAsync"/>.</summary>
    public async Task StopAsync()
    {
        try
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // Disposed, which stops the session first: it has completed (a server shutdown that raced a removal).
        }

        if (!IsStarted)
        {
            // Never started: nothing runs, so end it here.
            if (Interlocked.Exchange(ref _started, 1) == 0)
            {
                Audio.Drain();
                _hub.Complete(null);
                _completion.TrySetResult();
            }
        }

        try
        {
            await _completion.Task.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or AudioSourceException or InferenceException)
        {
            // Stopping is not an error; source and model failures reached the subscribers.
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (Source is not null)
        {
            await Source.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
        _inFlight.Dispose();
    }

    private async Task RunAsync(InferenceLane<ChunkInfo> lane)
    {
        var token = _stop.Token;
        Task[] stages;
        try
        {
            // The pump ends the audio normally even when the source fails, so that everything read before the failure
            // is still processed and published; the failure is reported once the session has drained.
            var pump = Source is null
                ? Task.CompletedTask
                : Task.Factory.StartNew(() => PumpAsync(Source, token), token, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
            var features = Task.Run(() => StopOnFailure(FeaturesAsync(lane, token)), CancellationToken.None);
            var estimates = Task.Run(() => StopOnFailure(PublishAsync(lane.Results, token)), CancellationToken.None);
            stages = [pump, features, estimates];
            try
            {
                await Task.WhenAll(stages).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Inspected below, stage by stage.
            }
        }
        finally
        {
            lane.Dispose();
            Audio.Drain();
        }

        var failure = stages.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions).FirstOrDefault(e => e is not OperationCanceledException)
            ?? Audio.Error;
        LogEnd(failure);
        _hub.Complete(failure);
        if (failure is null)
        {
            _completion.TrySetResult();
        }
        else
        {
            _completion.TrySetException(failure);
        }
    }

    private void LogEnd(Exception? failure)
    {
        switch (failure)
        {
            case null:
                SessionLog.Ended(_logger, Id, EstimatesPublished, (double)SamplesReceived / Input.Format.SampleRate, DroppedSamplesTotal);
                break;
            case InferenceException:
                SessionLog.ModelFailed(_logger, Id, EstimatesPublished, failure);
                break;
            default:
                SessionLog.AudioFailed(_logger, Id, EstimatesPublished, failure.Message);
                break;
        }
    }

    private async Task StopOnFailure(Task stage)
    {
        try
        {
            await stage.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Reads a pull source into <see cref="Audio"/> until it ends, fails or the session stops.</summary>
    private async Task PumpAsync(IAudioSource source, CancellationToken token)
    {
        var channels = Input.Format.Channels;
        var blockSamples = Math.Max(1, (int)Math.Round(Input.Format.SampleRate * _options.BlockSeconds)) * channels;
        try
        {
            while (true)
            {
                token.ThrowIfCancellationRequested();
                var buffer = ArrayPool<float>.Shared.Rent(blockSamples);
                int read;
                try
                {
                    read = await source.ReadAsync(buffer.AsMemory(0, blockSamples), token).ConfigureAwait(false);
                }
                catch
                {
                    ArrayPool<float>.Shared.Return(buffer);
                    throw;
                }

                if (read <= 0)
                {
                    ArrayPool<float>.Shared.Return(buffer);
                    break;
                }

                await Audio.WriteBlockAsync(buffer, read, token).ConfigureAwait(false);
            }

            Audio.Complete();
        }
        catch (OperationCanceledException)
        {
            Audio.Complete();
        }
        catch (Exception ex)
        {
            Audio.Complete(ex);
        }
    }

    private async Task FeaturesAsync(InferenceLane<ChunkInfo> lane, CancellationToken token)
    {
        try
        {
            using var features = new FeatureStage(Input.Format, _scheduler.Model, HopFrames, _options.SpeechDetector);
            long loggedDrops = 0;
            var lastDropLog = 0L;
            await foreach (var block in Audio.Blocks.ReadAllAsync(token).ConfigureAwait(false))
            {
                try
                {
                    features.Process(block.Buffer.AsSpan(0, block.Count), block.FirstFrame, block.ArrivalTimestamp);
                    var dropped = features.DroppedFramesTotal;
                    Volatile.Write(ref _droppedTotal, dropped);
                    if (dropped > loggedDrops && (lastDropLog == 0 || Stopwatch.GetElapsedTime(lastDropLog) >= s_dropLogInterval))
                    {
                        SessionLog.DroppedAudio(_logger, Id, dropped, (double)dropped / Input.Format.SampleRate);
                        loggedDrops = dropped;
                        lastDropLog = Stopwatch.GetTimestamp();
                    }
                }
                finally
                {
                    block.Return();
                }

                await SubmitReadyAsync(features, lane, token).ConfigureAwait(false);
            }

            features.Finish();
            await SubmitReadyAsync(features, lane, token).ConfigureAwait(false);
        }
        finally
        {
            // The estimate stage ends once the lane has handed back every chunk submitted.
            lane.Complete();
        }
    }

    private async Task PublishAsync(System.Threading.Channels.ChannelReader<LaneResult<ChunkInfo>> results, CancellationToken token)
    {
        var builder = new EstimateBuilder(Id, _scheduler.Model.Bundle.Labels, _options);
        var events = new List<UtteranceEvent>(2);
        await foreach (var outcome in results.ReadAllAsync(token).ConfigureAwait(false))
        {
            if (outcome.Error is not null)
            {
                throw outcome.Error is InferenceException or OperationCanceledException
                    ? outcome.Error
                    : new InferenceException($"The model failed on chunk {outcome.Tag.Index} of session {Id}: {outcome.Error.Message}", outcome.Error);
            }

            EmotionEstimate estimate;
            try
            {
                estimate = builder.Build(outcome.Tag, outcome.Span, events);
            }
            finally
            {
                outcome.Return();
                _inFlight.Release();
            }

            Volatile.Write(ref _lastLatencyMs, estimate.LatencyMs);
            foreach (var utterance in events)
            {
                _hub.Publish(utterance);
            }

            events.Clear();
            _hub.Publish(estimate);
            Interlocked.Increment(ref _estimatesPublished);
        }

        if (builder.Finish() is { } end)
        {
            _hub.Publish(end);
        }
    }

    /// <summary>
    /// Submits the chunks the feature stage completed, waiting while <see cref="MaxChunksInFlight"/> are in flight. With
    /// <see cref="StreamingSessionOptions.SpeechWindow"/>, each is marked speech or not by the same decision its
    /// estimate reports, which decides its aggregation window.
    /// </summary>
    private async ValueTask SubmitReadyAsync(FeatureStage features, InferenceLane<ChunkInfo> lane, CancellationToken token)
    {
        while (features.TryTakeReady(out var chunk, out var info))
        {
            try
            {
                await _inFlight.WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                ArrayPool<float>.Shared.Return(chunk);
                features.ReturnReady();
                throw;
            }

            lane.Submit(chunk, info, !_options.SpeechWindow || EstimateBuilder.IsSpeech(info, _options.SpeechThreshold));
        }
    }
}

/// <summary>What a session's audio is.</summary>
/// <param name="Format">Rate and channels of every write.</param>
/// <param name="IsLive">True when audio arrives in real time whether or not the pipeline keeps up (microphone, network): the oldest is dropped rather than the writer made to wait.</param>
/// <param name="Description">Where the audio comes from, for listings and logs (e.g. <c>grpc: ipv4:127.0.0.1:5000</c>).</param>
public sealed record SessionInput(AudioFormat Format, bool IsLive, string Description);
