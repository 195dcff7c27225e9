namespace SerSsl.Core.Features;

/// <summary>
/// Sparse triangular mel filterbank built exactly as torchaudio's <c>melscale_fbanks</c> with
/// <c>mel_scale="htk"</c> and <c>norm=None</c>.
/// </summary>
/// <remarks>
/// Construction (in double precision, weights rounded to float once):
/// <list type="bullet">
/// <item>bin frequencies f_k = k * (sampleRate / 2) / (fftLength / 2), k = 0..fftLength/2, with the integer
/// division <c>sample_rate // 2</c> that torchaudio uses;</item>
/// <item>n_mels + 2 points equally spaced on the HTK mel scale mel(f) = 2595 log10(1 + f / 700)
/// between mel(fMin) and mel(fMax), mapped back with f(mel) = 700 (10^(mel / 2595) - 1);</item>
/// <item>filter m has weight max(0, min((f_k - p_m) / (p_{m+1} - p_m), (p_{m+2} - f_k) / (p_{m+2} - p_{m+1})))
/// at bin k: peak 1 at p_{m+1}, no area normalisation.</item>
/// </list>
/// Each filter keeps only its contiguous nonzero range; <see cref="Apply"/> sums in a fixed order so
/// that equal inputs give bitwise equal outputs. A filter may be empty when the mel bands are narrower
/// than the FFT resolution (torchaudio warns in that case); it then outputs 0.
/// </remarks>
internal sealed class MelFilterBank
{
    private readonly int[] _starts;
    private readonly int[] _offsets;
    private readonly int[] _lengths;
    private readonly float[] _weights;

    /// <summary>Builds the filterbank for validated <paramref name="settings"/>.</summary>
    public MelFilterBank(LogMelSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();

        var binCount = (settings.FftLength / 2) + 1;
        var melCount = settings.MelBinCount;
        BinCount = binCount;
        MelCount = melCount;

        var nyquist = (double)(settings.SampleRate / 2);
        var binHz = new double[binCount];
        for (var k = 0; k < binCount; k++)
        {
            binHz[k] = nyquist * k / (binCount - 1);
        }

        var melMin = HzToMel(settings.MinFrequency);
        var melMax = HzToMel(settings.MaxFrequency);
        var points = new double[melCount + 2];
        for (var i = 0; i < points.Length; i++)
        {
            points[i] = MelToHz(melMin + ((melMax - melMin) * i / (melCount + 1)));
        }

        _starts = new int[melCount];
        _offsets = new int[melCount];
        _lengths = new int[melCount];
        var weights = new List<float>(2 * binCount);
        for (var m = 0; m < melCount; m++)
        {
            double left = points[m], centre = points[m + 1], right = points[m + 2];
            var first = -1;
            var last = -1;
            for (var k = 0; k < binCount; k++)
            {
                if (Weight(binHz[k], left, centre, right) > 0f)
                {
                    if (first < 0)
                    {
                        first = k;
                    }

                    last = k;
                }
            }

            _offsets[m] = weights.Count;
            if (first < 0)
            {
                _starts[m] = 0;
                _lengths[m] = 0;
                continue;
            }

            _starts[m] = first;
            _lengths[m] = last - first + 1;
            for (var k = first; k <= last; k++)
            {
                weights.Add(Weight(binHz[k], left, centre, right));
            }
        }

        _weights = [.. weights];
    }

    /// <summary>Number of FFT bins consumed, fftLength / 2 + 1.</summary>
    public int BinCount { get; }

    /// <summary>Number of mel filters.</summary>
    public int MelCount { get; }

    /// <summary>Total number of stored (nonzero-range) weights.</summary>
    public int NonZeroCount => _weights.Length;

    /// <summary>HTK mel scale: 2595 log10(1 + f / 700).</summary>
    public static double HzToMel(double hertz) => 2595.0 * Math.Log10(1.0 + (hertz / 700.0));

    /// <summary>Inverse HTK mel scale: 700 (10^(mel / 2595) - 1).</summary>
    public static double MelToHz(double mel) => 700.0 * (Math.Pow(10.0, mel / 2595.0) - 1.0);

    /// <summary>The weight of FFT bin <paramref name="bin"/> in filter <paramref name="mel"/> (0 outside its range).</summary>
    public float GetWeight(int mel, int bin)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(mel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(mel, MelCount);
        ArgumentOutOfRangeException.ThrowIfNegative(bin);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bin, BinCount);
        var i = bin - _starts[mel];
        return i >= 0 && i < _lengths[mel] ? _weights[_offsets[mel] + i] : 0f;
    }

    /// <summary>The first FFT bin of filter <paramref name="mel"/>'s nonzero range and its length.</summary>
    public (int Start, int Length) GetRange(int mel) => (_starts[mel], _lengths[mel]);

    /// <summary>mel[m] = sum_k weight[m, k] * power[k], in an order fixed by the filter layout alone.</summary>
    /// <param name="power">Power spectrum, at least <see cref="BinCount"/> values.</param>
    /// <param name="mel">Receives <see cref="MelCount"/> filter energies.</param>
    public void Apply(ReadOnlySpan<float> power, Span<float> mel)
    {
        power = power[..BinCount];
        mel = mel[..MelCount];
        var weights = _weights.AsSpan();
        for (var m = 0; m < mel.Length; m++)
        {
            var w = weights.Slice(_offsets[m], _lengths[m]);
            var p = power.Slice(_starts[m], w.Length);
            // Four independent accumulators break the add latency chain; the order is fixed by k alone.
            float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
            var k = 0;
            for (; k + 3 < w.Length; k += 4)
            {
                s0 += w[k] * p[k];
                s1 += w[k + 1] * p[k + 1];
                s2 += w[k + 2] * p[k + 2];
                s3 += w[k + 3] * p[k + 3];
            }

            for (; k < w.Length; k++)
            {
                s0 += w[k] * p[k];
            }

            mel[m] = (s0 + s1) + (s2 + s3);
        }
    }

    private static float Weight(double hertz, double left, double centre, double right)
    {
        var down = (hertz - left) / (centre - left);
        var up = (right - hertz) / (right - centre);
        return (float)Math.Max(0.0, Math.Min(down, up));
    }
}
