namespace SerSsl.Training.Pretext;

/// <summary>
/// Splits chunk values into high (1) and low (0) at a threshold fitted as the median over a pre-training corpus,
/// as the energy-variation and facial-activation pretext tasks define their labels: high when the value is at or
/// above the median, else low. Values that are NaN (chunks that could not be measured) are left out of the fit and
/// masked when labelling.
/// </summary>
/// <remarks>
/// The median of n values is the middle value after sorting when n is odd and the mean of the two middle values when
/// n is even. Fitting on the chunk values exactly as the training chunker produces them (overlapping chunks
/// included) gives the balanced split of the chunks the loss actually sees.
/// </remarks>
internal sealed class MedianSplitLabeler
{
    /// <summary>Creates a labeler with a known threshold (a median fitted earlier and stored in a checkpoint).</summary>
    /// <param name="threshold">The split point; finite.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threshold"/> is not finite.</exception>
    public MedianSplitLabeler(float threshold)
    {
        if (!float.IsFinite(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The median-split threshold must be finite.");
        }

        Threshold = threshold;
    }

    /// <summary>The split point: values at or above it are high.</summary>
    public float Threshold { get; }

    /// <summary>Fits the threshold as the median of every finite chunk value of a corpus.</summary>
    /// <param name="chunkValues">The chunk values of each clip (e.g. <see cref="EnergyVariation.ChunkValues"/>); NaN entries are ignored.</param>
    /// <returns>A labeler whose <see cref="Threshold"/> is the corpus median.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="chunkValues"/> or one of its arrays is null.</exception>
    /// <exception cref="ArgumentException">The corpus holds no finite value, or an infinite one.</exception>
    public static MedianSplitLabeler Fit(IEnumerable<float[]> chunkValues)
    {
        ArgumentNullException.ThrowIfNull(chunkValues);
        var all = new List<float>();
        foreach (var clip in chunkValues)
        {
            ArgumentNullException.ThrowIfNull(clip, nameof(chunkValues));
            foreach (var value in clip)
            {
                if (float.IsNaN(value))
                {
                    continue;
                }

                if (float.IsInfinity(value))
                {
                    throw new ArgumentException($"A chunk value is {value}; chunk values must be finite or NaN (not measured).", nameof(chunkValues));
                }

                all.Add(value);
            }
        }

        if (all.Count == 0)
        {
            throw new ArgumentException("The corpus has no measured chunk value to take a median of (every chunk was masked, or there were no clips).", nameof(chunkValues));
        }

        return new MedianSplitLabeler(Median(all));
    }

    /// <summary>The median of <paramref name="values"/> (finite, not empty); the list is sorted in place.</summary>
    internal static float Median(List<float> values)
    {
        values.Sort();
        var n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (float)((values[(n / 2) - 1] + (double)values[n / 2]) / 2.0);
    }

    /// <summary>1 when <paramref name="value"/> is at or above <see cref="Threshold"/>, else 0 (also for NaN).</summary>
    /// <param name="value">A chunk value.</param>
    public float Label(float value) => value >= Threshold ? 1f : 0f;

    /// <summary>Labels the chunks of one clip.</summary>
    /// <param name="chunkValues">The clip's chunk values; NaN where a chunk could not be measured (masked).</param>
    /// <returns>Values (copied), targets and mask, one entry per chunk.</returns>
    public BinaryChunkLabels Label(ReadOnlySpan<float> chunkValues)
    {
        var values = chunkValues.ToArray();
        var targets = new float[values.Length];
        var mask = new float[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            if (float.IsNaN(values[i]))
            {
                continue;
            }

            mask[i] = 1f;
            targets[i] = Label(values[i]);
        }

        return new BinaryChunkLabels(values, targets, mask);
    }
}
