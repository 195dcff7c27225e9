namespace SerSsl.LoadTest;

/// <summary>Percentiles by the nearest-rank method.</summary>
internal static class Stats
{
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    public static double[] Sorted(IEnumerable<double> values) => values.Where(double.IsFinite).Order().ToArray();
}
