using System.Buffers;
using System.Numerics.Tensors;
using SerSsl.Core.Audio;
using SerSsl.Core.Chunking;
using SerSsl.Core.Features;
using SerSsl.Protos.V1;
using SerSsl.Streaming.Inference;
using SerSsl.Streaming.Sources;

namespace SerSsl.Streaming.Pipeline;

/// <summary>
/// The feature stage's state: downmix, resampler, online log-mel, normalisation, speech detection and chunker.
/// Buffers are allocated once per session and grown only when a larger block arrives.
/// </summary>
internal sealed class FeatureStage : IDisposable
{
    private const float ClipLevel = 0.999f;
    private const float SilentChunkDb = -90f;
    private const float PaddingEnergyDb = -100f;

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
    private readonly int _chunkHopFrames;
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

    /// <summary>Creates the stage for one stream.</summary>
    /// <param name="format">The stream's rate and channels.</param>
    /// <param name="model">The model whose features, normalisation and chunk size to produce.</param>
    /// <param name="hopFrames">Frames between chunk starts.</param>
    /// <param name="speechDetector">Creates the speech detector; null for the energy detector.</param>
    public FeatureStage(AudioFormat format, OnnxEmotionModel model, int hopFrames, Func<ISpeechDetector>? speechDetector)
    {
        _format = format;
        _chunkHopFrames = hopFrames;
        var manifest = model.Bundle.Manifest;
        var settings = manifest.Features;
        _canonicalRate = settings.SampleRate;
        _resampler = _format.SampleRate == _canonicalRate ? null : new Resampler(_format.SampleRate, _canonicalRate);
        _extractor = new OnlineLogMelExtractor(settings);
        _bins = settings.MelBinCount;
        _chunkFrames = model.ChunkFrames;
        _hopSamples = settings.HopLength;
        _windowSamples = settings.WindowLength;
        _chunker = new SlidingChunker(_bins, _chunkFrames, hopFrames);
        _speech = speechDetector?.Invoke() ?? new EnergySpeechDetector();
        _mean = manifest.Normalization.Mean;
        _invStd = manifest.Normalization.Std.Select(s => 1f / s).ToArray();
        _frame = new float[_bins];
        _energyRing = new float[_chunkFrames];
        _speechRing = new float[_chunkFrames];
    }

    /// <summary>Input frames (per channel) known to be missing before the blocks processed so far.</summary>
    public long DroppedFramesTotal => (long)_droppedTotal;

    /// <summary>Processes one block of interleaved samples; completed chunks queue for <see cref="TryTakeReady"/>.</summary>
    /// <param name="interleaved">Whole frames at the stream's format.</param>
    /// <param name="firstFrame">The index of the block's first frame in the stream; later than expected means audio was dropped.</param>
    /// <param name="arrivalTimestamp">When the block arrived (<see cref="System.Diagnostics.Stopwatch"/> ticks), for latency.</param>
    public void Process(ReadOnlySpan<float> interleaved, long firstFrame, long arrivalTimestamp)
    {
        var channels = _format.Channels;
        var frames = interleaved.Length / channels;
        if (firstFrame > _expectedFrame)
        {
            var gap = firstFrame - _expectedFrame;
            _droppedPending += (ulong)gap;
            _droppedTotal += (ulong)gap;
            _droppedSeconds += (double)gap / _format.SampleRate;
        }

        _expectedFrame = firstFrame + frames;
        _lastArrival = arrivalTimestamp;
        var mono = Grow(ref _mono, frames);
        CheckAndDownmix(interleaved, channels, mono);
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

    private void CheckAndDownmix(ReadOnlySpan<float> interleaved, int channels, Span<float> mono)
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
        ChannelMixer.Downmix(interleaved, channels, mono);

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
        var start = ((double)index * _chunkHopFrames * _hopSamples / _canonicalRate) + _droppedSeconds;
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
