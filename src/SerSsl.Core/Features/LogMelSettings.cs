namespace SerSsl.Core.Features;

/// <summary>
/// Parameters of the log-mel features shared by training and streaming; stored in model manifests.
/// </summary>
/// <remarks>
/// <para>
/// The defaults follow the design: 16 kHz mono input, 25 ms window (400 samples), 10 ms hop (160 samples),
/// 512-point FFT, 64 mel bins over 0..8000 Hz, natural log with a floor of 1e-10.
/// </para>
/// <para>
/// Fixed conventions (not settings): periodic Hann window w[i] = 0.5 - 0.5 cos(2 pi i / WindowLength);
/// frame t covers samples [t * HopLength, t * HopLength + WindowLength), is windowed and zero-padded at the
/// end to FftLength; power spectrum |X[k]|^2 unnormalised, k = 0..FftLength/2; HTK mel filterbank without
/// area normalisation built as torchaudio's <c>melscale_fbanks(..., norm=None, mel_scale="htk")</c>; output
/// ln(max(mel, LogFloor)). Frames exist only where a whole window fits (no centre padding):
/// <see cref="FrameCount"/>.
/// </para>
/// <para>
/// Relation to torchaudio: <c>MelSpectrogram(sample_rate, n_fft, win_length, hop_length, f_min, f_max, n_mels,
/// window_fn=torch.hann_window, power=2.0, center=False, norm=None, mel_scale="htk")</c> followed by
/// <c>log(clamp(x, min=LogFloor))</c> gives the same frames when applied to the signal zero-padded with
/// d / 2 samples at the start and d - d / 2 at the end, d = FftLength - WindowLength (56 and 56 with the
/// defaults). torch.stft centres a window shorter than n_fft inside each n_fft-sample frame (left offset d / 2);
/// that shift only changes the phase of the spectrum, and the padding aligns the frame starts and the frame count
/// with ours. Differences are float rounding only (torchaudio builds its filterbank in float32).
/// </para>
/// <para>
/// Instances are not validated on construction so that <c>with</c> expressions can change several values;
/// the extractors call <see cref="Validate"/>.
/// </para>
/// </remarks>
public sealed record LogMelSettings
{
    /// <summary>The settings of the design: 16 kHz, 400/160/512, 64 bins, 0..8000 Hz, floor 1e-10.</summary>
    public static LogMelSettings Default { get; } = new();

    /// <summary>Input sample rate in Hz. Default 16000.</summary>
    public int SampleRate { get; init; } = 16000;

    /// <summary>Analysis window length in samples. Default 400 (25 ms).</summary>
    public int WindowLength { get; init; } = 400;

    /// <summary>Hop between frame starts in samples. Default 160 (10 ms).</summary>
    public int HopLength { get; init; } = 160;

    /// <summary>FFT length in samples, a power of two of at least 4 and at least <see cref="WindowLength"/>. Default 512.</summary>
    public int FftLength { get; init; } = 512;

    /// <summary>Number of mel bins per frame. Default 64.</summary>
    public int MelBinCount { get; init; } = 64;

    /// <summary>Lower edge of the first mel filter in Hz. Default 0.</summary>
    public double MinFrequency { get; init; }

    /// <summary>Upper edge of the last mel filter in Hz, at most <see cref="SampleRate"/> / 2. Default 8000.</summary>
    public double MaxFrequency { get; init; } = 8000.0;

    /// <summary>
    /// Floor applied to mel energies before the natural log; silence maps to ln(LogFloor) (about -23.03 for the
    /// default 1e-10). Must be positive and representable as a positive float.
    /// </summary>
    public double LogFloor { get; init; } = 1e-10;

    /// <summary>
    /// Number of frames for <paramref name="sampleCount"/> samples: 0 when fewer than <see cref="WindowLength"/>,
    /// else 1 + (sampleCount - WindowLength) / HopLength (integer division).
    /// </summary>
    /// <param name="sampleCount">Number of input samples, not negative.</param>
    /// <returns>The number of whole windows.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sampleCount"/> is negative.</exception>
    public int FrameCount(int sampleCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sampleCount);
        return sampleCount < WindowLength ? 0 : 1 + ((sampleCount - WindowLength) / HopLength);
    }

    /// <summary>Checks every value and their relations.</summary>
    /// <exception cref="ArgumentException">A value is out of range; the message names the property and the rule.</exception>
    public void Validate()
    {
        RequirePositive(SampleRate, nameof(SampleRate));
        RequirePositive(WindowLength, nameof(WindowLength));
        RequirePositive(HopLength, nameof(HopLength));
        RequirePositive(FftLength, nameof(FftLength));
        RequirePositive(MelBinCount, nameof(MelBinCount));

        if (FftLength < 4 || !int.IsPow2(FftLength))
        {
            throw Invalid(nameof(FftLength), $"must be a power of two of at least 4 (got {FftLength})");
        }

        if (WindowLength > FftLength)
        {
            throw Invalid(nameof(WindowLength), $"must not exceed FftLength {FftLength} (got {WindowLength})");
        }

        if (HopLength > WindowLength)
        {
            throw Invalid(nameof(HopLength), $"must not exceed WindowLength {WindowLength}: gaps between frames are not supported (got {HopLength})");
        }

        if (!(MinFrequency >= 0.0) || double.IsInfinity(MinFrequency))
        {
            throw Invalid(nameof(MinFrequency), $"must be finite and not negative (got {MinFrequency})");
        }

        if (!(MaxFrequency > MinFrequency))
        {
            throw Invalid(nameof(MaxFrequency), $"must be greater than MinFrequency {MinFrequency} (got {MaxFrequency})");
        }

        if (MaxFrequency > SampleRate / 2.0)
        {
            throw Invalid(nameof(MaxFrequency), $"must not exceed the Nyquist frequency {SampleRate / 2.0} Hz (got {MaxFrequency})");
        }

        if (!(LogFloor > 0.0) || !((float)LogFloor > 0f) || float.IsInfinity((float)LogFloor))
        {
            throw Invalid(nameof(LogFloor), $"must be positive and representable as a positive, finite float (got {LogFloor})");
        }
    }

    private static void RequirePositive(int value, string name)
    {
        if (value <= 0)
        {
            throw Invalid(name, $"must be positive (got {value})");
        }
    }

    private static ArgumentException Invalid(string property, string rule) =>
        new($"Invalid log-mel settings: {property} {rule}.", property);
}
