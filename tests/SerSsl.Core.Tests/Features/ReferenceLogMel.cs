namespace SerSsl.Core.Tests.Features;

/// <summary>
/// Independent double-precision reference written the way torchaudio computes it: torch.stft with center=False
/// (n_fft-sample frames, the 400-sample periodic Hann window centred in 512 by 56 zeros each side), power 2,
/// HTK mel filterbank from mel = 2595 log10(1 + f / 700), natural log with a clamp at the floor.
/// </summary>
internal static class ReferenceLogMel
{
    public const int Rate = 16000;
    public const int Fft = 512;
    public const int Window = 400;
    public const int Hop = 160;
    public const int Mels = 64;

    public static double HtkPointHz(int point, double maxHz = 8000.0, int mels = Mels)
    {
        var melMax = 2595.0 * Math.Log10(1.0 + (maxHz / 700.0));
        var mel = melMax * point / (mels + 1.0);
        return 700.0 * (Math.Pow(10.0, mel / 2595.0) - 1.0);
    }

    /// <summary>Weight of FFT bin k (f = k * 31.25 Hz) in filter m, default settings.</summary>
    public static double HtkWeight(int filter, int bin)
    {
        var hz = bin * (Rate / 2.0) / (Fft / 2);
        double left = HtkPointHz(filter), centre = HtkPointHz(filter + 1), right = HtkPointHz(filter + 2);
        if (hz <= left || hz >= right)
        {
            return 0.0;
        }

        return hz <= centre ? (hz - left) / (centre - left) : (right - hz) / (right - centre);
    }

    /// <summary>Centre frequency of mel filter m.</summary>
    public static double CentreHz(int filter) => HtkPointHz(filter + 1);

    /// <summary>
    /// torchaudio-style log-mel of <paramref name="signal"/> after zero-padding it by (512 - 400) / 2 = 56 samples on
    /// both sides; returns [T, 64] with T = 1 + (n + 112 - 512) / 160.
    /// </summary>
    public static double[,] TorchStyle(float[] signal, double floor = 1e-10)
    {
        var pad = (Fft - Window) / 2;
        var padded = new double[signal.Length + (2 * pad)];
        for (var i = 0; i < signal.Length; i++)
        {
            padded[i + pad] = signal[i];
        }

        var frames = padded.Length < Fft ? 0 : 1 + ((padded.Length - Fft) / Hop);
        var window = new double[Fft];
        for (var i = 0; i < Window; i++)
        {
            window[i + pad] = 0.5 - (0.5 * Math.Cos(2.0 * Math.PI * i / Window));
        }

        var cos = new double[Fft];
        var sin = new double[Fft];
        for (var i = 0; i < Fft; i++)
        {
            cos[i] = Math.Cos(2.0 * Math.PI * i / Fft);
            sin[i] = Math.Sin(2.0 * Math.PI * i / Fft);
        }

        var result = new double[frames, Mels];
        var power = new double[(Fft / 2) + 1];
        for (var t = 0; t < frames; t++)
        {
            for (var k = 0; k < power.Length; k++)
            {
                double re = 0, im = 0;
                for (var n = 0; n < Fft; n++)
                {
                    var x = padded[(t * Hop) + n] * window[n];
                    if (x == 0)
                    {
                        continue;
                    }

                    var index = k * n % Fft;
                    re += x * cos[index];
                    im -= x * sin[index];
                }

                power[k] = (re * re) + (im * im);
            }

            for (var m = 0; m < Mels; m++)
            {
                var sum = 0.0;
                for (var k = 0; k < power.Length; k++)
                {
                    sum += HtkWeight(m, k) * power[k];
                }

                result[t, m] = Math.Log(Math.Max(sum, floor));
            }
        }

        return result;
    }
}
