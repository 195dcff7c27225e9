using SerSsl.Core.Features;
using SerSsl.Core.Labels;
using SerSsl.Plots;
using SerSsl.Synthesis;
using SerSsl.Training.Data.CremaD;
using SerSsl.Training.Data.Features;
using SerSsl.Training.Data.Unlabeled;
using SerSsl.Training.Diagnostics;
using SerSsl.Training.Evaluation;
using SerSsl.Training.Models;
using SerSsl.Training.Plots;

namespace SerSsl.Training.Training;

/// <summary>Everything one fine-tuning run needs besides the data.</summary>
/// <param name="Model">The architecture.</param>
/// <param name="Settings">Optimisation and early stopping.</param>
/// <param name="Loss">The training loss.</param>
/// <param name="TrainFraction">Share of the training speakers used.</param>
/// <param name="ChunkFrames">m, frames per chunk.</param>
/// <param name="ChunkScale">The dynamic chunker's n.</param>
/// <param name="SoftLabels">Train on the clips' label distributions (VAVL folds) instead of their hard labels.</param>
internal sealed record FineTuneSpec(ModelOptions Model, TrainingSettings Settings, EmotionLossKind Loss, double TrainFraction, int ChunkFrames, int ChunkScale, bool SoftLabels = false);

/// <summary>
/// The steps the commands share: loading corpora with a summary, pre-training, fine-tuning one partition and
/// testing its best epoch, and writing the files people look at (metrics JSON, confusion matrix and curves as PNG).
/// </summary>
internal sealed class Experiment
{
    /// <summary>File in a fine-tuning folder with the test result of its best epoch.</summary>
    public const string TestResultFile = "test-result.json";

    private readonly TextWriter _log;
    private readonly bool _interactive;

    public Experiment(TextWriter log, bool interactive)
    {
        _log = log;
        _interactive = interactive;
    }

    /// <summary>The default feature cache folder for a corpus: under the user's cache (or <paramref name="root"/>), keyed by the corpus path.</summary>
    /// <param name="corpusPath">The corpus folder or manifest.</param>
    /// <param name="root">The folder that holds one cache folder per corpus; null for <c>$XDG_CACHE_HOME/serssl/features</c> (or <c>~/.cache/serssl/features</c>).</param>
    public static string DefaultCacheDirectory(string corpusPath, string? root = null)
    {
        if (root is null)
        {
            var cacheHome = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (string.IsNullOrEmpty(cacheHome))
            {
                cacheHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            }

            root = Path.Combine(cacheHome, "serssl", "features");
        }

        var full = Path.GetFullPath(corpusPath).TrimEnd(Path.DirectorySeparatorChar);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(full)))[..12];
        return Path.Combine(root, $"{Path.GetFileName(full)}-{hash}");
    }

    /// <summary>Whether a corpus folder says it is synthetic (<c>sers-train synth</c> leaves a marker file).</summary>
    public static bool IsSynthetic(string corpusPath)
    {
        var dir = Directory.Exists(corpusPath) ? corpusPath : Path.GetDirectoryName(Path.GetFullPath(corpusPath)) ?? ".";
        return File.Exists(Path.Combine(dir, SyntheticCorpusFolder.NoticeFile));
    }

    /// <summary>Loads CREMA-D and prints what was loaded and dropped.</summary>
    public CremaDDataset LoadCremaD(string directory, string? metadataDirectory, LabelSource labels)
    {
        var dataset = CremaDDataset.Load(directory, new CremaDLoadOptions { LabelSource = labels, MetadataDirectory = metadataDirectory });
        _log.WriteLine($"CREMA-D {directory} ({dataset.AudioCopy} audio, {Path.GetFileName(dataset.AudioDirectory)}/): {dataset.Summary}");
        return dataset;
    }

    /// <summary>
    /// The train/development/test splits to run: the VAVL folds (each with the dataset restricted to and labelled by its
    /// fold) when <paramref name="vavlDirectory"/> is set, else the seeded speaker partitions of the whole dataset.
    /// </summary>
    /// <param name="dataset">The loaded CREMA-D copy.</param>
    /// <param name="vavlDirectory">The folder of <c>label_consensus_N.csv</c>, or null.</param>
    /// <param name="partitionSeed">The seed of our partitions (ignored with VAVL folds).</param>
    /// <param name="which">Fold numbers (1-5) with VAVL, else partition indices (0-4).</param>
    public IReadOnlyList<(CremaDDataset Data, SpeakerPartition Partition)> Splits(CremaDDataset dataset, string? vavlDirectory, int partitionSeed, IEnumerable<int> which)
    {
        if (vavlDirectory is null)
        {
            var partitions = dataset.CreatePartitions(partitionSeed);
            return [.. which.Select(i => i >= 0 && i < partitions.Count
                ? (dataset, partitions[i])
                : throw new ArgumentException($"--partition must be 0 to {partitions.Count - 1}; got {i}."))];
        }

        var splits = new List<(CremaDDataset, SpeakerPartition)>();
        foreach (var number in which)
        {
            if (number is < 1 or > VavlFold.Count)
            {
                throw new ArgumentException($"--fold must be 1 to {VavlFold.Count}; got {number}.");
            }

            var fold = VavlFold.Load(vavlDirectory, number);
            var labelled = dataset.WithFold(fold);
            var p = fold.Partition;
            _log.WriteLine($"VAVL fold {number} ({fold.Path}): {labelled.Clips.Count} clips; {p.TrainActors.Count} train, {p.DevActors.Count} development, {p.TestActors.Count} test speakers; consensus label differs from the intended emotion on {labelled.Summary.ConsensusDiffersFromIntended}");
            splits.Add((labelled, p));
        }

        return splits;
    }

    /// <summary>Features of every CREMA-D clip, computed once and cached.</summary>
    public IReadOnlyDictionary<string, ClipFeatures> Features(CremaDDataset dataset, FeatureCache cache, CancellationToken cancellationToken)
    {
        var features = EmotionData.ComputeFeatures(dataset, cache, Progress("features"), cancellationToken);
        _log.WriteLine($"features: {cache.HitCount} cached, {cache.ComputedCount} computed ({cache.EntryDirectory})");
        return features;
    }

    /// <summary>Loads an unlabeled audiovisual corpus (its manifest and face tracks) and prints what was kept.</summary>
    public UnlabeledCorpus LoadUnlabeled(string manifest, CancellationToken cancellationToken)
    {
        var corpus = UnlabeledCorpus.Load(manifest, new UnlabeledLoadOptions(), Progress("OpenFace"), cancellationToken);
        _log.WriteLine($"unlabeled {corpus.ManifestPath}: {corpus.Clips.Count} clips; {corpus.Summary}");
        return corpus;
    }

    /// <summary>Computes the features and pretext labels of an audiovisual corpus, speech recordings or both, and prints a summary.</summary>
    public PretextData LoadPretext(PretextSources sources, int chunkFrames, int scale, CancellationToken cancellationToken)
    {
        if (sources.Speech is { } speech)
        {
            _log.WriteLine($"speech {speech.Directory}: {speech.Description}");
        }

        var data = PretextData.Build(sources, chunkFrames, scale, Progress("features"), cancellationToken);
        _log.WriteLine($"pretext labels: {data.Summary}");
        return data;
    }

    /// <summary>Pre-trains into <paramref name="outputDirectory"/> (resuming when it holds a partial run).</summary>
    public CheckpointState Pretrain(PretextData data, ModelOptions model, TrainingSettings settings, PretextTasks tasks, string outputDirectory, IReadOnlyDictionary<string, string> provenance, CancellationToken cancellationToken)
    {
        _log.WriteLine($"pre-training on {PretextTaskNames.Format(tasks)} -> {outputDirectory}");
        var progress = new TrainingProgress(_log, $"pretrain[{PretextTaskNames.Format(tasks, "+")}]", _interactive);
        return new Pretrainer(progress).Run(data, model, settings, tasks, outputDirectory, provenance, cancellationToken);
    }

    /// <summary>
    /// Fine-tunes on one partition (resuming a partial run), then tests the best epoch and writes
    /// <see cref="TestResultFile"/>, <c>confusion.png</c> and <c>curves.png</c>. A folder that already holds a test
    /// result is not trained again.
    /// </summary>
    public PartitionResult FineTuneAndTest(CremaDDataset dataset, SpeakerPartition partition, IReadOnlyDictionary<string, ClipFeatures> features, FeatureCache cache, FineTuneSpec spec, string? initEncoder, string outputDirectory, string name, IReadOnlyDictionary<string, string> provenance, CancellationToken cancellationToken)
    {
        var resultPath = Path.Combine(outputDirectory, TestResultFile);
        if (File.Exists(resultPath))
        {
            _log.WriteLine($"{name}: already tested ({resultPath})");
            return ResultsJson.Deserialize<PartitionResult>(File.ReadAllText(resultPath));
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var silence = new LogMelExtractor(cache.Settings).SilenceLevel;
        var data = EmotionData.Build(dataset, partition, features, silence, spec.ChunkFrames, spec.ChunkScale, spec.TrainFraction);
        _log.WriteLine($"{name}: {data.Train.Count} train clips ({data.TrainActorCount} actors), {data.Dev.Count} dev, {data.Test.Count} test; {data.ChunkCount} chunks per clip");
        var progress = new TrainingProgress(_log, name, _interactive);
        var state = new FineTuner(progress).Run(data, spec.Model, spec.Settings, spec.Loss, initEncoder, outputDirectory, provenance, cancellationToken, spec.SoftLabels);

        using var model = new SerModel(spec.Model);
        model.load(Path.Combine(outputDirectory, Checkpoint.BestFile));
        var (matrix, _) = FineTuner.Evaluate(model, data.Test, data, spec.Model.MelBins, spec.Settings.BatchSize, null);
        var history = new TrainingHistory(name, state.History);
        var result = PartitionResult.Create(partition.Name, matrix, history) with { WallSeconds = clock.Elapsed.TotalSeconds, PeakResidentBytes = ProcessMemory.PeakResidentBytes() };
        ConfusionMatrixPlot.Save(Path.Combine(outputDirectory, "confusion.png"), matrix, CremaDEmotion.Codes, $"{name}: test, best epoch {state.BestEpoch}");
        TrainingCurvesPlot.Save(Path.Combine(outputDirectory, "curves.png"), [history], name);
        Checkpoint.ReplaceFile(resultPath, temp => File.WriteAllText(temp, ResultsJson.Serialize(result)));
        _log.WriteLine($"{name}: test macro P {result.Metrics.MacroPrecision:P1}, R {result.Metrics.MacroRecall:P1}, F1 {result.Metrics.MacroF1:P1}, accuracy {result.Metrics.Accuracy:P1} (best epoch {state.BestEpoch}); {clock.Elapsed.TotalMinutes:F1} min, peak resident memory {ProcessMemory.Describe(result.PeakResidentBytes)}");
        return result;
    }

    private ProgressLine Progress(string what) => new(_log, what, _interactive);
}
