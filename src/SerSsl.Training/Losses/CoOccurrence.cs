namespace SerSsl.Training.Losses;

/// <summary>How one clip's votes add to the co-occurrence counts.</summary>
internal enum CoOccurrenceCounting
{
    /// <summary>
    /// Each clip adds <c>min(v_i, v_j)</c> to C[i, j]: the number of vote pairs that can be matched between the two
    /// emotions, so a 5-5 split counts more than a 9-1 split. On the diagonal this is v_i, the clip's votes for i.
    /// </summary>
    MinVotes,

    /// <summary>
    /// Each clip adds 1 to C[i, j] when both i and j got at least one vote. On the diagonal this counts the clips
    /// where i got votes.
    /// </summary>
    Presence,
}

/// <summary>How co-occurrence counts become rates in [0, 1].</summary>
internal enum CoOccurrenceNormalisation
{
    /// <summary>
    /// <c>R[i, j] = C[i, j] / sqrt(C[i, i] · C[j, j])</c> (the cosine or Ochiai coefficient): symmetric, 1 on the
    /// diagonal, and 0 where a class received no votes at all. Under both counting rules C[i, j] ≤ min(C[i, i], C[j, j]),
    /// so R ≤ 1.
    /// </summary>
    Cosine,

    /// <summary>
    /// <c>R[i, j] = C[i, j] / max over a ≠ b of C[a, b]</c> for i ≠ j, so the most co-occurring pair has rate 1 and
    /// penalty 0; the diagonal is 1.
    /// </summary>
    MaxOffDiagonal,
}

/// <summary>
/// How often emotions co-occur in the annotations of individual clips, counted from per-clip vote vectors, and the
/// class-dependent penalty matrix of the co-occurrence penalisation loss derived from it.
/// </summary>
/// <remarks>
/// <para>For a K-class problem each clip contributes its vote count vector v (v_k = votes for class k; for CREMA-D
/// K = 6 in the order A, D, F, H, N, S of its vote tables). The counts are <c>C[i, j] = Σ_clips f(v_i, v_j)</c> with
/// f = min (<see cref="CoOccurrenceCounting.MinVotes"/>, the default) or f = [v_i &gt; 0 and v_j &gt; 0]
/// (<see cref="CoOccurrenceCounting.Presence"/>); the same formula gives the diagonal. C is symmetric.</para>
/// <para>Rates R follow <see cref="CoOccurrenceNormalisation"/>. The penalty is <c>P[i, j] = scale · (1 - R[i, j])</c>
/// for i ≠ j and <c>P[i, i] = 0</c>: confusing two emotions that rarely share a clip's votes costs up to
/// <c>scale</c>, confusing two that often do costs little.</para>
/// </remarks>
internal sealed class CoOccurrence
{
    private readonly long[,] _counts;

    private CoOccurrence(long[,] counts, int clipCount, CoOccurrenceCounting counting)
    {
        _counts = counts;
        ClipCount = clipCount;
        Counting = counting;
    }

    /// <summary>Number of classes K.</summary>
    public int ClassCount => _counts.GetLength(0);

    /// <summary>Number of vote vectors counted, including clips without any vote.</summary>
    public int ClipCount { get; }

    /// <summary>The counting rule used.</summary>
    public CoOccurrenceCounting Counting { get; }

    /// <summary>The co-occurrence count C[i, j] (symmetric).</summary>
    public long this[int i, int j] => _counts[i, j];

    /// <summary>Counts co-occurrence from per-clip vote vectors (see the remarks of this type).</summary>
    /// <param name="votes">
    /// One vector per clip (one annotation table row) of non-negative vote counts per class, all the same length K ≥ 2;
    /// for CREMA-D the columns A, D, F, H, N, S of <c>tabulatedVotes.csv</c>.
    /// </param>
    /// <param name="counting">How a clip's votes add to the counts.</param>
    /// <exception cref="ArgumentException">No vectors, vectors of different lengths or shorter than 2, or a negative count.</exception>
    public static CoOccurrence FromVotes(IEnumerable<int[]> votes, CoOccurrenceCounting counting = CoOccurrenceCounting.MinVotes)
    {
        ArgumentNullException.ThrowIfNull(votes);
        long[,]? counts = null;
        var clips = 0;
        foreach (var clip in votes)
        {
            ArgumentNullException.ThrowIfNull(clip, nameof(votes));
            counts ??= clip.Length >= 2
                ? new long[clip.Length, clip.Length]
                : throw new ArgumentException($"Vote vectors need at least 2 classes; the first has {clip.Length}.", nameof(votes));
            var k = counts.GetLength(0);
            if (clip.Length != k)
            {
                throw new ArgumentException($"Vote vector {clips} has {clip.Length} classes; the first had {k}.", nameof(votes));
            }

            for (var i = 0; i < k; i++)
            {
                if (clip[i] < 0)
                {
                    throw new ArgumentException($"Vote vector {clips} has a negative count {clip[i]} for class {i}.", nameof(votes));
                }
            }

            for (var i = 0; i < k; i++)
            {
                for (var j = 0; j < k; j++)
                {
                    counts[i, j] += counting == CoOccurrenceCounting.MinVotes
                        ? Math.Min(clip[i], clip[j])
                        : (clip[i] > 0 && clip[j] > 0 ? 1 : 0);
                }
            }

            clips++;
        }

        return counts is null
            ? throw new ArgumentException("No vote vectors to count.", nameof(votes))
            : new CoOccurrence(counts, clips, counting);
    }

    /// <summary>Co-occurrence rates R in [0, 1], K×K, symmetric (see <see cref="CoOccurrenceNormalisation"/>).</summary>
    public double[,] Rates(CoOccurrenceNormalisation normalisation = CoOccurrenceNormalisation.Cosine)
    {
        var k = ClassCount;
        var rates = new double[k, k];
        long maxOffDiagonal = 0;
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < k; j++)
            {
                if (i != j)
                {
                    maxOffDiagonal = Math.Max(maxOffDiagonal, _counts[i, j]);
                }
            }
        }

        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < k; j++)
            {
                rates[i, j] = normalisation switch
                {
                    CoOccurrenceNormalisation.Cosine => _counts[i, i] == 0 || _counts[j, j] == 0
                        ? 0.0
                        : _counts[i, j] / Math.Sqrt((double)_counts[i, i] * _counts[j, j]),
                    CoOccurrenceNormalisation.MaxOffDiagonal => i == j ? 1.0 : maxOffDiagonal == 0 ? 0.0 : (double)_counts[i, j] / maxOffDiagonal,
                    _ => throw new ArgumentOutOfRangeException(nameof(normalisation), normalisation, "Unknown normalisation."),
                };
            }
        }

        return rates;
    }

    /// <summary>
    /// The penalty matrix P, K×K: <c>P[i, j] = scale · (1 - R[i, j])</c> for i ≠ j and 0 on the diagonal; row i holds
    /// the cost of predicting each class when the truth is i.
    /// </summary>
    /// <param name="scale">Largest penalty, positive (default 1).</param>
    /// <param name="normalisation">How counts become rates.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scale"/> is not positive.</exception>
    public double[,] Penalty(double scale = 1.0, CoOccurrenceNormalisation normalisation = CoOccurrenceNormalisation.Cosine)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale);
        var rates = Rates(normalisation);
        var k = ClassCount;
        var penalty = new double[k, k];
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < k; j++)
            {
                penalty[i, j] = i == j ? 0.0 : scale * (1.0 - rates[i, j]);
            }
        }

        return penalty;
    }
}
