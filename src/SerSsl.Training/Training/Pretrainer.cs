using SerSsl.Training.Diagnostics;
using SerSsl.Training.Evaluation;
using SerSsl.Training.Losses;
using SerSsl.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SerSsl.Training.Training;

/// <summary>
/// Self-supervised pre-training: the chunk encoder (and the aggregator for the clip-level AU task) learns to predict
/// the selected pretext targets from audio alone. The loss is the sum of the selected tasks' masked losses. A
/// checkpoint is written after every epoch; a run started again on the same folder resumes after the last one.
/// </summary>
internal sealed class Pretrainer
{
    private readonly TrainingProgress _progress;

    public Pretrainer(TrainingProgress progress)
    {
        _progress = progress;
    }

    /// <summary>Trains and returns the final checkpoint state.</summary>
    /// <param name="data">The pre-training set.</param>
    /// <param name="modelOptions">The architecture.</param>
    /// <param name="settings">Optimisation settings (the patience is not used: pre-training runs every epoch).</param>
    /// <param name="tasks">The pretext tasks, at least one.</param>
    /// <param name="outputDirectory">The checkpoint folder.</param>
    /// <param name="provenance">Recorded in the checkpoint.</param>
    /// <param name="cancellationToken">Stops after the current batch; the last complete epoch stays saved.</param>
    public CheckpointState Run(PretextData data, ModelOptions modelOptions, TrainingSettings settings, PretextTasks tasks, string outputDirectory, IReadOnlyDictionary<string, string> provenance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        settings.Validate();
        modelOptions.Validate();
        if (tasks == PretextTasks.None)
        {
            throw new ArgumentException("Pre-training needs at least one pretext task (energy, face, au).", nameof(tasks));
        }

        var state = Checkpoint.Exists(outputDirectory) ? Checkpoint.ReadState(outputDirectory) : null;
        if (state is not null && (state.Kind != "pretrain" || state.Tasks != PretextTaskNames.Format(tasks)))
        {
            throw new InvalidOperationException($"'{outputDirectory}' holds a {state.Kind} checkpoint for tasks '{state.Tasks}', not pre-training on '{PretextTaskNames.Format(tasks)}'. Choose another --out folder.");
        }

        if (state is { Complete: true })
        {
            return state;
        }

        Directory.CreateDirectory(outputDirectory);
        using var model = TorchSeeding.Seeded(settings.Seed, () => new SerModel(modelOptions));
        using var optimizer = optim.Adam(model.parameters(), settings.LearningRate, weight_decay: settings.WeightDecay);
        var history = new List<EpochRecord>(state?.History ?? []);
        var startEpoch = 1;
        if (state is not null)
        {
            model.load(Path.Combine(outputDirectory, Checkpoint.ModelFile));
            optimizer.load_state_dict(Path.Combine(outputDirectory, Checkpoint.OptimizerFile));
            startEpoch = state.Epoch + 1;
        }

        state ??= new CheckpointState
        {
            Kind = "pretrain",
            ModelOptionsJson = modelOptions.ToJson(),
            Settings = settings,
            Normalizer = data.Normalizer,
            MaxSentenceFrames = data.MaxSentenceFrames,
            ChunkFrames = data.ChunkFrames,
            Tasks = PretextTaskNames.Format(tasks),
            EnergyThreshold = data.EnergyThreshold,
            FaceThreshold = data.FaceThreshold,
            Provenance = provenance,
        };

        var examples = Labelled(data.Examples, tasks);
        var batches = Batches.Count(examples.Count, settings.BatchSize);
        for (var epoch = startEpoch; epoch <= settings.Epochs; epoch++)
        {
            TorchSeeding.Seed(settings.Seed + epoch);
            model.train();
            _progress.BeginEpoch();
            var order = settings.EpochOrder(examples.Count, epoch);
            double lossSum = 0;
            for (var b = 0; b < batches; b++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var batch = Batches.Slice(examples, order, b, settings.BatchSize);
                var loss = Loss(model, batch, data.ChunkCount, data.ChunkFrames, modelOptions.MelBins, tasks);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>();
                _progress.Batch(epoch, settings.Epochs, b + 1, batches, batch.Length * data.ChunkCount, lossSum / (b + 1));
            }

            history.Add(new EpochRecord(epoch, lossSum / batches));
            state = state with { Epoch = epoch, History = history.ToArray(), Complete = epoch == settings.Epochs };
            Checkpoint.Save(model, optimizer, outputDirectory, state);
            _progress.EndEpoch(epoch, settings.Epochs, $"pretext loss {lossSum / batches:F4}");
        }

        return state;
    }

    /// <summary>
    /// The clips with a target for at least one selected task (speech recordings have none for face and au, and
    /// audiovisual clips none for energy when speech recordings supply it), in their order.
    /// </summary>
    /// <exception cref="InvalidOperationException">A selected task has no target on any clip.</exception>
    internal static IReadOnlyList<PretextExample> Labelled(IReadOnlyList<PretextExample> examples, PretextTasks tasks)
    {
        static bool Any(float[] mask) => Array.Exists(mask, static m => m > 0f);
        bool Has(PretextExample e, PretextTasks task) => task switch
        {
            PretextTasks.Energy => Any(e.EnergyMask),
            PretextTasks.Face => Any(e.FaceMask),
            _ => e.AuMask > 0f,
        };

        foreach (var task in (PretextTasks[])[PretextTasks.Energy, PretextTasks.Face, PretextTasks.Au])
        {
            if (tasks.HasFlag(task) && !examples.Any(e => Has(e, task)))
            {
                throw new InvalidOperationException($"No pre-training clip has a target for the {PretextTaskNames.Format(task)} task{(task == PretextTasks.Energy ? string.Empty : ": it needs an audiovisual corpus with face tracks (--unlabeled)")}.");
            }
        }

        var kept = examples.Where(e => (tasks.HasFlag(PretextTasks.Energy) && Has(e, PretextTasks.Energy)) || (tasks.HasFlag(PretextTasks.Face) && Has(e, PretextTasks.Face)) || (tasks.HasFlag(PretextTasks.Au) && Has(e, PretextTasks.Au))).ToArray();
        return kept.Length == examples.Count ? examples : kept;
    }

    /// <summary>The summed masked loss of the selected tasks on one batch.</summary>
    internal static Tensor Loss(SerModel model, IReadOnlyList<PretextExample> batch, int chunkCount, int chunkFrames, int bins, PretextTasks tasks)
    {
        var chunks = Batches.Stack(batch, e => e.Chunks, chunkCount, chunkFrames, bins);
        var mask = ones(batch.Count, chunkCount);
        var output = model.ForwardPretext(chunks, mask);
        var loss = zeros(1).squeeze();
        if (tasks.HasFlag(PretextTasks.Energy))
        {
            loss += PretextLosses.MaskedBinaryCrossEntropy(output.EnergyLogits, Batches.Stack(batch, e => e.EnergyTargets, chunkCount), Batches.Stack(batch, e => e.EnergyMask, chunkCount));
        }

        if (tasks.HasFlag(PretextTasks.Face))
        {
            loss += PretextLosses.MaskedBinaryCrossEntropy(output.FaceLogits, Batches.Stack(batch, e => e.FaceTargets, chunkCount), Batches.Stack(batch, e => e.FaceMask, chunkCount));
        }

        if (tasks.HasFlag(PretextTasks.Au))
        {
            loss += PretextLosses.MaskedCrossEntropy(output.AuEmotionLogits, Batches.Classes(batch, e => e.AuClass), Batches.Scalars(batch, e => e.AuMask));
        }

        return loss;
    }
}
