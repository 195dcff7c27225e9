using System.Globalization;

namespace SerSsl.Training.Evaluation;

/// <summary>
/// A paired comparison of two conditions over the same splits: the per-split differences, their mean and sample
/// standard deviation, and the paired t-test on them (t = mean / (std / sqrt(n)), n - 1 degrees of freedom,
/// two-sided p-value from Student's t distribution). With the five folds of a cross-validation the test is only as
/// good as the folds are independent; it says whether a difference is consistent across speakers, not more.
/// </summary>
/// <param name="Differences">Condition minus reference, one per split, in split order.</param>
/// <param name="Mean">Mean difference.</param>
/// <param name="Std">Sample standard deviation of the differences (0 for a single split).</param>
/// <param name="T">The t statistic, or null when it is undefined (fewer than two splits, or identical differences).</param>
/// <param name="P">Two-sided p-value, or null with <paramref name="T"/>.</param>
internal sealed record PairedComparison(IReadOnlyList<double> Differences, double Mean, double Std, double? T, double? P)
{
    /// <summary>Degrees of freedom of the test: splits - 1.</summary>
    public int DegreesOfFreedom => Differences.Count - 1;

    /// <summary>The mean difference ± its standard deviation in percentage points, e.g. <c>+6.7 ± 2.4</c>.</summary>
    public string FormatMeanStd() =>
        string.Create(CultureInfo.InvariantCulture, $"{Mean * 100:+0.0;-0.0;0.0} ± {Std * 100:F1}");

    /// <summary>The p-value with three decimals, or in exponent form below 0.001; <c>-</c> when there is no test.</summary>
    public string FormatP() =>
        P is { } p ? p.ToString(p < 0.001 ? "E1" : "F3", CultureInfo.InvariantCulture) : "-";

    /// <summary>Compares <paramref name="values"/> with <paramref name="reference"/>, split by split.</summary>
    /// <param name="values">The condition's value on each split.</param>
    /// <param name="reference">The reference's value on the same splits, in the same order.</param>
    /// <exception cref="ArgumentException">The lists differ in length or are empty.</exception>
    public static PairedComparison Of(IReadOnlyList<double> values, IReadOnlyList<double> reference)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(reference);
        if (values.Count != reference.Count || values.Count == 0)
        {
            throw new ArgumentException($"A paired comparison needs the same splits on both sides, at least one; got {values.Count} and {reference.Count}.", nameof(values));
        }

        var differences = values.Zip(reference, static (v, r) => v - r).ToArray();
        var n = differences.Length;
        var mean = differences.Average();
        var std = n > 1 ? Math.Sqrt(differences.Sum(d => (d - mean) * (d - mean)) / (n - 1)) : 0;
        if (n < 2 || std == 0)
        {
            return new PairedComparison(differences, mean, std, null, null);
        }

        var t = mean / (std / Math.Sqrt(n));
        return new PairedComparison(differences, mean, std, t, StudentTTwoSidedP(t, n - 1));
    }

    /// <summary>P(|T| ≥ |t|) for Student's t with <paramref name="degreesOfFreedom"/> degrees of freedom.</summary>
    /// <param name="t">The statistic; finite.</param>
    /// <param name="degreesOfFreedom">At least 1.</param>
    public static double StudentTTwoSidedP(double t, int degreesOfFreedom)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degreesOfFreedom, 1);
        if (!double.IsFinite(t))
        {
            throw new ArgumentOutOfRangeException(nameof(t), t, "The t statistic must be finite.");
        }

        var v = (double)degreesOfFreedom;
        return RegularizedIncompleteBeta(v / (v + (t * t)), v / 2, 0.5);
    }

    /// <summary>I_x(a, b), by the continued fraction of the incomplete beta function (modified Lentz's method).</summary>
    internal static double RegularizedIncompleteBeta(double x, double a, double b)
    {
        if (x <= 0)
        {
            return 0;
        }

        if (x >= 1)
        {
            return 1;
        }

        // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) beyond.
        if (x > (a + 1) / (a + b + 2))
        {
            return 1 - RegularizedIncompleteBeta(1 - x, b, a);
        }

        var logFront = (a * Math.Log(x)) + (b * Math.Log(1 - x)) - LogBeta(a, b);
        const double tiny = 1e-300;
        var c = 1.0;
        var d = 1 - ((a + b) * x / (a + 1));
        d = Math.Abs(d) < tiny ? tiny : d;
        d = 1 / d;
        var f = d;
        for (var m = 1; m <= 300; m++)
        {
            // Even step.
            var numerator = m * (b - m) * x / ((a + (2 * m) - 1) * (a + (2 * m)));
            d = 1 + (numerator * d);
            d = Math.Abs(d) < tiny ? tiny : d;
            c = 1 + (numerator / c);
            c = Math.Abs(c) < tiny ? tiny : c;
            d = 1 / d;
            f *= d * c;

            // Odd step.
            numerator = -(a + m) * (a + b + m) * x / ((a + (2 * m)) * (a + (2 * m) + 1));
            d = 1 + (numerator * d);
            d = Math.Abs(d) < tiny ? tiny : d;
            c = 1 + (numerator / c);
            c = Math.Abs(c) < tiny ? tiny : c;
            d = 1 / d;
            var delta = d * c;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-15)
            {
                break;
            }
        }

        return Math.Exp(logFront) * f / a;
    }

    private static double LogBeta(double a, double b) => LogGamma(a) + LogGamma(b) - LogGamma(a + b);

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos approximation, g = 7, nine coefficients; relative error below 1e-13).</summary>
    internal static double LogGamma(double x)
    {
        if (x < 0.5)
        {
            // Reflection: Γ(x) Γ(1 - x) = π / sin(πx).
            return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        }

        ReadOnlySpan<double> g =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        x -= 1;
        var sum = g[0];
        for (var i = 1; i < g.Length; i++)
        {
            sum += g[i] / (x + i);
        }

        var t = x + 7.5;
        return (0.5 * Math.Log(2 * Math.PI)) + ((x + 0.5) * Math.Log(t)) - t + Math.Log(sum);
    }
}
