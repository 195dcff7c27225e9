using SerSsl.Core.Labels;

namespace SerSsl.Synthesis;

/// <summary>The three rating modalities of CREMA-D's perception study; the value is the first digit of a vote row id.</summary>
internal enum VoteModality
{
    /// <summary>Raters heard the audio only.</summary>
    Voice = 1,

    /// <summary>Raters saw the video without sound.</summary>
    Face = 2,

    /// <summary>Raters saw and heard the clip.</summary>
    AudioVisual = 3,
}

/// <summary>
/// The simulated ratings of one clip in one modality: what a row of <c>tabulatedVotes.csv</c> holds. Arrays are in
/// CREMA-D's vote order A, D, F, H, N, S.
/// </summary>
/// <param name="Counts">Votes per emotion.</param>
/// <param name="MeanResponse">Mean raw intensity rating (0-100) of the votes for each emotion; -1 where none.</param>
/// <param name="MeanResponseNorm">Mean rater-normalised rating for each emotion; -1 where none.</param>
/// <param name="MeanAll">Mean raw rating over all votes (<c>meanEmoResp</c>).</param>
/// <param name="MedianAll">Median raw rating (<c>medianEmoResp</c>).</param>
/// <param name="MeanAllNorm">Mean normalised rating (<c>meanEmoRespNorm</c>).</param>
/// <param name="MedianAllNorm">Median normalised rating (<c>medianEmoRespNorm</c>).</param>
internal sealed record VoteTally(
    int[] Counts,
    double[] MeanResponse,
    double[] MeanResponseNorm,
    double MeanAll,
    double MedianAll,
    double MeanAllNorm,
    double MedianAllNorm)
{
    /// <summary>Number of raters (<c>numResponses</c>).</summary>
    public int Responses => Counts.Sum();

    /// <summary>The largest vote count.</summary>
    public int MaxCount => Counts.Max();

    /// <summary>Share of votes for the winner(s) (<c>agreement</c>).</summary>
    public double Agreement => (double)MaxCount / Responses;

    /// <summary>Indices of the emotions with the most votes (more than one on a tie).</summary>
    public IReadOnlyList<int> Winners => [.. Enumerable.Range(0, Counts.Length).Where(i => Counts[i] == MaxCount)];

    /// <summary>The winning letters joined by ':' as CREMA-D writes them (<c>N</c>, <c>N:S</c>, ...).</summary>
    public string EmoVote => string.Join(':', Winners.Select(i => CremaDEmotion.VoteLetters[i]));
}

/// <summary>
/// Simulates CREMA-D's crowd ratings of a clip: each rater picks one emotion and rates its intensity (0-100).
/// </summary>
/// <remarks>
/// A rater picks the intended emotion with probability p = base(modality, emotion) × clarity, where clarity grows
/// with the intensity the clip was rendered with (LO clips are recognised less often than HI ones) and varies per
/// clip; otherwise the rater picks a confusion drawn from a fixed row per intended emotion (mostly neutral, and
/// NEU↔SAD, ANG↔DIS, FEA↔SAD, DIS↔NEU as in the real tables). With 7-12 raters per clip this makes the
/// intended emotion win most clips, another emotion win some, and ties (no strict majority) appear in a few percent.
/// Raw ratings are integers from a per-vote intensity plus a rater bias; normalised ratings leave out the bias.
/// </remarks>
internal static class VoteSimulator
{
    // Base recognition rates (A D F H N S) per modality: voice is hardest, as in CREMA-D.
    private static readonly double[][] s_baseRecognition =
    [
        [0.46, 0.40, 0.42, 0.46, 0.62, 0.42],
        [0.58, 0.52, 0.50, 0.66, 0.70, 0.48],
        [0.62, 0.55, 0.55, 0.65, 0.72, 0.52],
    ];

    // Where the other votes go, per intended emotion (rows and columns A D F H N S; the diagonal is unused).
    private static readonly double[][] s_confusion =
    [
        [0, 0.30, 0.08, 0.07, 0.50, 0.05],
        [0.18, 0, 0.10, 0.04, 0.50, 0.18],
        [0.08, 0.10, 0, 0.05, 0.45, 0.32],
        [0.08, 0.04, 0.08, 0, 0.75, 0.05],
        [0.12, 0.18, 0.12, 0.13, 0, 0.45],
        [0.03, 0.12, 0.25, 0.02, 0.58, 0],
    ];

    private static readonly int s_neutral = CremaDEmotion.IndexOfCode("NEU");

    // numResponses in the real tables: mostly 9 or 10, from 4 to 12.
    private static readonly double[] s_responseWeights = [0, 0, 0, 0, 0.001, 0.003, 0.01, 0.025, 0.09, 0.31, 0.5, 0.065, 0.002];

    /// <summary>Simulates one clip's votes in one modality.</summary>
    /// <param name="intended">The intended emotion's index in CREMA-D's order (A D F H N S).</param>
    /// <param name="level">The clip's level code (LO, MD, HI, XX), which sets the typical intensity rating.</param>
    /// <param name="expressedIntensity">The intensity the clip was rendered with (about 0.3-1.5).</param>
    /// <param name="modality">The rating modality.</param>
    /// <param name="random">A random source for this clip and modality.</param>
    public static VoteTally Simulate(int intended, string level, double expressedIntensity, VoteModality modality, SynthRandom random)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(intended);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(intended, CremaDEmotion.Count);
        ArgumentNullException.ThrowIfNull(random);
        var responses = random.Categorical(s_responseWeights);
        var isNeutral = intended == s_neutral;
        var clarity = isNeutral ? 1.0 : 0.6 + (0.45 * expressedIntensity);
        var p = Math.Clamp(s_baseRecognition[(int)modality - 1][intended] * clarity * random.Uniform(0.8, 1.2), 0.12, 0.95);
        var intendedMean = isNeutral ? 62 : level switch
        {
            "LO" => 42,
            "MD" => 55,
            "HI" => 68,
            _ => 55,
        };

        var counts = new int[CremaDEmotion.Count];
        var raw = new List<(int Emotion, double Rating, double Norm)>(responses);
        for (var r = 0; r < responses; r++)
        {
            var emotion = random.Chance(p) ? intended : random.Categorical(s_confusion[intended]);
            counts[emotion]++;
            var mean = emotion == intended ? intendedMean : emotion == s_neutral ? 58 : 45;
            var latent = random.Normal(mean, 18);
            var bias = random.Normal(0, 9);
            var rating = Math.Clamp(Math.Round(latent + bias), 0, 100);
            var norm = Math.Clamp(latent + random.Normal(0, 4), 0, 100);
            raw.Add((emotion, rating, norm));
        }

        var meanResponse = new double[CremaDEmotion.Count];
        var meanNorm = new double[CremaDEmotion.Count];
        for (var e = 0; e < CremaDEmotion.Count; e++)
        {
            var votes = raw.Where(v => v.Emotion == e).ToList();
            meanResponse[e] = votes.Count == 0 ? -1 : votes.Average(v => v.Rating);
            meanNorm[e] = votes.Count == 0 ? -1 : votes.Average(v => v.Norm);
        }

        return new VoteTally(
            counts,
            meanResponse,
            meanNorm,
            raw.Average(v => v.Rating),
            Median([.. raw.Select(v => v.Rating)]),
            raw.Average(v => v.Norm),
            Median([.. raw.Select(v => v.Norm)]));
    }

    private static double Median(double[] values)
    {
        Array.Sort(values);
        var mid = values.Length / 2;
        return values.Length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
}
