namespace SerSsl.Core.Features;

/// <summary>
/// Frame log-energy in decibels on raw (unwindowed) samples, with the same framing as the log-mel features:
/// frame t covers samples [t * HopLength, t * HopLength + WindowLength).
/// </summary>
/// <remarks>
/// E_t = 10 log10(mean(x^2) + epsilon), the mean over the WindowLength samples of the frame, accumulated in double
/// precision in a fixed order and rounded to float once. The default epsilon 1e-10 puts digital silence at
/// -100 dB; a full-scale sine (amplitude 1) reads about -3.01 dB. Used by the energy-variation pretext task
/// (standard deviation of E_t inside a chunk), which is gain-invariant because a gain g shifts every E_t by
/// 20 log10 g (as long as the signal stays well above epsilon).
/// </remarks>
public static class FrameEnergy
{
    /// <summary>The default epsilon added to the mean square: 1e-10 (silence reads -100 dB).</summary>
    public const double DefaultEpsilon = 1e-10;

    /// <summary>10 log10(mean(<paramref name="frame"/>^2) + <paramref name="epsilon"/>).</summary>
    /// <param name="frame">The raw samples of one frame, not empty.</param>
    /// <param name="epsilon">Positive, finite value added to the mean square.</param>
    /// <returns>The frame energy in dB.</returns>
    /// <exception cref="ArgumentException"><paramref name="frame"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epsilon"/> is not positive and finite.</exception>
    public static float FrameDecibels(ReadOnlySpan<float> frame, double epsilon = DefaultEpsilon)
    {
        if (frame.IsEmpty)
        {
            throw new ArgumentException("A frame needs at least one sample.", nameof(frame));
        }

        ValidateEpsilon(epsilon);
        return Decibels(frame, epsilon);
    }

    /// <summary>Frame energies of <paramref name="samples"/> into <paramref name="decibels"/> (one value per frame).</summary>
    /// <param name="samples">Raw samples at <see cref="LogMelSettings.SampleRate"/>.</param>
    /// <param name="decibels">Receives <see cref="LogMelSettings.FrameCount"/> values; may be longer.</param>
    /// <param name="settings">Framing; <see cref="LogMelSettings.Default"/> when null.</param>
    /// <param name="epsilon">Positive, finite value added to each mean square.</param>
    /// <returns>The number of frames written.</returns>
    /// <exception cref="ArgumentException"><paramref name="decibels"/> is too short, or the settings are invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epsilon"/> is not positive and finite.</exception>
    public static int Compute(ReadOnlySpan<float> samples, Span<float> decibels, LogMelSettings? settings = null, double epsilon = DefaultEpsilon)
    {
        settings ??= LogMelSettings.Default;
        settings.Validate();
        ValidateEpsilon(epsilon);
        var frames = settings.FrameCount(samples.Length);
        if (decibels.Length < frames)
        {
            throw new ArgumentException($"{samples.Length} samples give {frames} frames but the destination holds {decibels.Length}.", nameof(decibels));
        }

        for (var t = 0; t < frames; t++)
        {
            decibels[t] = Decibels(samples.Slice(t * settings.HopLength, settings.WindowLength), epsilon);
        }

        return frames;
    }

    /// <summary>Frame energies of <paramref name="samples"/> in a new array.</summary>
    /// <param name="samples">Raw samples at <see cref="LogMelSettings.SampleRate"/>.</param>
    /// <param name="settings">Framing; <see cref="LogMelSettings.Default"/> when null.</param>
    /// <param name="epsilon">Positive, finite value added to each mean square.</param>
    /// <returns>One value per frame (<see cref="LogMelSettings.FrameCount"/>).</returns>
    /// <exception cref="ArgumentException">The settings are invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epsilon"/> is not positive and finite.</exception>
    public static float[] Compute(ReadOnlySpan<float> samples, LogMelSettings? settings = null, double epsilon = DefaultEpsilon)
    {
        settings ??= LogMelSettings.Default;
        settings.Validate();
        var result = new float[settings.FrameCount(samples.Length)];
        Compute(samples, result, settings, epsilon);
        return result;
    }

    internal static void ValidateEpsilon(double epsilon)
    {
        if (!(epsilon > 0.0) || double.IsInfinity(epsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "The energy epsilon must be positive and finite.");
        }
    }

    /// <summary>The shared per-frame computation (batch and online): fixed-order double accumulation.</summary>
    internal static float Decibels(ReadOnlySpan<float> frame, double epsilon)
    {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        var i = 0;
        for (; i + 3 < frame.Length; i += 4)
        {
            double a = frame[i], b = frame[i + 1], c = frame[i + 2], d = frame[i + 3];
            s0 += a * a;
            s1 += b * b;
            s2 += c * c;
            s3 += d * d;
        }

        for (; i < frame.Length; i++)
        {
            double a = frame[i];
            s0 += a * a;
        }

        var mean = (s0 + s1 + (s2 + s3)) / frame.Length;
        return (float)(10.0 * Math.Log10(mean + epsilon));
    }
}
