namespace SerSsl.Core.Features;

/// <summary>
/// Streaming log-mel extraction: accepts blocks of any size (including 0 and 1 sample), carries the samples of
/// incomplete windows between calls, and emits each frame as soon as its window is complete.
/// </summary>
/// <remarks>
/// <para>
/// Over the whole stream, frame t covers samples [t * HopLength, t * HopLength + WindowLength) exactly as in
/// <see cref="LogMelExtractor"/>, and the frames are bitwise identical to the batch extractor's on the
/// concatenated samples, whatever the block sizes: both call the same per-frame code, and a window that
/// straddles blocks is first assembled into a contiguous buffer holding the same values.
/// </para>
/// <para>
/// Memory is bounded: at most WindowLength - 1 samples are kept between calls. Nothing is allocated per call except
/// by the convenience overload <see cref="Process(ReadOnlySpan{float})"/>. Not thread-safe.
/// </para>
/// </remarks>
public sealed class OnlineLogMelExtractor
{
    private readonly LogMelFrameProcessor _processor;
    private readonly float[] _pending;
    private readonly float[] _frame;
    private readonly int _window;
    private readonly int _hop;
    private int _pendingCount;

    /// <summary>Creates an online extractor.</summary>
    /// <param name="settings">Feature settings; <see cref="LogMelSettings.Default"/> when null.</param>
    /// <param name="energyEpsilon">Epsilon of the frame energies emitted by
    /// <see cref="Process(ReadOnlySpan{float}, Span{float}, Span{float})"/> (see <see cref="FrameEnergy"/>).</param>
    /// <exception cref="ArgumentException">The settings are invalid (see <see cref="LogMelSettings.Validate"/>).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="energyEpsilon"/> is not positive and finite.</exception>
    public OnlineLogMelExtractor(LogMelSettings? settings = null, double energyEpsilon = FrameEnergy.DefaultEpsilon)
    {
        FrameEnergy.ValidateEpsilon(energyEpsilon);
        _processor = new LogMelFrameProcessor(settings ?? LogMelSettings.Default);
        EnergyEpsilon = energyEpsilon;
        _window = Settings.WindowLength;
        _hop = Settings.HopLength;
        _pending = new float[_window];
        _frame = new float[_window];
    }

    /// <summary>The validated settings.</summary>
    public LogMelSettings Settings => _processor.Settings;

    /// <summary>Values per frame (<see cref="LogMelSettings.MelBinCount"/>).</summary>
    public int BinCount => Settings.MelBinCount;

    /// <summary>The value every bin takes for digital silence (same as <see cref="LogMelExtractor.SilenceLevel"/>).</summary>
    public float SilenceLevel => _processor.SilenceLevel;

    /// <summary>Epsilon added to the mean square of each frame energy.</summary>
    public double EnergyEpsilon { get; }

    /// <summary>Samples received since construction or <see cref="Reset"/>.</summary>
    public long SamplesReceived { get; private set; }

    /// <summary>
    /// Frames emitted since construction or <see cref="Reset"/>; the next frame emitted has this index and starts at
    /// sample FramesEmitted * HopLength of the stream.
    /// </summary>
    public long FramesEmitted { get; private set; }

    /// <summary>Samples held for the next frame (always fewer than WindowLength).</summary>
    public int PendingSampleCount => _pendingCount;

    /// <summary>The number of frames the next <c>Process</c> call emits for a block of <paramref name="blockLength"/> samples.</summary>
    /// <param name="blockLength">Length of the next block, not negative.</param>
    /// <returns>The number of windows that the block completes.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="blockLength"/> is negative.</exception>
    public int FrameCountFor(int blockLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(blockLength);
        var total = (long)_pendingCount + blockLength;
        return total < _window ? 0 : (int)(1 + ((total - _window) / _hop));
    }

    /// <summary>Appends <paramref name="samples"/> and writes the frames they complete.</summary>
    /// <param name="samples">The next samples of the stream, any length.</param>
    /// <param name="frames">Receives [n, BinCount] row-major, n = <see cref="FrameCountFor"/>(samples.Length); may be longer.</param>
    /// <returns>The number of frames written.</returns>
    /// <exception cref="ArgumentException"><paramref name="frames"/> is too short; the state is then unchanged.</exception>
    public int Process(ReadOnlySpan<float> samples, Span<float> frames) => ProcessCore(samples, frames, [], withEnergy: false);

    /// <summary>Appends <paramref name="samples"/> and writes the frames they complete with their frame energies.</summary>
    /// <param name="samples">The next samples of the stream, any length.</param>
    /// <param name="frames">Receives [n, BinCount] row-major, n = <see cref="FrameCountFor"/>(samples.Length); may be longer.</param>
    /// <param name="energiesDb">Receives n frame energies in dB, as <see cref="FrameEnergy.Compute(ReadOnlySpan{float}, Span{float}, LogMelSettings?, double)"/>
    /// with <see cref="EnergyEpsilon"/>; may be longer.</param>
    /// <returns>The number of frames written.</returns>
    /// <exception cref="ArgumentException">A destination is too short; the state is then unchanged.</exception>
    public int Process(ReadOnlySpan<float> samples, Span<float> frames, Span<float> energiesDb) => ProcessCore(samples, frames, energiesDb, withEnergy: true);

    /// <summary>Appends <paramref name="samples"/> and returns the frames they complete (allocates the result).</summary>
    /// <param name="samples">The next samples of the stream, any length.</param>
    /// <returns>The completed frames, possibly none.</returns>
    public LogMelFrames Process(ReadOnlySpan<float> samples)
    {
        var count = FrameCountFor(samples.Length);
        var values = new float[count * BinCount];
        ProcessCore(samples, values, [], withEnergy: false);
        return new LogMelFrames(values, count, BinCount);
    }

    /// <summary>Forgets all pending samples and counters, as if newly created.</summary>
    public void Reset()
    {
        _pendingCount = 0;
        SamplesReceived = 0;
        FramesEmitted = 0;
        Array.Clear(_pending);
    }

    private int ProcessCore(ReadOnlySpan<float> samples, Span<float> frames, Span<float> energiesDb, bool withEnergy)
    {
        var count = FrameCountFor(samples.Length);
        var bins = BinCount;
        if (frames.Length < (long)count * bins)
        {
            throw new ArgumentException($"This block completes {count} frames of {bins} bins ({(long)count * bins} values) but the destination holds {frames.Length}.", nameof(frames));
        }

        if (withEnergy && energiesDb.Length < count)
        {
            throw new ArgumentException($"This block completes {count} frames but the energy destination holds {energiesDb.Length}.", nameof(energiesDb));
        }

        // Virtual stream: _pending[0.._pendingCount) followed by samples; it starts at the next frame's first sample.
        var pendingCount = _pendingCount;
        for (var t = 0; t < count; t++)
        {
            var start = t * _hop;
            ReadOnlySpan<float> window;
            if (start >= pendingCount)
            {
                window = samples.Slice(start - pendingCount, _window);
            }
            else
            {
                var fromPending = pendingCount - start;
                _pending.AsSpan(start, fromPending).CopyTo(_frame);
                samples[..(_window - fromPending)].CopyTo(_frame.AsSpan(fromPending));
                window = _frame;
            }

            _processor.Process(window, frames.Slice(t * bins, bins));
            if (withEnergy)
            {
                energiesDb[t] = FrameEnergy.Decibels(window, EnergyEpsilon);
            }
        }

        // Keep the samples from the next frame's start on (fewer than WindowLength of them).
        var next = count * _hop;
        if (next >= pendingCount)
        {
            var rest = samples[(next - pendingCount)..];
            rest.CopyTo(_pending);
            _pendingCount = rest.Length;
        }
        else
        {
            var kept = pendingCount - next;
            _pending.AsSpan(next, kept).CopyTo(_pending);
            samples.CopyTo(_pending.AsSpan(kept));
            _pendingCount = kept + samples.Length;
        }

        SamplesReceived += samples.Length;
        FramesEmitted += count;
        return count;
    }
}
