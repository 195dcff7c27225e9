using System.Globalization;
using System.Text;
using SerSsl.Core.Evaluation;
using SerSsl.Core.Labels;
using SerSsl.Plots;
using SerSsl.Training.Data.CremaD;
using SerSsl.Training.Data.Features;
using SerSsl.Training.Data.Unlabeled;
using SerSsl.Training.Evaluation;
using SerSsl.Training.Plots;

namespace SerSsl.Training.Training;

/// <summary>The paper's experiment: which pre-training conditions, on which data, with which settings.</summary>
internal sealed record ReproductionSpec(
    string CremaDDirectory,
    string? MetadataDirectory,
    string? UnlabeledManifest,
    string OutputDirectory,
    int Partitions,
    int PartitionSeed,
    string? VavlDirectory,
    IReadOnlyList<PretextTasks> Conditions,
    LabelSource Labels,
    FineTuneSpec FineTune,
    TrainingSettings Pretraining,
    string CommandLine)
{
    /// <summary>Unlabeled speech for the energy task (a folder of recordings, e.g. a CREMA-D copy), or null.</summary>
    public string? SpeechDirectory { get; init; }

    /// <summary>
    /// With <see cref="SpeechDirectory"/>: pre-train once on every recording, the test speakers' too (heard without
    /// labels), instead of once per split on its training speakers' recordings.
    /// </summary>
    public bool SpeechAllSpeakers { get; init; }

    /// <summary>The folder holding one feature cache folder per corpus, or null for the user's cache.</summary>
    public string? CacheRoot { get; init; }
}

/// <summary>
/// Runs no pre-training and each pre-training condition, fine-tunes each on every partition, tests it, and writes
/// <c>results.json</c>, <c>results.md</c> (macro precision, recall and F1 per condition, mean ± std over partitions,
/// change against no pre-training), <c>metrics.png</c>, and per condition a confusion matrix (summed over
/// partitions) and training curves. Every step is checkpointed: running the same command again resumes.
/// </summary>
internal sealed class Reproduction
{
    private readonly Experiment _experiment;
    private readonly TextWriter _log;

    public Reproduction(TextWriter log, bool interactive)
    {
        _log = log;
        _experiment = new Experiment(log, interactive);
    }

    public EvaluationReport Run(ReproductionSpec spec, CancellationToken cancellationToken)
    {
        var outDir = spec.OutputDirectory;
        Directory.CreateDirectory(outDir);
        var synthetic = Experiment.IsSynthetic(spec.CremaDDirectory) || (spec.UnlabeledManifest is { } m && Experiment.IsSynthetic(m));
        var settings = new Core.Features.LogMelSettings();
        var provenance = new Dictionary<string, string>
        {
            ["command"] = spec.CommandLine,
            ["cremaD"] = Path.GetFullPath(spec.CremaDDirectory),
            ["unlabeled"] = spec.UnlabeledManifest is null ? "none" : Path.GetFullPath(spec.UnlabeledManifest),
            ["synthetic"] = synthetic ? "yes" : "no",
        };
        if (spec.VavlDirectory is not null)
        {
            provenance["folds"] = VavlFold.Scheme + Path.GetFullPath(spec.VavlDirectory);
        }

        var dataset = _experiment.LoadCremaD(spec.CremaDDirectory, spec.MetadataDirectory, spec.Labels);
        var cremaCache = new FeatureCache(Experiment.DefaultCacheDirectory(spec.CremaDDirectory, spec.CacheRoot), settings);
        var which = spec.VavlDirectory is null ? Enumerable.Range(0, spec.Partitions) : Enumerable.Range(1, spec.Partitions);
        var partitions = _experiment.Splits(dataset, spec.VavlDirectory, spec.PartitionSeed, which);

        // The published VAVL folds label the same 5,820 clips: then only those are featurised, else every clip.
        var first = partitions[0].Data.Clips.Select(static c => c.Id).ToHashSet(StringComparer.Ordinal);
        var sameClips = spec.VavlDirectory is not null && partitions.All(p => p.Data.Clips.Count == first.Count && p.Data.Clips.All(c => first.Contains(c.Id)));
        var features = _experiment.Features(sameClips ? partitions[0].Data : dataset, cremaCache, cancellationToken);

        var pretrainConditions = spec.Conditions.Where(c => c != PretextTasks.None).ToArray();
        UnlabeledCorpus? corpus = null;
        FeatureCache? corpusCache = null;
        SpeechFolder? speech = null;
        FeatureCache? speechCache = null;
        if (pretrainConditions.Length > 0)
        {
            if (spec.UnlabeledManifest is null && spec.SpeechDirectory is null)
            {
                throw new ArgumentException("Pre-training conditions need --unlabeled (an audiovisual corpus), --speech (unlabeled recordings), or both; only --conditions none runs without one.");
            }

            if (spec.UnlabeledManifest is { } manifest)
            {
                corpus = _experiment.LoadUnlabeled(manifest, cancellationToken);
                corpusCache = new FeatureCache(Experiment.DefaultCacheDirectory(manifest, spec.CacheRoot), settings);
            }

            if (spec.SpeechDirectory is { } speechDirectory)
            {
                speech = SpeechFolder.Scan(speechDirectory);
                speechCache = new FeatureCache(Experiment.DefaultCacheDirectory(speech.Directory, spec.CacheRoot), settings);
                provenance["speech"] = speech.Directory;
                provenance["speechSpeakers"] = spec.SpeechAllSpeakers ? "all (the test speakers' audio is heard, without labels)" : "the training speakers of each split";
            }
        }

        // Pre-training runs once per condition, or once per condition and split when it may hear only the split's
        // training speakers; a finished checkpoint is not rebuilt.
        var perSplit = speech is not null && !spec.SpeechAllSpeakers;
        var shared = new Dictionary<PretextTasks, string>();
        if (pretrainConditions.Length > 0 && !perSplit)
        {
            var pretext = _experiment.LoadPretext(new PretextSources(corpus, corpusCache, speech, speechCache), spec.FineTune.ChunkFrames, spec.FineTune.ChunkScale, cancellationToken);
            foreach (var tasks in pretrainConditions)
            {
                var dir = Path.Combine(outDir, "pretrain", PretextTaskNames.Format(tasks, "+"));
                _experiment.Pretrain(pretext, spec.FineTune.Model, spec.Pretraining, tasks, dir, provenance, cancellationToken);
                shared[tasks] = Path.Combine(dir, Checkpoint.EncoderFile);
            }
        }

        string? Encoder(PretextTasks tasks, SpeakerPartition partition)
        {
            if (tasks == PretextTasks.None)
            {
                return null;
            }

            if (!perSplit)
            {
                return shared[tasks];
            }

            var dir = Path.Combine(outDir, "pretrain", PretextTaskNames.Format(tasks, "+"), partition.Name);
            if (!(Checkpoint.Exists(dir) && Checkpoint.ReadState(dir).Complete))
            {
                var sources = new PretextSources(corpus, corpusCache, speech!.TrainSpeakersOf(partition), speechCache);
                var pretext = _experiment.LoadPretext(sources, spec.FineTune.ChunkFrames, spec.FineTune.ChunkScale, cancellationToken);
                var splitProvenance = new Dictionary<string, string>(provenance) { ["speechRecordings"] = sources.Speech!.Description };
                _experiment.Pretrain(pretext, spec.FineTune.Model, spec.Pretraining, tasks, dir, splitProvenance, cancellationToken);
            }

            return Path.Combine(dir, Checkpoint.EncoderFile);
        }

        var conditions = new List<ConditionResult>();
        foreach (var tasks in spec.Conditions)
        {
            var name = PretextTaskNames.Format(tasks, "+");
            var results = new List<PartitionResult>();
            foreach (var (data, partition) in partitions)
            {
                var dir = Path.Combine(outDir, "finetune", name, partition.Name);

                // A split already tested needs no encoder: its pre-training is not redone when its checkpoint is gone.
                var tested = File.Exists(Path.Combine(dir, Experiment.TestResultFile));
                var encoder = tested ? null : Encoder(tasks, partition);
                var runProvenance = new Dictionary<string, string>(provenance) { ["pretraining"] = name, [partition.Label is null ? "partition" : "fold"] = partition.Index.ToString(CultureInfo.InvariantCulture), ["init"] = encoder is null ? "none" : Path.GetFullPath(encoder), ["audio"] = dataset.AudioCopy ?? "none" };
                if (spec.VavlDirectory is not null)
                {
                    runProvenance["labels"] = spec.FineTune.SoftLabels ? "vavl-soft" : "vavl";
                }

                results.Add(_experiment.FineTuneAndTest(data, partition, features, cremaCache, spec.FineTune, encoder, dir, $"finetune[{name}] {partition.ShortName}", runProvenance, cancellationToken));
            }

            var condition = ConditionResult.Create(name, results);
            conditions.Add(condition);
            var summed = new ConfusionMatrix(CremaDEmotion.Count);
            foreach (var result in results)
            {
                for (var t = 0; t < CremaDEmotion.Count; t++)
                {
                    for (var p = 0; p < CremaDEmotion.Count; p++)
                    {
                        summed.Add(t, p, result.ConfusionMatrix[t][p]);
                    }
                }
            }

            ConfusionMatrixPlot.Save(Path.Combine(outDir, $"confusion-{name}.png"), summed, CremaDEmotion.Codes, $"{name}: test, summed over {results.Count} {(spec.VavlDirectory is null ? "partitions" : "VAVL folds")}{(synthetic ? " (synthetic)" : string.Empty)}");
            TrainingCurvesPlot.Save(Path.Combine(outDir, $"curves-{name}.png"), [.. results.Select(r => r.History!)], $"fine-tuning after {name}");
        }

        var baseline = spec.Conditions.Contains(PretextTasks.None) ? "none" : null;
        var report = new EvaluationReport(synthetic ? "CREMA-D layout, synthetic speech" : "CREMA-D", synthetic, CremaDEmotion.Codes, baseline, conditions);
        ResultsJson.Write(Path.Combine(outDir, "results.json"), report);
        var summaries = conditions.Select(c => c.Summary).ToArray();
        ConditionMetricsPlot.Save(Path.Combine(outDir, "metrics.png"), summaries, synthetic ? "Macro P/R/F1 per pre-training condition (synthetic data)" : "Macro P/R/F1 per pre-training condition");
        File.WriteAllText(Path.Combine(outDir, "results.md"), Markdown(spec, report, summaries, baseline, partitions.Count));
        _log.WriteLine($"wrote {Path.Combine(outDir, "results.md")}, results.json and plots");
        return report;
    }

    /// <summary>Macro F1 of each condition against the baseline, split by split, with the paired t-test.</summary>
    internal static string PairedTable(EvaluationReport report, string baseline)
    {
        var reference = report.Conditions.First(c => c.Name == baseline);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Macro F1 paired against `{baseline}`, split by split (same splits, same seeds; t-test on the per-split differences):");
        text.AppendLine();
        text.AppendLine("| Condition | Δ macro F1 per split (points) | Mean ± std | t (df) | p (two-sided) |");
        text.AppendLine("| --- | --- | ---: | ---: | ---: |");
        foreach (var condition in report.Conditions.Where(c => c.Name != baseline))
        {
            var pairs = condition.Partitions.Join(reference.Partitions, static r => r.Partition, static r => r.Partition, static (c, r) => (Split: c.Partition, Value: c.Metrics.MacroF1, Reference: r.Metrics.MacroF1)).ToArray();
            if (pairs.Length == 0)
            {
                continue;
            }

            var paired = PairedComparison.Of([.. pairs.Select(static p => p.Value)], [.. pairs.Select(static p => p.Reference)]);
            var perSplit = string.Join(", ", pairs.Zip(paired.Differences, static (p, d) => string.Create(CultureInfo.InvariantCulture, $"{p.Split} {d * 100:+0.0;-0.0;0.0}")));
            var test = paired.T is { } t ? string.Create(CultureInfo.InvariantCulture, $"{t:F2} ({paired.DegreesOfFreedom})") : "-";
            text.AppendLine(CultureInfo.InvariantCulture, $"| {condition.Name} | {perSplit} | {paired.FormatMeanStd()} | {test} | {paired.FormatP()} |");
        }

        text.AppendLine();
        return text.ToString();
    }

    private static string Markdown(ReproductionSpec spec, EvaluationReport report, IReadOnlyList<ConditionSummary> summaries, string? baseline, int partitions)
    {
        var text = new StringBuilder();
        text.AppendLine(report.Synthetic
            ? "# Pre-training conditions on SYNTHETIC data"
            : "# Pre-training conditions on CREMA-D");
        text.AppendLine();
        if (report.Synthetic)
        {
            text.AppendLine("These results come from synthetic corpora made by `sers-train synth`; they say whether the code path works and how the conditions compare on that data, not how SerSsl performs on real emotional speech.");
            text.AppendLine();
        }

        var over = spec.VavlDirectory is null ? $"{partitions} speaker-independent partitions" : $"{partitions} VAVL folds";
        text.AppendLine(CultureInfo.InvariantCulture, $"Test-set macro precision, recall and F1 in percent, mean ± standard deviation over {over}; Δ is the change against no pre-training.");
        text.AppendLine();
        text.AppendLine(MetricsMarkdown.Table(summaries, baseline));
        text.AppendLine();
        if (baseline is not null && report.Conditions.Count > 1)
        {
            text.Append(PairedTable(report, baseline));
        }

        if (spec.SpeechDirectory is not null)
        {
            text.AppendLine(spec.SpeechAllSpeakers
                ? "Pre-training heard every recording of the speech folder once, the test speakers' too (without their labels)."
                : "Pre-training ran once per split and heard only that split's training speakers; its development and test speakers stayed unheard.");
            text.AppendLine();
        }
        foreach (var condition in report.Conditions)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Per split, condition `{condition.Name}` (test speakers; percent):");
            text.AppendLine();
            text.AppendLine("| Split | Macro precision | Macro recall (UAR) | Macro F1 | Accuracy | Best epoch |");
            text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: |");
            foreach (var r in condition.Partitions)
            {
                var best = r.History?.Epochs.Count > 0 ? r.History.Epochs.MaxBy(static e => e.DevMacroF1)!.Epoch.ToString(CultureInfo.InvariantCulture) : "-";
                text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Partition} | {r.Metrics.MacroPrecision * 100:F1} | {r.Metrics.MacroRecall * 100:F1} | {r.Metrics.MacroF1 * 100:F1} | {r.Metrics.Accuracy * 100:F1} | {best} |");
            }

            var sum = condition.Summary;
            text.AppendLine(CultureInfo.InvariantCulture, $"| mean ± std | {MetricsMarkdown.FormatMeanStd(sum.MacroPrecision)} | {MetricsMarkdown.FormatMeanStd(sum.MacroRecall)} | {MetricsMarkdown.FormatMeanStd(sum.MacroF1)} | {MetricsMarkdown.FormatMeanStd(sum.Accuracy)} | |");
            text.AppendLine();
        }

        text.AppendLine("Command:");
        text.AppendLine();
        text.AppendLine("```");
        text.AppendLine(spec.CommandLine);
        text.AppendLine("```");
        return text.ToString();
    }
}
