using System.Buffers;
using System.Diagnostics;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Threading.Channels;
using SerSsl.Core.Audio;
using SerSsl.Protos.V1;
using SerSsl.Streaming.Inference;
using SerSsl.Streaming.Sources;

namespace SerSsl.Streaming.Pipeline;

/// <summary>
/// One audio stream through the pipeline: capture -> (bounded channel) -> downmix, resample, online log-mel,
/// normalisation and the sliding chunker -> the shared <see cref="InferenceScheduler"/> -> estimates published on
/// <see cref="Estimates"/> and utterance events on <see cref="Utterances"/>.
/// </summary>
/// <remarks>
/// <para>
/// Capture runs on its own task (a blocking microphone read holds that task's thread, never a pool thread that others
/// need). A live source never waits for the pipeline: when the buffer of <see cref="StreamingSessionOptions.BufferSeconds"/>
/// is full the oldest block is dropped, and the next estimate reports the dropped samples. Other sources wait instead,
/// so nothing is lost.
/// </para>
/// <para>
/// Observers are called on the session's estimate task, one estimate at a time, in sequence order. They must not
/// block for long: a slow observer delays this session's later estimates (never other sessions). Consumers that may
/// stall (network subscribers) buffer on their own side.
/// </para>
/// </remarks>
public sealed class StreamingSession : IAsyncDisposable
{
    private readonly InferenceScheduler _scheduler;
    private readonly StreamingSessionOptions _options;
    private readonly Subject<EmotionEstimate> _estimates = new();
    private readonly Subject<UtteranceEvent> _utterances = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly int _hopFrames;
    private Task _completion = Task.CompletedTask;
    private readonly SemaphoreSlim _inFlight;
    private InferenceLane<ChunkInfo>? _lane;
    private long _estimatesPublished;
    private long _chunksSubmitted;
    private long _samplesReceived;
    private long _droppedTotal;
    private double _lastLatencyMs;
    private int _started;

    internal StreamingSession(string id, IAudioSource source, InferenceScheduler scheduler, StreamingSessionOptions options)
    {
        Id = id;
        Source = source;
        _scheduler = scheduler;
        _options = options;
        var model = scheduler.Model;
        _hopFrames = options.HopFrames ?? model.Bundle.Manifest.Chunks.DefaultHopFrames;
        _inFlight = new SemaphoreSlim(MaxChunksInFlight, MaxChunksInFlight);
        Estimates = _estimates.AsObservable();
        Utterances = _utterances.AsObservable();
    }

    /// <summary>
    /// Chunks a session may have between its feature stage and its published estimates. Beyond it the feature stage
    /// waits, so a file read faster than the model runs queues nothing unbounded, and a live source backs up into the
    /// capture buffer, which drops the oldest audio.
    /// </summary>
    public const int MaxChunksInFlight = 64;

    /// <summary>The session's id, unique within its engine.</summary>
    public string Id { get; }

    /// <summary>Where the audio comes from.</summary>
    public IAudioSource Source { get; }

    /// <summary>When the session started.</summary>
    public DateTimeOffset StartedAt { get; private set; }

    /// <summary>Frames between chunk starts.</summary>
    public int HopFrames => _hopFrames;

    /// <summary>Estimates in sequence order; completes when the source ends, errors when the source or the model fails.</summary>
    public IObservable<EmotionEstimate> Estimates { get; }

    /// <summary>Utterance start and end events; completes and errors with <see cref="Estimates"/>.</summary>
    public IObservable<UtteranceEvent> Utterances { get; }

    /// <summary>Completes when every estimate has been published after the source ended or the session was stopped; faults with the source's or the model's error.</summary>
    public Task Completion => _completion;

    /// <summary>Estimates published so far.</summary>
    public long EstimatesPublished => Interlocked.Read(ref _estimatesPublished);

    /// <summary>Input samples (per channel) received so far, dropped ones included.</summary>
    public long SamplesReceived => Interlocked.Read(ref _samplesReceived);

    /// <summary>Input samples (per channel) dropped so far.</summary>
    public long DroppedSamplesTotal => Interlocked.Read(ref _droppedTotal);

    /// <summary>Processing latency of the latest estimate in milliseconds.</summary>
    public double LastLatencyMs => Volatile.Read(ref _lastLatencyMs);

    /// <summary>True once the session has ended (source finished, stopped or failed).</summary>
    public bool IsCompleted => _completion.IsCompleted && Volatile.Read(ref _started) == 1;

    /// <summary>Stops capture and processing; returns when the session has completed (within about one capture read).</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _completion.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or AudioSourceException or InferenceException)
        {
            // Stopping is not an error; source and model failures were reported through the observables.
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await Source.DisposeAsync().ConfigureAwait(false);
        _estimates.Dispose();
        _utterances.Dispose();
        _stop.Dispose();
        _inFlight.Dispose();
    }

    /// <summary>Opens the source and starts the stages.</summary>
    internal async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException($"Session {Id} has already started.");
        }

        _options.Validate();
        await Source.OpenAsync(cancellationToken).ConfigureAwait(false);
        Source.Format.Validate();
        StartedAt = DateTimeOffset.UtcNow;
        _lane = _scheduler.OpenLane<ChunkInfo>();
        _completion = RunWithSchedulerAsync(_lane);
    }

    private async Task RunWithSchedulerAsync(InferenceLane<ChunkInfo> lane)
    {
        try
        {
            await RunAsync(lane).ConfigureAwait(false);
        }
        finally
        {
            lane.Dispose();
        }
    }

    private async Task RunAsync(InferenceLane<ChunkInfo> lane)
    {
        var format = Source.Format;
        var blockFrames = Math.Max(1, (int)Math.Round(format.SampleRate * _options.BlockSeconds));
        var capacity = Math.Max(2, (int)Math.Ceiling(_options.BufferSeconds / _options.BlockSeconds));
        var audio = Source.IsLive
            ? Channel.CreateBounded<AudioBlock>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true }, static block => block.Return())
            : Channel.CreateBounded<AudioBlock>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });
        var token = _stop.Token;

        // Capture ends the audio channel normally even when the source fails, so that everything read before the
        // failure is still processed and published; the failure is reported once the session has drained.
        var capture = Task.Factory.StartNew(() => CaptureAsync(audio.Writer, blockFrames * format.Channels, token), token, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        var features = Task.Run(() => StopOnFailure(FeaturesAsync(audio.Reader, lane, token)), CancellationToken.None);
        var estimates = Task.Run(() => StopOnFailure(PublishAsync(lane.Results, token)), CancellationToken.None);
        var stages = new[] { capture, features, estimates };
        try
        {
            await Task.WhenAll(stages).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Inspected below, stage by stage.
        }

        var failure = stages.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions).FirstOrDefault(e => e is not OperationCanceledException);
        if (failure is null)
        {
            _utterances.OnCompleted();
            _estimates.OnCompleted();
            return;
        }

        _utterances.OnError(failure);
        _estimates.OnError(failure);
        throw failure;
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

    private async Task CaptureAsync(ChannelWriter<AudioBlock> writer, int blockSamples, CancellationToken token)
    {
        try
        {
            var channels = Source.Format.Channels;
            long frame = 0;
            while (true)
            {
                token.ThrowIfCancellationRequested();
                var buffer = ArrayPool<float>.Shared.Rent(blockSamples);
                int read;
                try
                {
                    read = await Source.ReadAsync(buffer.AsMemory(0, blockSamples), token).ConfigureAwait(false);
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

                var block = new AudioBlock(buffer, read, frame, Stopwatch.GetTimestamp());
                frame += read / channels;
                Interlocked.Add(ref _samplesReceived, read / channels);
                if (Source.IsLive)
                {
                    writer.TryWrite(block);
                }
                else
                {
                    await writer.WriteAsync(block, token).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            writer.TryComplete();
        }
    }

    private async Task FeaturesAsync(ChannelReader<AudioBlock> reader, InferenceLane<ChunkInfo> lane, CancellationToken token)
    {
        try
        {
            using var features = new FeatureStage(Source.Format, _scheduler.Model, _hopFrames, _options.SpeechDetector);
            await foreach (var block in reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                try
                {
                    features.Process(block.Buffer.AsSpan(0, block.Count), block.FirstFrame, block.ArrivalTimestamp);
                    Volatile.Write(ref _droppedTotal, features.DroppedFramesTotal);
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

    private async Task PublishAsync(ChannelReader<LaneResult<ChunkInfo>> results, CancellationToken token)
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
                _utterances.OnNext(utterance);
            }

            events.Clear();
            _estimates.OnNext(estimate);
            Interlocked.Increment(ref _estimatesPublished);
        }

        if (builder.Finish() is { } end)
        {
            _utterances.OnNext(end);
        }
    }

    /// <summary>Submits the chunks the feature stage completed, waiting while <see cref="MaxChunksInFlight"/> are in flight.</summary>
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

            Interlocked.Increment(ref _chunksSubmitted);
            lane.Submit(chunk, info);
        }
    }

    /// <summary>A block of captured audio in a pooled buffer.</summary>
    private readonly record struct AudioBlock(float[] Buffer, int Count, long FirstFrame, long ArrivalTimestamp)
    {
        public void Return() => ArrayPool<float>.Shared.Return(Buffer);
    }
}
