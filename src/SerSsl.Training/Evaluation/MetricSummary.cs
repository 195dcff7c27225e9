namespace SerSsl.Training.Evaluation;

/// <summary>
/// One metric summarised over partitions (or runs): the mean and the sample standard deviation.
/// </summary>
/// <param name="Mean">Arithmetic mean of the values.</param>
/// <param name="Std">Sample standard deviation (divisor N - 1); 0 when N is 1, where it is undefined.</param>
/// <param name="N">Number of values summarised, at least 1.</param>
internal sealed record MetricSummary(double Mean, double Std, int N)
{
    /// <summary>Summarises values, e.g. one metric's value on each partition.</summary>
    /// <param name="values">At least one value.</param>
    /// <exception cref="ArgumentException"><paramref name="values"/> is empty.</exception>
    public static MetricSummary FromValues(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var list = values.ToArray();
        if (list.Length == 0)
        {
            throw new ArgumentException("A summary needs at least one value.", nameof(values));
        }

        var mean = list.Average();
        if (list.Length == 1)
        {
            return new MetricSummary(mean, 0.0, 1);
        }

        var sumOfSquares = 0.0;
        foreach (var value in list)
        {
            sumOfSquares += (value - mean) * (value - mean);
        }

        return new MetricSummary(mean, Math.Sqrt(sumOfSquares / (list.Length - 1)), list.Length);
    }

    /// <summary>The change of this mean against a baseline's mean.</summary>
    /// <param name="baseline">The summary of the same metric under the baseline condition.</param>
    public MetricDelta Delta(MetricSummary baseline)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        var absolute = Mean - baseline.Mean;
        double? relative = baseline.Mean == 0.0 ? null : absolute / baseline.Mean;
        return new MetricDelta(absolute, relative);
    }
}

/// <summary>The change of a mean against a baseline mean.</summary>
/// <param name="Absolute">Mean minus baseline mean, in the metric's unit (for fractions, ×100 gives percentage points).</param>
/// <param name="Relative">
/// <paramref name="Absolute"/> divided by the baseline mean (×100 gives percent); null when the baseline mean is 0.
/// </param>
internal sealed record MetricDelta(double Absolute, double? Relative);
