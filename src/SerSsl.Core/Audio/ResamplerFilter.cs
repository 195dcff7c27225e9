using System.Collections.Concurrent;

namespace SerSsl.Core.Audio;

/// <summary>
/// The immutable anti-aliasing / anti-imaging filter bank for one (input rate, output rate) pair, built once
/// and shared by every <see cref="Resampler"/> with that pair.
/// </summary>
/// <remarks>
/// <para>
/// Design: a Kaiser-windowed sinc in continuous time, measured in input samples. With
/// <c>B = min(inputRate, outputRate)</c> the passband edge is <c>7/16·B</c> (7 kHz for 16 kHz output from any
/// input of 16 kHz or more), the stopband edge is <c>B/2</c> (8 kHz), the cutoff sits in the middle of that
/// transition band (<c>15/32·B</c>, 7.5 kHz) and the design stopband attenuation is 80 dB (10 dB of margin
/// over the 70 dB requirement), giving Kaiser <c>beta = 0.1102·(80 − 8.7) ≈ 7.86</c> and a window of
/// <c>(80 − 7.95) / (2.285 · 2π · Δf / inputRate)</c> input samples, rounded up to a multiple of
/// <see cref="FixedOrderDot.Granularity"/> taps (256 taps at 48 kHz, 224 at 44.1 kHz, 496 at 96 kHz,
/// 976 at 192 kHz, 96 at 8 kHz).
/// </para>
/// <para>
/// Output sample <c>k</c> sits at input time <c>k·M/L</c> (<c>L/M</c> = output/input rate after dividing by
/// their gcd). Its integer part selects the window of input samples, its fraction <c>p/L</c> (an integer
/// phase <c>p</c>) selects the coefficients. When <c>L · taps</c> fits in <see cref="MaxPolyphaseTableFloats"/>
/// (4 MB) the table holds one exact row per phase (rational polyphase). Otherwise (e.g. 44 101 Hz, where
/// <c>L</c> = 16 000) it holds <see cref="InterpolatedPhases"/> + 1 rows spaced 1/512 input sample apart and
/// the output is interpolated linearly between the dot products with the two neighbouring rows; the
/// interpolation weight is derived from the integer phase, so it too is independent of block boundaries.
/// Every row is normalised to sum to exactly 1 (in double, before rounding to float) so the DC gain is 1 at
/// every phase.
/// </para>
/// </remarks>
internal sealed class ResamplerFilter
{
    /// <summary>Design stopband attenuation in dB (Kaiser design target).</summary>
    public const double DesignAttenuationDb = 80.0;

    /// <summary>Largest exact polyphase table, in floats (4 MB); larger ratios use the interpolated table.</summary>
    public const long MaxPolyphaseTableFloats = 1 << 20;

    /// <summary>Rows per input sample of the interpolated table.</summary>
    public const int InterpolatedPhases = 512;

    private static readonly ConcurrentDictionary<(int InputRate, int OutputRate), Lazy<ResamplerFilter>> s_cache = new();

    private readonly float[] _coefficients;

    private ResamplerFilter(int inputRate, int outputRate)
    {
        var gcd = GreatestCommonDivisor(inputRate, outputRate);
        Interpolation = outputRate / gcd;
        Decimation = inputRate / gcd;
        StepWhole = Decimation / Interpolation;
        StepFraction = Decimation % Interpolation;

        double band = Math.Min(inputRate, outputRate);
        PassbandEdgeHz = band * 7.0 / 16.0;
        StopbandEdgeHz = band / 2.0;
        CutoffHz = (PassbandEdgeHz + StopbandEdgeHz) / 2.0;
        Beta = 0.1102 * (DesignAttenuationDb - 8.7);

        var transition = (StopbandEdgeHz - PassbandEdgeHz) / inputRate;
        var order = (DesignAttenuationDb - 7.95) / (2.285 * 2.0 * Math.PI * transition);
        var granularity = FixedOrderDot.Granularity;
        Taps = ((int)Math.Ceiling(order) + 1 + granularity - 1) / granularity * granularity;
        HalfTaps = Taps / 2;

        IsInterpolated = (long)Interpolation * Taps > MaxPolyphaseTableFloats;
        var rows = IsInterpolated ? InterpolatedPhases + 1 : Interpolation;
        var rowSpacing = IsInterpolated ? InterpolatedPhases : Interpolation;
        _coefficients = BuildTable(rows, rowSpacing, CutoffHz / inputRate, HalfTaps, Beta);
    }

    /// <summary>Output samples per <see cref="Decimation"/> input samples (output rate / gcd).</summary>
    public int Interpolation { get; }

    /// <summary>Input samples per <see cref="Interpolation"/> output samples (input rate / gcd).</summary>
    public int Decimation { get; }

    /// <summary>Whole input samples the window advances per output sample.</summary>
    public int StepWhole { get; }

    /// <summary>Phase increment (out of <see cref="Interpolation"/>) per output sample.</summary>
    public int StepFraction { get; }

    /// <summary>Filter length in input samples; a multiple of <see cref="FixedOrderDot.Granularity"/>.</summary>
    public int Taps { get; }

    /// <summary>Half of <see cref="Taps"/>: the look-ahead in input samples.</summary>
    public int HalfTaps { get; }

    /// <summary>Whether the table is the interpolated (not exact polyphase) form.</summary>
    public bool IsInterpolated { get; }

    /// <summary>Upper edge of the flat passband, in Hz.</summary>
    public double PassbandEdgeHz { get; }

    /// <summary>Lower edge of the stopband, in Hz.</summary>
    public double StopbandEdgeHz { get; }

    /// <summary>The sinc cutoff (middle of the transition band), in Hz.</summary>
    public double CutoffHz { get; }

    /// <summary>The Kaiser window's beta.</summary>
    public double Beta { get; }

    /// <summary>Size of the coefficient table in bytes.</summary>
    public long TableBytes => (long)_coefficients.Length * sizeof(float);

    /// <summary>Returns the shared filter for a rate pair, building it on first use (thread-safe).</summary>
    public static ResamplerFilter Get(int inputRate, int outputRate) =>
        s_cache.GetOrAdd(
            (inputRate, outputRate),
            static key => new Lazy<ResamplerFilter>(() => new ResamplerFilter(key.InputRate, key.OutputRate))).Value;

    /// <summary>
    /// Computes one output sample from the <see cref="Taps"/> input samples of its window and its integer phase.
    /// </summary>
    /// <param name="window">Input samples <c>i − HalfTaps + 1 … i + HalfTaps</c>, where <c>i</c> is the integer part of the output instant.</param>
    /// <param name="phase">The fractional part of the output instant, in units of 1/<see cref="Interpolation"/>.</param>
    public float Evaluate(ReadOnlySpan<float> window, int phase)
    {
        if (!IsInterpolated)
        {
            return FixedOrderDot.Dot(window, _coefficients.AsSpan(phase * Taps, Taps));
        }

        var scaled = (long)phase * InterpolatedPhases;
        var row = (int)(scaled / Interpolation);
        var remainder = (int)(scaled - ((long)row * Interpolation));
        var lower = FixedOrderDot.Dot(window, _coefficients.AsSpan(row * Taps, Taps));
        if (remainder == 0)
        {
            return lower;
        }

        var upper = FixedOrderDot.Dot(window, _coefficients.AsSpan((row + 1) * Taps, Taps));
        var weight = (float)((double)remainder / Interpolation);
        return lower + (weight * (upper - lower));
    }

    private static float[] BuildTable(int rows, int rowSpacing, double cutoff, int halfTaps, double beta)
    {
        var taps = 2 * halfTaps;
        var table = new float[rows * taps];
        var row = new double[taps];
        var besselBeta = BesselI0(beta);
        for (var r = 0; r < rows; r++)
        {
            // Coefficient j multiplies input sample i - halfTaps + 1 + j; its distance from the output instant
            // i + r/rowSpacing is halfTaps - 1 - j + r/rowSpacing input samples.
            var sum = 0.0;
            for (var j = 0; j < taps; j++)
            {
                var t = halfTaps - 1 - j + ((double)r / rowSpacing);
                row[j] = Kernel(t, cutoff, halfTaps, beta, besselBeta);
                sum += row[j];
            }

            for (var j = 0; j < taps; j++)
            {
                table[(r * taps) + j] = (float)(row[j] / sum);
            }
        }

        return table;
    }

    private static double Kernel(double t, double cutoff, int halfTaps, double beta, double besselBeta)
    {
        var u = t / halfTaps;
        if (u is < -1.0 or > 1.0)
        {
            return 0.0;
        }

        var x = 2.0 * cutoff * t;
        var sinc = Math.Abs(x) < 1e-12 ? 1.0 : Math.Sin(Math.PI * x) / (Math.PI * x);
        var window = BesselI0(beta * Math.Sqrt(1.0 - (u * u))) / besselBeta;
        return 2.0 * cutoff * sinc * window;
    }

    private static double BesselI0(double x)
    {
        // Power series of the zeroth-order modified Bessel function; converges quickly for x below ~20.
        var sum = 1.0;
        var term = 1.0;
        var halfX = x / 2.0;
        for (var k = 1; k < 200; k++)
        {
            term *= halfX / k * (halfX / k);
            sum += term;
            if (term < sum * 1e-17)
            {
                break;
            }
        }

        return sum;
    }

    private static int GreatestCommonDivisor(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }
}
