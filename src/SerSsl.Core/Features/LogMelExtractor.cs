namespace SerSsl.Core.Features;

/// <summary>
/// Batch log-mel extraction of a whole signal: frame t covers samples [t * HopLength, t * HopLength + WindowLength),
/// periodic Hann window, zero-padded to FftLength, power spectrum, HTK mel filterbank (no normalisation),
/// ln(max(mel, LogFloor)). See <see cref="LogMelSettings"/> for the exact conventions and the torchaudio equivalent.
/// </summary>
/// <remarks>
/// Produces bitwise the same frames as <see cref="OnlineLogMelExtractor"/> fed the same samples in any block sizes:
/// both run the same per-frame code. Allocates nothing per frame. Not thread-safe: use one instance per thread.
/// </remarks>
public sealed class LogMelExtractor
{
    private readonly LogMelFrameProcessor _processor;

    /// <summary>Creates an extractor.</summary>
    /// <param name="settings">Feature settings; <see cref="LogMelSettings.Default"/> when null.</param>
    /// <exception cref="ArgumentException">The settings are invalid (see <see cref="LogMelSettings.Validate"/>).</exception>
    public LogMelExtractor(LogMelSettings? settings = null)
    {
        _processor = new LogMelFrameProcessor(settings ?? LogMelSettings.Default);
    }

    /// <summary>The validated settings.</summary>
    public LogMelSettings Settings => _processor.Settings;

    /// <summary>Values per frame (<see cref="LogMelSettings.MelBinCount"/>).</summary>
    public int BinCount => Settings.MelBinCount;

    /// <summary>
    /// The value every bin takes for digital silence: ln(LogFloor) exactly as this code computes it. Use it to pad
    /// feature matrices with silence.
    /// </summary>
    public float SilenceLevel => _processor.SilenceLevel;

    /// <summary>Number of frames for <paramref name="sampleCount"/> samples (see <see cref="LogMelSettings.FrameCount"/>).</summary>
    /// <param name="sampleCount">Number of samples, not negative.</param>
    /// <returns>0 when fewer than WindowLength samples, else 1 + (sampleCount - WindowLength) / HopLength.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sampleCount"/> is negative.</exception>
    public int FrameCount(int sampleCount) => Settings.FrameCount(sampleCount);

    /// <summary>Extracts all frames of <paramref name="samples"/> into <paramref name="frames"/>.</summary>
    /// <param name="samples">Mono samples at <see cref="LogMelSettings.SampleRate"/>.</param>
    /// <param name="frames">Receives [FrameCount(samples.Length), BinCount] row-major; may be longer (the rest is untouched).</param>
    /// <exception cref="ArgumentException"><paramref name="frames"/> is too short.</exception>
    public void Extract(ReadOnlySpan<float> samples, Span<float> frames)
    {
        var count = FrameCount(samples.Length);
        var bins = BinCount;
        if (frames.Length < (long)count * bins)
        {
            throw new ArgumentException($"{samples.Length} samples give {count} frames of {bins} bins ({(long)count * bins} values) but the destination holds {frames.Length}.", nameof(frames));
        }

        var hop = Settings.HopLength;
        var window = Settings.WindowLength;
        for (var t = 0; t < count; t++)
        {
            _processor.Process(samples.Slice(t * hop, window), frames.Slice(t * bins, bins));
        }
    }

    /// <summary>Extracts all frames of <paramref name="samples"/> into a new matrix.</summary>
    /// <param name="samples">Mono samples at <see cref="LogMelSettings.SampleRate"/>.</param>
    /// <returns>[FrameCount(samples.Length), BinCount] frames.</returns>
    public LogMelFrames Extract(ReadOnlySpan<float> samples)
    {
        var count = FrameCount(samples.Length);
        var values = new float[count * BinCount];
        Extract(samples, values);
        return new LogMelFrames(values, count, BinCount);
    }
}
