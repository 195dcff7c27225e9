namespace SerSsl.Synthesis;

/// <summary>
/// The EMFACS-style action-unit combination of each <see cref="SynthEmotion"/> as the synthetic face renders it
/// (the same combinations as the AU pretext task): happiness 6+12; sadness 1+4+15; surprise 1+2+5+26;
/// fear 1+2+4+5+7+20+26; anger 4+5+7+23; disgust 9+15 (OpenFace has no AU16); contempt 12+14; neutral none.
/// </summary>
/// <remarks>
/// The core AUs of a pattern are always activated in a clip of that emotion; each other AU of the pattern is activated
/// with probability <see cref="OptionalProbability"/>, so some clips show only a partial combination, as real
/// faces and real AU detectors do.
/// </remarks>
internal static class ActionUnitPatterns
{
    /// <summary>Probability that a non-core AU of the pattern is activated in a clip.</summary>
    public const double OptionalProbability = 0.8;

    /// <summary>The full combination of <paramref name="emotion"/> (empty for neutral).</summary>
    public static IReadOnlyList<int> Combination(SynthEmotion emotion) => emotion switch
    {
        SynthEmotion.Neutral => [],
        SynthEmotion.Happiness => [6, 12],
        SynthEmotion.Sadness => [1, 4, 15],
        SynthEmotion.Surprise => [1, 2, 5, 26],
        SynthEmotion.Fear => [1, 2, 4, 5, 7, 20, 26],
        SynthEmotion.Anger => [4, 5, 7, 23],
        SynthEmotion.Disgust => [9, 15],
        SynthEmotion.Contempt => [12, 14],
        _ => throw new ArgumentOutOfRangeException(nameof(emotion), emotion, null),
    };

    /// <summary>The AUs of the combination that every clip of <paramref name="emotion"/> shows.</summary>
    public static IReadOnlyList<int> Core(SynthEmotion emotion) => emotion switch
    {
        SynthEmotion.Neutral => [],
        SynthEmotion.Happiness => [6, 12],
        SynthEmotion.Sadness => [1, 15],
        SynthEmotion.Surprise => [1, 2],
        SynthEmotion.Fear => [1, 4, 20],
        SynthEmotion.Anger => [4, 7],
        SynthEmotion.Disgust => [9, 15],
        SynthEmotion.Contempt => [12, 14],
        _ => throw new ArgumentOutOfRangeException(nameof(emotion), emotion, null),
    };
}
