namespace SerSsl.Core.Tests.Audio;

/// <summary>A least-squares sine fit: <c>x[n] ≈ Cosine·cos(ωn) + Sine·sin(ωn)</c>.</summary>
/// <param name="Cosine">Cosine coefficient.</param>
/// <param name="Sine">Sine coefficient.</param>
/// <param name="ResidualRms">RMS of what the fitted sinusoid leaves unexplained.</param>
internal readonly record struct SineFit(double Cosine, double Sine, double ResidualRms)
{
    public double Amplitude => Math.Sqrt((Cosine * Cosine) + (Sine * Sine));
}

/// <summary>Tone generation and measurement for audio DSP tests.</summary>
internal static class ToneMeasurement
{
    /// <summary>A sine tone <c>amplitude·sin(2π f n / rate + phase)</c>, computed in double.</summary>
    public static float[] Tone(int length, double frequencyHz, double sampleRate, double amplitude = 1.0, double phase = 0.0)
    {
        var samples = new float[length];
        var omega = 2.0 * Math.PI * frequencyHz / sampleRate;
        for (var n = 0; n < length; n++)
        {
            samples[n] = (float)(amplitude * Math.Sin((omega * n) + phase));
        }

        return samples;
    }

    /// <summary>
    /// Fits a sinusoid of known frequency by least squares. Unlike a single DFT bin this is exact for a pure
    /// tone whatever the number of cycles in the span. <paramref name="firstIndex"/> is the time index of
    /// <c>samples[0]</c>, so phases refer to index 0 of the whole signal.
    /// </summary>
    public static SineFit FitSine(ReadOnlySpan<float> samples, double frequencyHz, double sampleRate, int firstIndex = 0)
    {
        var omega = 2.0 * Math.PI * frequencyHz / sampleRate;
        double cc = 0, cs = 0, ss = 0, xc = 0, xs = 0;
        for (var i = 0; i < samples.Length; i++)
        {
            var angle = omega * (firstIndex + i);
            var c = Math.Cos(angle);
            var s = Math.Sin(angle);
            cc += c * c;
            cs += c * s;
            ss += s * s;
            xc += samples[i] * c;
            xs += samples[i] * s;
        }

        var determinant = (cc * ss) - (cs * cs);
        var a = ((xc * ss) - (xs * cs)) / determinant;
        var b = ((xs * cc) - (xc * cs)) / determinant;

        var residual = 0.0;
        for (var i = 0; i < samples.Length; i++)
        {
            var angle = omega * (firstIndex + i);
            var e = samples[i] - ((a * Math.Cos(angle)) + (b * Math.Sin(angle)));
            residual += e * e;
        }

        return new SineFit(a, b, Math.Sqrt(residual / samples.Length));
    }

    /// <summary>Root mean square of the samples.</summary>
    public static double Rms(ReadOnlySpan<float> samples)
    {
        var sum = 0.0;
        foreach (var x in samples)
        {
            sum += (double)x * x;
        }

        return Math.Sqrt(sum / samples.Length);
    }

    /// <summary>An amplitude ratio in dB.</summary>
    public static double Decibels(double ratio) => 20.0 * Math.Log10(ratio);
}
