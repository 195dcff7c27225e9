using SerSsl.Training.Losses;

namespace SerSsl.Training.Training;

/// <summary>The fine-tuning loss.</summary>
internal enum EmotionLossKind
{
    /// <summary>Plain cross-entropy.</summary>
    CrossEntropy,

    /// <summary>Class-balanced cross-entropy (effective number of samples, beta 0.999).</summary>
    ClassBalanced,

    /// <summary>Cross-entropy plus the co-occurrence penalty computed from the training clips' vote table.</summary>
    CoOccurrence,
}

/// <summary>Creates the loss object of an <see cref="EmotionLossKind"/> from the training data.</summary>
internal static class EmotionLossFactory
{
    /// <summary>The command-line names: <c>ce</c>, <c>balanced</c>, <c>cooccurrence</c>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["ce", "balanced", "cooccurrence"];

    public static EmotionLossKind Parse(string name) => name switch
    {
        "ce" => EmotionLossKind.CrossEntropy,
        "balanced" => EmotionLossKind.ClassBalanced,
        "cooccurrence" => EmotionLossKind.CoOccurrence,
        _ => throw new ArgumentException($"Unknown loss '{name}'; use one of {string.Join(", ", Names)}.", nameof(name)),
    };

    public static IEmotionLoss Create(EmotionLossKind kind, EmotionData data, int classCount, double coOccurrenceLambda = 1.0)
    {
        switch (kind)
        {
            case EmotionLossKind.CrossEntropy:
                return new EmotionCrossEntropy();
            case EmotionLossKind.ClassBalanced:
                var counts = new long[classCount];
                foreach (var example in data.Train)
                {
                    counts[example.Label]++;
                }

                return ClassBalancedCrossEntropy.FromCounts(counts);
            case EmotionLossKind.CoOccurrence:
                if (data.TrainVotes.Count == 0)
                {
                    throw new InvalidOperationException("The co-occurrence loss needs the vote table (tabulatedVotes.csv) beside the CREMA-D clips; none of the training clips has votes.");
                }

                return CoOccurrencePenaltyLoss.FromCoOccurrence(CoOccurrence.FromVotes(data.TrainVotes), coOccurrenceLambda);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }
}
