using SerSsl.Core.Labels;

namespace SerSsl.Training.Data.CremaD;

/// <summary>
/// The raters' votes for one clip in one modality: how many chose each emotion, in <see cref="CremaDEmotion"/> order
/// (A, D, F, H, N, S = anger, disgust, fear, happiness, neutral, sadness).
/// </summary>
internal sealed class VoteCounts
{
    private readonly int[] _counts;

    /// <summary>Creates a vote vector.</summary>
    /// <param name="counts">Six non-negative counts in <see cref="CremaDEmotion"/> order; copied.</param>
    /// <exception cref="ArgumentException">Not six counts, or a count is negative.</exception>
    public VoteCounts(ReadOnlySpan<int> counts)
    {
        if (counts.Length != CremaDEmotion.Count)
        {
            throw new ArgumentException($"Expected {CremaDEmotion.Count} vote counts, got {counts.Length}.", nameof(counts));
        }

        var total = 0;
        foreach (var c in counts)
        {
            if (c < 0)
            {
                throw new ArgumentException($"Vote counts must not be negative (got {c}).", nameof(counts));
            }

            total += c;
        }

        _counts = counts.ToArray();
        Total = total;
    }

    /// <summary>The six counts in <see cref="CremaDEmotion"/> order.</summary>
    public ReadOnlySpan<int> Counts => _counts;

    /// <summary>The number of responses (the sum of the counts; equals <c>numResponses</c> in the CSV).</summary>
    public int Total { get; }

    /// <summary>The count for one emotion.</summary>
    /// <param name="emotion">A class index in <see cref="CremaDEmotion"/> order.</param>
    public int this[int emotion] => _counts[emotion];

    /// <summary>The votes as a distribution summing to 1 (all zeros when there are no votes).</summary>
    public float[] ToDistribution()
    {
        var result = new float[_counts.Length];
        if (Total > 0)
        {
            for (var i = 0; i < result.Length; i++)
            {
                result[i] = (float)_counts[i] / Total;
            }
        }

        return result;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        string.Join(' ', CremaDEmotion.VoteLetters.Select((letter, i) => $"{letter}={_counts[i]}"));
}
