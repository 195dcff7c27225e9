using SerSsl.Training.Diagnostics;
using SerSsl.Core.Evaluation;
using SerSsl.Core.Labels;
using SerSsl.Training.Evaluation;
using SerSsl.Training.Losses;
using SerSsl.Training.Models;
using static TorchSharp.torch;

namespace SerSsl.Training.Training;

/// <summary>
/// Fine-tuning for speech emotion recognition: encoder, aggregator and emotion head trained on the labeled training
/// set, optionally starting from a pre-trained encoder; the development macro F1 after each epoch decides the best
/// weights and early stopping. A checkpoint is written after every epoch; a run started again on the same folder
/// resumes after the last one.
/// </summary>
internal sealed class FineTuner
{
    /// <summary>The averaged weights (with <see cref="TrainingSettings.EmaDecay"/>) after the last finished epoch.</summary>
    public const string AverageFile = "ema.pt";

    private readonly TrainingProgress _progress;

    public FineTuner(TrainingProgress progress)
    {
        _progress = progress;
    }

    /// <summary>Trains and returns the final checkpoint state; <c>best.pt</c> then holds the best epoch's weights.</summary>
    /// <param name="data">The partition's sets.</param>
    /// <param name="modelOptions">The architecture; its encoder must match <paramref name="initEncoder"/>'s.</param>
    /// <param name="settings">Optimisation and early-stopping settings.</param>
    /// <param name="lossKind">The training loss.</param>
    /// <param name="initEncoder">A pre-trained encoder state (<c>encoder.pt</c>), or null to start from random weights.</param>
    /// <param name="outputDirectory">The checkpoint folder.</param>
    /// <param name="provenance">Recorded in the checkpoint.</param>
    /// <param name="cancellationToken">Stops after the current batch; the last complete epoch stays saved.</param>
    /// <param name="softLabels">Train (and compute the development loss) on the clips' label distributions instead of
    /// their hard labels; model selection still uses the development macro F1 of the hard labels.</param>
    public CheckpointState Run(EmotionData data, ModelOptions modelOptions, TrainingSettings settings, EmotionLossKind lossKind, string? initEncoder, string outputDirectory, IReadOnlyDictionary<string, string> provenance, CancellationToken cancellationToken, bool softLabels = false)
    {
        ArgumentNullException.ThrowIfNull(data);
        settings.Validate();
        modelOptions.Validate();
        var state = Checkpoint.Exists(outputDirectory) ? Checkpoint.ReadState(outputDirectory) : null;
        if (state is not null && state.Kind != "finetune")
        {
            throw new InvalidOperationException($"'{outputDirectory}' holds a {state.Kind} checkpoint; fine-tuning needs its own --out folder.");
        }

        if (state is { Complete: true })
        {
            return state;
        }

        Directory.CreateDirectory(outputDirectory);
        using var model = TorchSeeding.Seeded(settings.Seed, () => new SerModel(modelOptions));
        var startEpoch = 1;
        if (state is not null)
        {
            model.load(Path.Combine(outputDirectory, Checkpoint.ModelFile));
            startEpoch = state.Epoch + 1;
        }
        else if (initEncoder is not null)
        {
            model.LoadEncoder(initEncoder);
        }

        using var optimizer = optim.Adam(model.parameters(), settings.LearningRate, weight_decay: settings.WeightDecay);
        if (state is not null)
        {
            optimizer.load_state_dict(Path.Combine(outputDirectory, Checkpoint.OptimizerFile));
        }

        using var loss = EmotionLossFactory.Create(lossKind, data, modelOptions.EmotionClasses);
        state ??= new CheckpointState
        {
            Kind = "finetune",
            ModelOptionsJson = modelOptions.ToJson(),
            Settings = settings,
            Normalizer = data.Normalizer,
            MaxSentenceFrames = data.MaxSentenceFrames,
            ChunkFrames = data.ChunkFrames,
            Labels = CremaDEmotion.Codes,
            Provenance = provenance,
        };

        var history = new List<EpochRecord>(state.History);
        var batches = Batches.Count(data.Train.Count, settings.BatchSize);
        using var train = ChunkTensors.Build(data.Train, data.ChunkCount, data.ChunkFrames, modelOptions.MelBins);
        using var dev = ChunkTensors.Build(data.Dev, data.ChunkCount, data.ChunkFrames, modelOptions.MelBins);
        if (softLabels && (train.Distributions is null || dev.Distributions is null))
        {
            throw new InvalidOperationException("--soft-labels needs labels that carry distributions (--folds vavl:DIR); these clips have only hard labels.");
        }

        if (settings.TrainChunks?.Max > data.ChunkCount)
        {
            throw new ArgumentException($"--train-chunks {settings.TrainChunks} asks for more chunks than the {data.ChunkCount} each clip has; use counts from 1 to {data.ChunkCount}.");
        }

        var specAugment = settings.SpecAugment ?? SpecAugment.None;
        specAugment.Validate(data.ChunkFrames, modelOptions.MelBins);
        using var average = settings.EmaDecay > 0 ? new WeightAverage(model, settings.EmaDecay, (long)(startEpoch - 1) * batches) : null;
        if (average is not null && state.Epoch > 0)
        {
            average.Load(Path.Combine(outputDirectory, AverageFile));
        }

        var labels = data.Train.Select(static e => e.Label).ToArray();
        ProcessMemory.Release();
        for (var epoch = startEpoch; epoch <= settings.Epochs; epoch++)
        {
            TorchSeeding.Seed(settings.Seed + epoch);
            var random = new Random(unchecked((int)((settings.Seed * 7_919) + epoch)));
            model.train();
            _progress.BeginEpoch();
            var order = settings.EpochOrder(labels, epoch);
            double lossSum = 0;
            for (var b = 0; b < batches; b++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                foreach (var group in optimizer.ParamGroups)
                {
                    group.LearningRate = LearningRateSchedule.At(settings, epoch, b, batches);
                }

                var indices = Batches.Indices(order, b, settings.BatchSize);
                var (chunks, mask, targets) = train.Batch(indices, softLabels);
                var perClip = settings.TrainChunks?.Draw(random) ?? data.ChunkCount;
                if (perClip != data.ChunkCount)
                {
                    (chunks, mask) = ChunkTensors.DrawChunks(chunks, mask, perClip);
                }

                (chunks, targets) = Augment(chunks, targets, settings, specAugment, modelOptions.EmotionClasses, random);
                var value = loss.Forward(model.ForwardEmotion(chunks, mask), targets);
                optimizer.zero_grad();
                value.backward();
                optimizer.step();
                average?.Update();
                lossSum += value.item<float>();
                _progress.Batch(epoch, settings.Epochs, b + 1, batches, indices.Length * perClip, lossSum / (b + 1));
            }

            var kept = average?.Model ?? model;
            BatchNormRecalibration.Run(kept, train, settings.BatchNormRecalibrationBatches, settings.BatchSize, settings.Seed + epoch);
            var (devMatrix, devLoss) = Evaluate(kept, dev, settings.BatchSize, loss, softLabels);
            var devF1 = ClassificationMetrics.From(devMatrix).MacroF1;
            history.Add(new EpochRecord(epoch, lossSum / batches, devLoss, devF1));
            var improved = state.BestDevMacroF1 is null || devF1 > state.BestDevMacroF1;
            if (improved)
            {
                Checkpoint.ReplaceFile(Path.Combine(outputDirectory, Checkpoint.BestFile), temp => kept.save(temp));
                state = state with { BestDevMacroF1 = devF1, BestEpoch = epoch };
            }

            ProcessMemory.Release();
            var stop = epoch - state.BestEpoch >= settings.Patience;
            state = state with { Epoch = epoch, History = history.ToArray(), Complete = stop || epoch == settings.Epochs };
            if (average is not null)
            {
                Checkpoint.ReplaceFile(Path.Combine(outputDirectory, AverageFile), temp => average.Model.save(temp));
            }

            Checkpoint.Save(model, optimizer, outputDirectory, state);
            _progress.EndEpoch(epoch, settings.Epochs, $"train loss {lossSum / batches:F4}  dev loss {devLoss:F4}  dev macro F1 {devF1:P1}{(improved ? " (best)" : string.Empty)}  {ProcessMemory.Summary()}");
            if (stop)
            {
                break;
            }
        }

        return state;
    }

    /// <summary>
    /// One training batch's augmentation: SpecAugment on the chunks, then the targets as distributions with label
    /// smoothing, then mixup. Returns the inputs unchanged when all are off.
    /// </summary>
    internal static (Tensor Chunks, Tensor Targets) Augment(Tensor chunks, Tensor targets, TrainingSettings settings, SpecAugment specAugment, int classes, Random random)
    {
        if (specAugment.Enabled)
        {
            chunks = specAugment.Apply(chunks);
        }

        if (settings.LabelSmoothing > 0 || settings.MixupAlpha > 0)
        {
            using var reference = empty(targets.shape[0], classes);
            targets = ClassificationLosses.ToDistribution(targets, reference);
            if (settings.LabelSmoothing > 0)
            {
                targets = targets.mul(1 - settings.LabelSmoothing).add(settings.LabelSmoothing / classes);
            }

            if (settings.MixupAlpha > 0)
            {
                (chunks, targets, _) = Mixup.Apply(chunks, targets, settings.MixupAlpha, random);
            }
        }

        return (chunks, targets);
    }

    /// <summary>Runs <paramref name="model"/> over <paramref name="examples"/> in evaluation mode.</summary>
    /// <returns>The confusion matrix and, when <paramref name="loss"/> is given, the mean loss per batch.</returns>
    public static (ConfusionMatrix Matrix, double Loss) Evaluate(SerModel model, IReadOnlyList<EmotionExample> examples, EmotionData data, int bins, int batchSize, IEmotionLoss? loss)
    {
        using var set = ChunkTensors.Build(examples, data.ChunkCount, data.ChunkFrames, bins);
        return Evaluate(model, set, batchSize, loss);
    }

    /// <summary>The class probabilities (softmax of the logits) of every clip of <paramref name="set"/>, in its order, in evaluation mode.</summary>
    /// <param name="model">The model.</param>
    /// <param name="set">The clips.</param>
    /// <param name="batchSize">Clips per batch.</param>
    public static float[][] Predict(SerModel model, ChunkTensors set, int batchSize)
    {
        model.eval();
        using var noGrad = no_grad();
        var order = Enumerable.Range(0, set.Count).ToArray();
        var result = new float[set.Count][];
        var done = 0;
        for (var b = 0; b < Batches.Count(set.Count, batchSize); b++)
        {
            using var scope = NewDisposeScope();
            var indices = Batches.Indices(order, b, batchSize);
            var (chunks, mask, _) = set.Batch(indices);
            var probabilities = model.ForwardEmotion(chunks, mask).softmax(1).data<float>().ToArray();
            var classes = probabilities.Length / indices.Length;
            for (var i = 0; i < indices.Length; i++)
            {
                result[done++] = probabilities.AsSpan(i * classes, classes).ToArray();
            }
        }

        return result;
    }

    /// <summary>Runs <paramref name="model"/> over a split held as tensors, in evaluation mode.</summary>
    /// <returns>The confusion matrix and, when <paramref name="loss"/> is given, the mean loss per batch.</returns>
    /// <param name="model">The model.</param>
    /// <param name="set">The split.</param>
    /// <param name="batchSize">Clips per batch.</param>
    /// <param name="loss">The loss to average, or null.</param>
    /// <param name="softLabels">Compute the loss against the soft labels (the matrix always uses the hard ones).</param>
    public static (ConfusionMatrix Matrix, double Loss) Evaluate(SerModel model, ChunkTensors set, int batchSize, IEmotionLoss? loss, bool softLabels = false)
    {
        model.eval();
        using var noGrad = no_grad();
        var matrix = new ConfusionMatrix(model.Options.EmotionClasses);
        var order = Enumerable.Range(0, set.Count).ToArray();
        var batches = Batches.Count(set.Count, batchSize);
        double lossSum = 0;
        for (var b = 0; b < batches; b++)
        {
            using var scope = NewDisposeScope();
            var indices = Batches.Indices(order, b, batchSize);
            var (chunks, mask, targets) = set.Batch(indices);
            var logits = model.ForwardEmotion(chunks, mask);
            matrix.AddBatch(logits, targets);
            if (loss is not null)
            {
                lossSum += loss.Forward(logits, softLabels ? set.Batch(indices, soft: true).Labels : targets).item<float>();
            }
        }

        return (matrix, batches == 0 ? double.NaN : lossSum / batches);
    }
}
