using System.Buffers;
using System.Diagnostics;
using System.Numerics.Tensors;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Threading.Channels;
using SerSsl.Core.Audio;
using SerSsl.Core.Chunking;
using SerSsl.Core.Features;
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
public sealed class StreamingSession : IChunkSink, IAsyncDisposable
{
    private readonly InferenceScheduler _scheduler;
    private readonly StreamingSessionOptions _options;
    private readonly Subject<EmotionEstimate> _estimates = new();
    private readonly Subject<UtteranceEvent> _utterances = new();
    private readonly Channel<ChunkOutcome> _results = Channel.CreateUnbounded<ChunkOutcome>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly EmbeddingWindow _window;
    private readonly int _hopFrames;
    private Task _completion = Task.CompletedTask;
    private readonly SemaphoreSlim _inFlight;
    private long _outstanding;
    private int _featuresDone;
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
        _window = new EmbeddingWindow(model.EmbeddingDim, model.MaxChunks, model.MaxBatch);
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

    /// <inheritdoc />
    void IChunkSink.OnResult(ChunkJob job, ReadOnlySpan<float> probabilities)
    {
        var copy = ArrayPool<float>.Shared.Rent(probabilities.Length);
        probabilities.CopyTo(copy);
        _results.Writer.TryWrite(new ChunkOutcome((ChunkInfo)job.State!, copy, null));
        ChunkSettled();
    }

    /// <inheritdoc />
    void IChunkSink.OnFailure(ChunkJob job, Exception error)
    {
        _results.Writer.TryWrite(new ChunkOutcome((ChunkInfo)job.State!, null, error));
        ChunkSettled();
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
        _scheduler.AddSession();
        _completion = RunWithSchedulerAsync();
    }

    private async Task RunWithSchedulerAsync()
    {
        try
        {
            await RunAsync().ConfigureAwait(false);
        }
        finally
        {
            _scheduler.RemoveSession();
        }
    }

    private async Task RunAsync()
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
        var features = Task.Run(() => StopOnFailure(FeaturesAsync(audio.Reader, token)), CancellationToken.None);
        var estimates = Task.Run(() => StopOnFailure(PublishAsync(token)), CancellationToken.None);
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

    private async Task FeaturesAsync(ChannelReader<AudioBlock> reader, CancellationToken token)
    {
        try
        {
            using var features = new FeatureStage(this);
            await foreach (var block in reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                try
                {
                    features.Process(block);
                }
                finally
                {
                    block.Return();
                }

                await SubmitReadyAsync(features, token).ConfigureAwait(false);
            }

            features.Finish();
            await SubmitReadyAsync(features, token).ConfigureAwait(false);
        }
        finally
        {
            if (Interlocked.Exchange(ref _featuresDone, 1) == 0 && Interlocked.Read(ref _outstanding) == 0)
            {
                _results.Writer.TryComplete();
            }
        }
    }

    private async Task PublishAsync(CancellationToken token)
    {
        var builder = new EstimateBuilder(Id, _scheduler.Model.Bundle.Labels, _options);
        var events = new List<UtteranceEvent>(2);
        await foreach (var outcome in _results.Reader.ReadAllAsync(token).ConfigureAwait(false))
        {
            if (outcome.Error is not null)
            {
                throw outcome.Error is InferenceException or OperationCanceledException
                    ? outcome.Error
                    : new InferenceException($"The model failed on chunk {outcome.Chunk.Index} of session {Id}: {outcome.Error.Message}", outcome.Error);
            }

            EmotionEstimate estimate;
            try
            {
                estimate = builder.Build(outcome.Chunk, outcome.Probabilities.AsSpan(0, _scheduler.Model.LabelCount), events);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(outcome.Probabilities!);
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
    private async ValueTask SubmitReadyAsync(FeatureStage features, CancellationToken token)
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

            Submit(chunk, info);
        }
    }

    private void Submit(float[] chunk, ChunkInfo info)
    {
        Interlocked.Increment(ref _outstanding);
        Interlocked.Increment(ref _chunksSubmitted);
        _scheduler.Submit(new ChunkJob(this, _window, chunk, info));
    }

    private void ChunkSettled()
    {
        if (Interlocked.Decrement(ref _outstanding) == 0 && Volatile.Read(ref _featuresDone) == 1)
        {
            _results.Writer.TryComplete();
        }
    }

    /// <summary>A block of captured audio in a pooled buffer.</summary>
    private readonly record struct AudioBlock(float[] Buffer, int Count, long FirstFrame, long ArrivalTimestamp)
    {
        public void Return() => ArrayPool<float>.Shared.Return(Buffer);
    }

    /// <summary>A chunk's result or failure, on its way from the scheduler thread to the estimate task.</summary>
    private readonly record struct ChunkOutcome(ChunkInfo Chunk, float[]? Probabilities, Exception? Error);

    /// <summary>
    /// The feature stage's state: downmix, resampler, online log-mel, normalisation, speech detection and chunker.
    /// Buffers are allocated once per session and grown only when a larger block arrives.
    /// </summary>
    private sealed class FeatureStage : IDisposable
    {
        private const float ClipLevel = 0.999f;
        private const float SilentChunkDb = -90f;
        private const float PaddingEnergyDb = -100f;

        private readonly StreamingSession _session;
        private readonly AudioFormat _format;
        private readonly Resampler? _resampler;
        private readonly OnlineLogMelExtractor _extractor;
        private readonly SlidingChunker _chunker;
        private readonly ISpeechDetector _speech;
        private readonly float[] _mean;
        private readonly float[] _invStd;
        private readonly float[] _frame;
        private readonly float[] _energyRing;
        private readonly float[] _speechRing;
        private readonly int _bins;
        private readonly int _chunkFrames;
        private readonly int _hopSamples;
        private readonly int _windowSamples;
        private readonly int _canonicalRate;
        private float[] _mono = [];
        private float[] _canonical = [];
        private float[] _frames = [];
        private float[] _energies = [];
        private float[] _frameSpeech = [];
        private readonly Queue<(float[] Chunk, ChunkInfo Info)> _ready = new();
        private int _ringPosition;
        private long _expectedFrame;
        private double _droppedSeconds;
        private ulong _droppedPending;
        private ulong _droppedTotal;
        private long _nonFinitePending;
        private long _clippedPending;
        private long _samplesPending;
        private long _lastArrival;

        public FeatureStage(StreamingSession session)
        {
            _session = session;
            _format = session.Source.Format;
            var model = session._scheduler.Model;
            var manifest = model.Bundle.Manifest;
            var settings = manifest.Features;
            _canonicalRate = settings.SampleRate;
            _resampler = _format.SampleRate == _canonicalRate ? null : new Resampler(_format.SampleRate, _canonicalRate);
            _extractor = new OnlineLogMelExtractor(settings);
            _bins = settings.MelBinCount;
            _chunkFrames = model.ChunkFrames;
            _hopSamples = settings.HopLength;
            _windowSamples = settings.WindowLength;
            _chunker = new SlidingChunker(_bins, _chunkFrames, session._hopFrames);
            _speech = session._options.SpeechDetector?.Invoke() ?? new EnergySpeechDetector();
            _mean = manifest.Normalization.Mean;
            _invStd = manifest.Normalization.Std.Select(s => 1f / s).ToArray();
            _frame = new float[_bins];
            _energyRing = new float[_chunkFrames];
            _speechRing = new float[_chunkFrames];
        }

        public void Process(AudioBlock block)
        {
            var channels = _format.Channels;
            var frames = block.Count / channels;
            if (block.FirstFrame > _expectedFrame)
            {
                var gap = block.FirstFrame - _expectedFrame;
                _droppedPending += (ulong)gap;
                _droppedTotal += (ulong)gap;
                _droppedSeconds += (double)gap / _format.SampleRate;
                Interlocked.Add(ref _session._droppedTotal, gap);
            }

            _expectedFrame = block.FirstFrame + frames;
            _lastArrival = block.ArrivalTimestamp;
            var mono = Grow(ref _mono, frames);
            Downmix(block.Buffer.AsSpan(0, block.Count), channels, mono);
            if (_resampler is null)
            {
                Extract(mono);
            }
            else
            {
                var canonical = Grow(ref _canonical, _resampler.GetMaxOutputLength(frames));
                var produced = _resampler.Process(mono, canonical);
                Extract(canonical[..produced]);
            }
        }

        public void Finish()
        {
            if (_resampler is not null)
            {
                var tail = Grow(ref _canonical, _resampler.MaxFlushLength);
                var produced = _resampler.Flush(tail);
                Extract(tail[..produced]);
            }

            if (_chunker.ChunksEmitted == 0 && _chunker.FramesReceived > 0)
            {
                // A stream shorter than one chunk still gets one estimate: pad with the silence level, as training pads.
                for (var b = 0; b < _bins; b++)
                {
                    _frame[b] = (_extractor.SilenceLevel - _mean[b]) * _invStd[b];
                }

                PushRings(PaddingEnergyDb, 0f);
                ReadOnlySpan<float> chunk;
                while (!_chunker.TryAddFrame(_frame, out chunk))
                {
                    PushRings(PaddingEnergyDb, 0f);
                }

                Emit(_chunker.ChunksEmitted - 1, chunk, padded: true);
            }
        }

        /// <summary>Takes the next completed chunk, oldest first.</summary>
        public bool TryTakeReady(out float[] chunk, out ChunkInfo info)
        {
            if (_ready.TryDequeue(out var next))
            {
                (chunk, info) = next;
                return true;
            }

            (chunk, info) = (null!, null!);
            return false;
        }

        /// <summary>Returns the buffers of chunks that will never be submitted.</summary>
        public void ReturnReady()
        {
            while (_ready.TryDequeue(out var next))
            {
                ArrayPool<float>.Shared.Return(next.Chunk);
            }
        }

        public void Dispose()
        {
            ReturnReady();
            _speech.Dispose();
        }

        private static Span<float> Grow(ref float[] buffer, int length)
        {
            if (buffer.Length < length)
            {
                buffer = new float[Math.Max(length, buffer.Length * 2)];
            }

            return buffer.AsSpan(0, length);
        }

        private void Downmix(ReadOnlySpan<float> interleaved, int channels, Span<float> mono)
        {
            for (var i = 0; i < interleaved.Length; i++)
            {
                var v = interleaved[i];
                if (!float.IsFinite(v))
                {
                    _nonFinitePending++;
                }
                else if (MathF.Abs(v) >= ClipLevel)
                {
                    _clippedPending++;
                }
            }

            _samplesPending += interleaved.Length;
            if (channels == 1)
            {
                interleaved.CopyTo(mono);
            }
            else
            {
                var scale = 1f / channels;
                for (var f = 0; f < mono.Length; f++)
                {
                    var sum = 0f;
                    var row = interleaved.Slice(f * channels, channels);
                    for (var c = 0; c < channels; c++)
                    {
                        sum += row[c];
                    }

                    mono[f] = sum * scale;
                }
            }

            if (_nonFinitePending > 0)
            {
                for (var i = 0; i < mono.Length; i++)
                {
                    if (!float.IsFinite(mono[i]))
                    {
                        mono[i] = 0f;
                    }
                }
            }
        }

        private void Extract(ReadOnlySpan<float> samples)
        {
            if (samples.IsEmpty)
            {
                return;
            }

            var count = _extractor.FrameCountFor(samples.Length);
            var frames = Grow(ref _frames, count * _bins);
            var energies = Grow(ref _energies, count);
            var speech = Grow(ref _frameSpeech, count);
            var produced = _extractor.Process(samples, frames, energies);
            _speech.Process(samples, energies[..produced], speech[..produced]);
            for (var f = 0; f < produced; f++)
            {
                var frame = frames.Slice(f * _bins, _bins);
                TensorPrimitives.Subtract(frame, _mean, _frame);
                TensorPrimitives.Multiply(_frame, _invStd, _frame);
                PushRings(energies[f], speech[f]);
                if (_chunker.TryAddFrame(_frame, out var chunk))
                {
                    Emit(_chunker.ChunksEmitted - 1, chunk, padded: false);
                }
            }
        }

        private void PushRings(float energyDb, float speech)
        {
            _energyRing[_ringPosition] = energyDb;
            _speechRing[_ringPosition] = speech;
            _ringPosition = (_ringPosition + 1) % _chunkFrames;
        }

        private void Emit(long index, ReadOnlySpan<float> chunk, bool padded)
        {
            var length = _chunkFrames * _bins;
            var copy = ArrayPool<float>.Shared.Rent(length);
            chunk[..length].CopyTo(copy);

            // Most chunks have no condition to report: allocate the list only when one does.
            List<InputCondition>? conditions = null;
            if (_nonFinitePending > 0)
            {
                (conditions ??= []).Add(InputCondition.NonFinite);
            }

            if (_samplesPending > 0 && _clippedPending * 100 > _samplesPending)
            {
                (conditions ??= []).Add(InputCondition.Clipped);
            }

            if (TensorPrimitives.Max(_energyRing) < SilentChunkDb)
            {
                (conditions ??= []).Add(InputCondition.Silent);
            }

            if (_droppedPending > 0)
            {
                (conditions ??= []).Add(InputCondition.DroppedAudio);
            }

            if (padded)
            {
                (conditions ??= []).Add(InputCondition.Padded);
            }

            // Positions count the audio processed; dropped audio shifts everything after it. A padded chunk ends where
            // the audio did.
            var start = ((double)index * _session._hopFrames * _hopSamples / _canonicalRate) + _droppedSeconds;
            var end = padded
                ? ((double)_extractor.SamplesReceived / _canonicalRate) + _droppedSeconds
                : start + (((double)((_chunkFrames - 1) * _hopSamples) + _windowSamples) / _canonicalRate);
            var info = new ChunkInfo
            {
                Index = index,
                StartSeconds = start,
                EndSeconds = end,
                ArrivalTimestamp = _lastArrival,
                SpeechProbability = TensorPrimitives.Sum(_speechRing) / _chunkFrames,
                DroppedSamples = _droppedPending,
                DroppedSamplesTotal = _droppedTotal,
                Conditions = (IReadOnlyList<InputCondition>?)conditions ?? [],
            };
            _droppedPending = 0;
            _nonFinitePending = 0;
            _clippedPending = 0;
            _samplesPending = 0;
            _ready.Enqueue((copy, info));
        }
    }
}
