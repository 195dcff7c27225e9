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

    /// <summary>How the learning rate changes after warm-up. Default constant.</summary>
    public LearningRateScheduleKind Schedule { get; init; } = LearningRateScheduleKind.Constant;

    /// <summary>Epochs (fractional) of linear learning-rate warm-up from zero. Default 0.</summary>
    public double WarmupEpochs { get; init; }

    /// <summary>Time and frequency masking of training chunks; null or <see cref="SpecAugment.None"/> for none.</summary>
    public SpecAugment? SpecAugment { get; init; }

    /// <summary>Mixup's Beta parameter α; 0 (the default) for no mixup.</summary>
    public double MixupAlpha { get; init; }

    /// <summary>Label smoothing ε: training targets become (1 − ε) · target + ε / K. Default 0.</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Draw each epoch's clips with replacement, every class equally likely. Default off (each clip once).</summary>
    public bool BalancedSampling { get; init; }

    /// <summary>Decay of the exponential moving average of the weights that is evaluated and kept; 0 (default) for none.</summary>
    public double EmaDecay { get; init; }

    /// <summary>
    /// Before every development evaluation (and so for the kept weights the test uses), recompute the batch-norm
    /// statistics from this many clean training batches; 0 (the default) keeps the running averages of training.
    /// </summary>
    public int BatchNormRecalibrationBatches { get; init; }

    /// <summary>
    /// Chunks of each clip a training step encodes (a count, or a range drawn per step; see
    /// <see cref="Training.TrainChunks"/>); null (the default) encodes all K. Evaluation always uses all K.
    /// </summary>
    public TrainChunks? TrainChunks { get; init; }

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

        if (!(WarmupEpochs >= 0) || WarmupEpochs >= Epochs)
        {
            throw new ArgumentException($"The warm-up must be 0 or more epochs and shorter than the {Epochs} epochs; got {WarmupEpochs}.", nameof(WarmupEpochs));
        }

        if (!Enum.IsDefined(Schedule))
        {
            throw new ArgumentException($"{Schedule} is not a learning-rate schedule.", nameof(Schedule));
        }

        if (!(MixupAlpha >= 0) || !double.IsFinite(MixupAlpha))
        {
            throw new ArgumentException($"The mixup α must be 0 (off) or positive; got {MixupAlpha}.", nameof(MixupAlpha));
        }

        if (!(LabelSmoothing >= 0 && LabelSmoothing < 1))
        {
            throw new ArgumentException($"The label smoothing must be in [0, 1); got {LabelSmoothing}.", nameof(LabelSmoothing));
        }

        if (BatchNormRecalibrationBatches < 0)
        {
            throw new ArgumentException($"The batch-norm recalibration needs 0 or more batches; got {BatchNormRecalibrationBatches}.", nameof(BatchNormRecalibrationBatches));
        }

        TrainChunks?.Validate();
        if (!(EmaDecay >= 0 && EmaDecay < 1))
        {
            throw new ArgumentException($"The weight-average decay must be in [0, 1), 0 for none; got {EmaDecay}.", nameof(EmaDecay));
        }
    }

    /// <summary>
    /// The clips of one epoch, in order: with <see cref="BalancedSampling"/>, as many draws with replacement as there
    /// are clips, each class equally likely and the clips within a class uniformly; otherwise
    /// <see cref="EpochOrder(int, int)"/>. Depends only on the labels, the seed and the epoch.
    /// </summary>
    public int[] EpochOrder(IReadOnlyList<int> labels, int epoch)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (!BalancedSampling)
        {
            return EpochOrder(labels.Count, epoch);
        }

        var byClass = labels.Select((label, index) => (label, index)).GroupBy(static p => p.label).Select(static g => g.Select(static p => p.index).ToArray()).ToArray();
        var random = new Random(unchecked((int)((Seed * 1_000_003) + epoch + 7_919)));
        var order = new int[labels.Count];
        for (var i = 0; i < order.Length; i++)
        {
            var members = byClass[random.Next(byClass.Length)];
            order[i] = members[random.Next(members.Length)];
        }

        return order;
    }

    /// <summary>The clip order of one epoch: a seeded permutation that depends only on the seed and the epoch.</summary>
    public int[] EpochOrder(int count, int epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(unchecked((int)((Seed * 1_000_003) + epoch))).Shuffle(order);
        return order;
    }
}
