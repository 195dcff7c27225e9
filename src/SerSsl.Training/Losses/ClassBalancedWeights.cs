namespace SerSsl.Training.Losses;

/// <summary>
/// Per-class weights of the class-balanced loss (Cui et al., "Class-Balanced Loss Based on Effective Number of
/// Samples", CVPR 2019): <c>w_k = (1 - β) / (1 - β^{n_k})</c>, the inverse of the effective number of samples of a
/// class with n_k samples, then scaled so that the K weights sum to K.
/// </summary>
internal static class ClassBalancedWeights
{
    /// <summary>The default β, 0.999.</summary>
    public const double DefaultBeta = 0.999;

    /// <summary>
    /// Weights from class counts. A class with no samples gets weight 0 (it has no effective number; hard-label
    /// losses never use its weight) and the others are scaled so that all K weights sum to K. β = 0 gives equal
    /// weights; β → 1 approaches inverse class frequency.
    /// </summary>
    /// <param name="counts">Training samples per class, K values, non-negative, at least one positive.</param>
    /// <param name="beta">β in [0, 1).</param>
    /// <returns>K weights, summing to K.</returns>
    /// <exception cref="ArgumentException"><paramref name="counts"/> is empty, negative or all zero.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="beta"/> is outside [0, 1).</exception>
    public static double[] FromCounts(IReadOnlyList<long> counts, double beta = DefaultBeta)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentOutOfRangeException.ThrowIfNegative(beta);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(beta, 1.0);
        if (counts.Count == 0 || counts.Any(c => c < 0) || counts.All(c => c == 0))
        {
            throw new ArgumentException($"Class counts must be non-negative with at least one positive; got [{string.Join(", ", counts)}].", nameof(counts));
        }

        var weights = new double[counts.Count];
        for (var k = 0; k < counts.Count; k++)
        {
            weights[k] = counts[k] == 0 ? 0.0 : (1.0 - beta) / (1.0 - Math.Pow(beta, counts[k]));
        }

        var scale = counts.Count / weights.Sum();
        for (var k = 0; k < weights.Length; k++)
        {
            weights[k] *= scale;
        }

        return weights;
    }

    /// <summary>Counts hard labels per class.</summary>
    /// <param name="labels">Class indices in [0, <paramref name="classCount"/>).</param>
    /// <param name="classCount">Number of classes K.</param>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, K).</exception>
    public static long[] CountLabels(IEnumerable<int> labels, int classCount)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        var counts = new long[classCount];
        foreach (var label in labels)
        {
            if (label < 0 || label >= classCount)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"Label {label} is outside [0, {classCount}).");
            }

            counts[label]++;
        }

        return counts;
    }
}
