using System.Numerics;

namespace SerSsl.Benchmarks;

/// <summary>
/// A deliberately plain log-mel implementation used as the benchmark baseline: same conventions as
/// <c>LogMelExtractor</c> (frame t = samples [160 t, 160 t + 400), periodic Hann, zero-padded to 512, power spectrum,
/// HTK mel filterbank without normalisation, ln(max(x, 1e-10))), but allocating per frame, with a recursive complex
/// radix-2 FFT over <see cref="Complex"/>, a dense [64, 257] mel matrix and <see cref="Math.Log(double)"/>.
/// </summary>
public sealed class NaiveLogMel
{
    private const int SampleRate = 16000;
    private const int WindowLength = 400;
    private const int HopLength = 160;
    private const int FftLength = 512;
    private const int MelCount = 64;
    private const double Floor = 1e-10;

    private readonly double[] _window;
    private readonly double[,] _mel;

    /// <summary>Builds the window and the dense mel matrix.</summary>
    public NaiveLogMel()
    {
        _window = new double[WindowLength];
        for (var i = 0; i < WindowLength; i++)
        {
            _window[i] = 0.5 - (0.5 * Math.Cos(2.0 * Math.PI * i / WindowLength));
        }

        static double ToMel(double hz) => 2595.0 * Math.Log10(1.0 + (hz / 700.0));
        static double ToHz(double mel) => 700.0 * (Math.Pow(10.0, mel / 2595.0) - 1.0);
        var bins = (FftLength / 2) + 1;
        var points = new double[MelCount + 2];
        for (var i = 0; i < points.Length; i++)
        {
            points[i] = ToHz(ToMel(SampleRate / 2.0) * i / (MelCount + 1));
        }

        _mel = new double[MelCount, bins];
        for (var m = 0; m < MelCount; m++)
        {
            for (var k = 0; k < bins; k++)
            {
                var hz = k * (SampleRate / 2.0) / (bins - 1);
                var down = (hz - points[m]) / (points[m + 1] - points[m]);
                var up = (points[m + 2] - hz) / (points[m + 2] - points[m + 1]);
                _mel[m, k] = Math.Max(0.0, Math.Min(down, up));
            }
        }
    }

    /// <summary>Extracts [T, 64] frames, T = 0 if n &lt; 400 else 1 + (n - 400) / 160.</summary>
    public float[] Extract(float[] samples)
    {
        var frames = samples.Length < WindowLength ? 0 : 1 + ((samples.Length - WindowLength) / HopLength);
        var result = new float[frames * MelCount];
        for (var t = 0; t < frames; t++)
        {
            var buffer = new Complex[FftLength];
            for (var i = 0; i < WindowLength; i++)
            {
                buffer[i] = new Complex(samples[(t * HopLength) + i] * _window[i], 0.0);
            }

            var spectrum = Fft(buffer);
            var power = new double[(FftLength / 2) + 1];
            for (var k = 0; k < power.Length; k++)
            {
                power[k] = spectrum[k].Magnitude * spectrum[k].Magnitude;
            }

            for (var m = 0; m < MelCount; m++)
            {
                var sum = 0.0;
                for (var k = 0; k < power.Length; k++)
                {
                    sum += _mel[m, k] * power[k];
                }

                result[(t * MelCount) + m] = (float)Math.Log(Math.Max(sum, Floor));
            }
        }

        return result;
    }

    private static Complex[] Fft(Complex[] x)
    {
        var n = x.Length;
        if (n == 1)
        {
            return [x[0]];
        }

        var even = new Complex[n / 2];
        var odd = new Complex[n / 2];
        for (var i = 0; i < n / 2; i++)
        {
            even[i] = x[2 * i];
            odd[i] = x[(2 * i) + 1];
        }

        var e = Fft(even);
        var o = Fft(odd);
        var result = new Complex[n];
        for (var k = 0; k < n / 2; k++)
        {
            var t = Complex.FromPolarCoordinates(1.0, -2.0 * Math.PI * k / n) * o[k];
            result[k] = e[k] + t;
            result[k + (n / 2)] = e[k] - t;
        }

        return result;
    }
}
