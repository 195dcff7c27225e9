namespace SerSsl.Training.Training;

/// <summary>Optimisation settings shared by pre-training and fine-tuning.</summary>
internal sealed record TrainingSettings
{
    /// <summary>Maximum number of epochs.</summary>
    public int Epochs { get; init; } = 20;

    /// <summary>Clips per batch.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Adam weight decay (L2).</summary>
    public double WeightDecay { get; init; } = 1e-4;

    /// <summary>Fine-tuning stops after this many epochs without a better development macro F1.</summary>
    public int Patience { get; init; } = 5;

    /// <summary>Seed of weights, shuffling and dropout; the same seed and data give the same run.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Epochs < 1)
        {
            throw new ArgumentException($"Epochs must be at least 1; got {Epochs}.", nameof(Epochs));
        }

        if (BatchSize < 1)
        {
            throw new ArgumentException($"The batch size must be at least 1; got {BatchSize}.", nameof(BatchSize));
        }

        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
        {
            throw new ArgumentException($"The learning rate must be positive; got {LearningRate}.", nameof(LearningRate));
        }

        if (WeightDecay < 0 || !double.IsFinite(WeightDecay))
        {
            throw new ArgumentException($"The weight decay must be 0 or more; got {WeightDecay}.", nameof(WeightDecay));
        }

        if (Patience < 1)
        {
            throw new ArgumentException($"The patience must be at least 1; got {Patience}.", nameof(Patience));
        }
    }

    /// <summary>The clip order of one epoch: a seeded permutation that depends only on the seed and the epoch.</summary>
    public int[] EpochOrder(int count, int epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(unchecked((int)((Seed * 1_000_003) + epoch))).Shuffle(order);
        return order;
    }
}
