using System.CommandLine;
using SerSsl.Core.Evaluation;
using SerSsl.Core.Features;
using SerSsl.Core.Labels;
using SerSsl.Plots;
using SerSsl.Training.Data.CremaD;
using SerSsl.Training.Data.Features;
using SerSsl.Training.Evaluation;
using SerSsl.Training.Models;
using SerSsl.Training.Plots;
using SerSsl.Training.Training;

namespace SerSsl.Training.Commands;

/// <summary><c>pretrain</c>, <c>finetune</c>, <c>evaluate</c> and <c>reproduce</c>.</summary>
internal static class TrainingCommands
{
    private const int ChunkFrames = 100;

    public static IEnumerable<Command> Build() => [Pretrain(), Finetune(), Evaluate(), Reproduce()];

    private static Option<string> CremaDOption() => new("--crema-d")
    {
        Description = "A CREMA-D folder: AudioWAV/ActorID_Sentence_Emotion_Level.wav (or AudioOpus/*.opus when there is no AudioWAV/) plus SentenceFilenames.csv, VideoDemographics.csv and tabulatedVotes.csv (sers-train synth speech writes one).",
        Required = true,
    };

    private static Option<string?> MetadataOption() => new("--metadata") { Description = "Where the CREMA-D metadata CSVs are, when not in the --crema-d folder." };

    private static Option<string> LabelsOption()
    {
        var option = new Option<string>("--labels")
        {
            Description = "Emotion labels: intended (from the file name) or votes (strict majority of the audiovisual ratings; clips without one are dropped).",
            DefaultValueFactory = _ => "intended",
        };
        option.AcceptOnlyFromAmong("intended", "votes");
        return option;
    }

    private static Option<string?> FoldsOption() => new("--folds")
    {
        Description = "vavl:DIR uses the five speaker-disjoint VAVL folds (DIR holds label_consensus_1.csv to label_consensus_5.csv) and their consensus labels (the top class of each clip's distribution) instead of our seeded partitions and --labels.",
    };

    private static string? VavlDirectory(ParseResult result, Option<string?> folds) => result.GetValue(folds) is { } value ? VavlFold.ParseOption(value) : null;

    private static Option<bool> SoftLabelsOption() => new("--soft-labels")
    {
        Description = "With --folds: train on each clip's consensus label distribution instead of its top class (model selection and the reported metrics still use the top class).",
    };

    private static Option<int> PartitionSeedOption() => new("--partition-seed") { Description = "Seed of the speaker-independent partitions (partition p uses seed + p).", DefaultValueFactory = _ => 42 };

    private static Option<string?> CacheOption() => new("--cache") { Description = "Feature cache folder (default: under ~/.cache/serssl/features, one per corpus)." };

    private static LabelSource Labels(string value) => value == "votes" ? LabelSource.VoteConsensus : LabelSource.Intended;

    private static FeatureCache Cache(string? cache, string corpus) => new(cache ?? Experiment.DefaultCacheDirectory(corpus), new LogMelSettings());

    private static Option<string?> SpeechOption() => new("--speech")
    {
        Description = "Unlabeled speech without video for the energy task: a folder of WAV or Ogg Opus recordings, searched recursively (a CREMA-D copy works: its AudioWAV/, else its AudioOpus/). Labels are never read. With --unlabeled too, the energy task learns from this speech alone and the audiovisual corpus serves the face and au tasks.",
    };

    private static Command Pretrain()
    {
        var unlabeled = new Option<string?>("--unlabeled") { Description = "The unlabeled audiovisual corpus: its manifest.csv or its folder (sers-train synth av writes one). Needed for the face and au tasks." };
        var speech = SpeechOption();
        var folds = FoldsOption();
        folds.Description = "With --speech on a CREMA-D copy: vavl:DIR keeps only the recordings of the training speakers of VAVL fold --fold (told apart by the actor id of each file name), so that the fold's development and test speakers stay unheard.";
        var fold = new Option<int>("--fold") { Description = "With --folds: which fold (1-5).", DefaultValueFactory = _ => 1 };
        var tasks = new Option<string>("--tasks") { Description = "Pretext tasks, comma-separated: energy (energy variation), face (facial activation), au (AU-derived emotion), or all. Default: all with --unlabeled, energy with --speech alone.", DefaultValueFactory = _ => "all" };
        var output = new Option<string>("--out") { Description = "Checkpoint folder; running again on it resumes after the last finished epoch.", Required = true };
        var cache = CacheOption();
        var training = new TrainingOptions(defaultEpochs: 10);
        var command = new Command("pretrain", "Self-supervised pre-training of the chunk encoder with the pretext tasks: on an unlabeled audiovisual corpus (energy, face, au), on unlabeled speech (energy), or both. Writes checkpoint.json, model.pt, optimizer.pt and encoder.pt (what finetune --init takes).")
        {
            unlabeled, speech, folds, fold, tasks, output, cache,
        };
        training.AddTo(command);
        command.SetAction((result, token) => Run(result, log =>
        {
            var manifest = result.GetValue(unlabeled);
            var speechDir = result.GetValue(speech);
            if (manifest is null && speechDir is null)
            {
                throw new ArgumentException("pretrain needs --unlabeled (an audiovisual corpus), --speech (a folder of recordings), or both.");
            }

            var vavl = VavlDirectory(result, folds);
            if (vavl is not null && speechDir is null)
            {
                throw new ArgumentException("--folds chooses which --speech recordings to keep; add --speech, or leave out --folds.");
            }

            var taskSet = PretextTaskNames.Parse(result.GetResult(tasks) is { Implicit: true } && manifest is null ? "energy" : result.GetRequiredValue(tasks));
            if (manifest is null && (taskSet & (PretextTasks.Face | PretextTasks.Au)) != 0)
            {
                throw new ArgumentException($"--tasks {PretextTaskNames.Format(taskSet)}: the face and au tasks need face tracks, which only an audiovisual corpus has; add --unlabeled, or pre-train --speech on --tasks energy.");
            }

            var experiment = new Experiment(log, Interactive);
            var model = training.Model(result);
            var provenance = new Dictionary<string, string> { ["command"] = TrainingOptions.CommandLine(result) };
            var sources = new PretextSources(null, null, null, null);
            if (manifest is not null)
            {
                sources = sources with { Corpus = experiment.LoadUnlabeled(manifest, token), CorpusCache = Cache(result.GetValue(cache), manifest) };
                provenance["unlabeled"] = Path.GetFullPath(manifest);
            }

            var synthetic = manifest is not null && Experiment.IsSynthetic(manifest);
            if (speechDir is not null)
            {
                var recordings = SerSsl.Training.Data.Unlabeled.SpeechFolder.Scan(speechDir);
                if (vavl is not null)
                {
                    var number = result.GetValue(fold);
                    var partition = number is >= 1 and <= VavlFold.Count ? VavlFold.Load(vavl, number).Partition : throw new ArgumentException($"--fold must be 1 to {VavlFold.Count}; got {number}.");
                    recordings = recordings.TrainSpeakersOf(partition);
                    provenance["folds"] = VavlFold.Scheme + Path.GetFullPath(vavl);
                    provenance["fold"] = number.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                sources = sources with { Speech = recordings, SpeechCache = Cache(result.GetValue(cache), recordings.Directory) };
                provenance["speech"] = recordings.Directory;
                provenance["speechRecordings"] = recordings.Description;
                synthetic |= Experiment.IsSynthetic(speechDir);
            }

            provenance["synthetic"] = synthetic ? "yes" : "no";
            var data = experiment.LoadPretext(sources, ChunkFrames, training.ChunkScale(result), token);
            log.WriteLine($"model: {Complexity(model)}");
            var state = experiment.Pretrain(data, model, training.Settings(result), taskSet, result.GetRequiredValue(output), provenance, token);
            log.WriteLine($"pre-training {(state.Complete ? "finished" : "stopped")} after epoch {state.Epoch}; encoder: {Path.Combine(result.GetRequiredValue(output), Checkpoint.EncoderFile)}");
        }));
        return command;
    }

    private static Command Finetune()
    {
        var crema = CremaDOption();
        var metadata = MetadataOption();
        var labels = LabelsOption();
        var output = new Option<string>("--out") { Description = "Checkpoint folder; running again on it resumes after the last finished epoch.", Required = true };
        var init = new Option<string?>("--init") { Description = "Start from a pre-trained encoder: a pretrain --out folder or its encoder.pt. Without it the encoder starts from random weights." };
        var partition = new Option<int>("--partition") { Description = "Which of the 5 seeded speaker-independent partitions (0-4); not with --folds.", DefaultValueFactory = _ => 0 };
        var folds = FoldsOption();
        var fold = new Option<int>("--fold") { Description = "With --folds: which fold (1-5).", DefaultValueFactory = _ => 1 };
        var soft = SoftLabelsOption();
        var partitionSeed = PartitionSeedOption();
        var loss = new Option<string>("--loss") { Description = "Training loss: ce (cross-entropy), balanced (class-balanced), cooccurrence (cross-entropy plus the vote co-occurrence penalty).", DefaultValueFactory = _ => "ce" };
        loss.AcceptOnlyFromAmong([.. EmotionLossFactory.Names]);
        var fraction = new Option<double>("--train-fraction") { Description = "Share of the partition's training actors to use, in (0, 1].", DefaultValueFactory = _ => 1.0 };
        var cache = CacheOption();
        var training = new TrainingOptions(defaultEpochs: 30);
        var recipe = new RecipeOptions();
        var command = new Command("finetune", "Fine-tune for speech emotion recognition on one CREMA-D partition with early stopping on development macro F1, then test the best epoch. Writes the checkpoint, test-result.json, confusion.png and curves.png.")
        {
            crema, metadata, labels, output, init, partition, folds, fold, partitionSeed, loss, fraction, cache, soft,
        };
        training.AddTo(command);
        recipe.AddTo(command);
        command.SetAction((result, token) => Run(result, log =>
        {
            var experiment = new Experiment(log, Interactive);
            var settings = recipe.Apply(training.Settings(result), result); // bad values fail before any data is read
            var dir = result.GetRequiredValue(crema);
            var vavl = VavlDirectory(result, folds);
            if (vavl is not null && (result.GetResult(partition) is { Implicit: false } || result.GetResult(labels) is { Implicit: false }))
            {
                throw new ArgumentException("--folds vavl:DIR chooses the speakers and labels itself; pick a fold with --fold 1-5 and leave out --partition and --labels.");
            }

            var loaded = experiment.LoadCremaD(dir, result.GetValue(metadata), Labels(result.GetRequiredValue(labels)));
            var featureCache = Cache(result.GetValue(cache), dir);
            var (dataset, p) = experiment.Splits(loaded, vavl, result.GetValue(partitionSeed), [vavl is null ? result.GetValue(partition) : result.GetValue(fold)])[0];
            var features = experiment.Features(dataset, featureCache, token);
            var model = training.Model(result);
            log.WriteLine($"model: {Complexity(model)}");
            log.WriteLine($"recipe: {RecipeOptions.Describe(settings)}");
            var spec = new FineTuneSpec(model, settings, EmotionLossFactory.Parse(result.GetRequiredValue(loss)), result.GetValue(fraction), ChunkFrames, training.ChunkScale(result), SoftLabels(result, soft, vavl));
            var initPath = result.GetValue(init) is { } i ? (Directory.Exists(i) ? Path.Combine(i, Checkpoint.EncoderFile) : i) : null;
            var provenance = new Dictionary<string, string>
            {
                ["command"] = TrainingOptions.CommandLine(result),
                ["cremaD"] = Path.GetFullPath(dir),
                ["synthetic"] = Experiment.IsSynthetic(dir) ? "yes" : "no",
                ["audio"] = loaded.AudioCopy ?? "none",
                ["init"] = initPath is null ? "none" : Path.GetFullPath(initPath),
            };
            if (vavl is null)
            {
                provenance["partition"] = p.Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
                provenance["partitionSeed"] = result.GetValue(partitionSeed).ToString(System.Globalization.CultureInfo.InvariantCulture);
                provenance["labels"] = result.GetRequiredValue(labels);
            }
            else
            {
                provenance["folds"] = VavlFold.Scheme + Path.GetFullPath(vavl);
                provenance["fold"] = p.Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
                provenance["labels"] = spec.SoftLabels ? "vavl-soft" : "vavl";
            }

            experiment.FineTuneAndTest(dataset, p, features, featureCache, spec, initPath, result.GetRequiredValue(output), $"finetune {p.ShortName}", provenance, token);
        }));
        return command;
    }

    private static Command Evaluate()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A finetune --out folder.", Required = true };
        var crema = CremaDOption();
        var metadata = MetadataOption();
        var split = new Option<string>("--split") { Description = "Which set of the checkpoint's partition to evaluate: test or dev.", DefaultValueFactory = _ => "test" };
        split.AcceptOnlyFromAmong("test", "dev");
        var weights = new Option<string>("--weights") { Description = "best (the best development epoch) or last (the latest epoch).", DefaultValueFactory = _ => "best" };
        weights.AcceptOnlyFromAmong("best", "last");
        var plot = new Option<string?>("--plot") { Description = "Also write the confusion matrix as a PNG to this path." };
        var cache = CacheOption();
        var folds = FoldsOption();
        folds.Description = "vavl:DIR where the checkpoint's VAVL folds are now (default: the folder recorded when it was trained).";
        var recalibrate = new Option<int>("--bn-recalibrate") { Description = "First recompute the batch-norm statistics from this many clean training batches of the partition (0: use the saved ones).", DefaultValueFactory = _ => 0 };
        var predictions = new Option<string?>("--predictions") { Description = "Also write each clip's target, prediction and class probabilities to this CSV (clip,target,predicted,p_ANG,...), e.g. to compare with sers evaluate's predictions.csv." };
        var command = new Command("evaluate", "Evaluate a fine-tuned checkpoint on its partition's (or VAVL fold's) test or development speakers: accuracy, per-class and macro precision, recall and F1, and the confusion matrix. To evaluate an exported model bundle on any labelled corpus, use `sers evaluate`.")
        {
            checkpoint, crema, metadata, split, weights, plot, cache, folds, recalibrate, predictions,
        };
        command.SetAction((result, token) => Run(result, log =>
        {
            var dir = result.GetRequiredValue(checkpoint);
            var state = Checkpoint.ReadState(dir);
            if (state.Kind != "finetune")
            {
                throw new ArgumentException($"'{dir}' holds a {state.Kind} checkpoint; evaluate takes a finetune --out folder.");
            }

            var experiment = new Experiment(log, Interactive);
            var cremaDir = result.GetRequiredValue(crema);
            var labels = state.Provenance.GetValueOrDefault("labels", "intended");
            var loaded = experiment.LoadCremaD(cremaDir, result.GetValue(metadata), labels.StartsWith("vavl", StringComparison.Ordinal) ? LabelSource.Intended : Labels(labels));
            var featureCache = Cache(result.GetValue(cache), cremaDir);
            var seed = int.Parse(state.Provenance.GetValueOrDefault("partitionSeed", "42"), System.Globalization.CultureInfo.InvariantCulture);
            var vavl = result.GetValue(folds) is { } f ? VavlFold.ParseOption(f) : state.Provenance.GetValueOrDefault("folds") is { } recorded ? VavlFold.ParseOption(recorded) : null;
            var which = int.Parse(state.Provenance.GetValueOrDefault(vavl is null ? "partition" : "fold", vavl is null ? "0" : "1"), System.Globalization.CultureInfo.InvariantCulture);
            var (dataset, p) = experiment.Splits(loaded, vavl, seed, [which])[0];
            var features = experiment.Features(dataset, featureCache, token);
            var silence = new LogMelExtractor(featureCache.Settings).SilenceLevel;
            var data = EmotionData.Build(dataset, p, features, silence, state.ChunkFrames, state.ChunkScale, trained: (state.Normalizer, state.MaxSentenceFrames));
            var modelOptions = Checkpoint.ModelOptionsOf(state);
            using var model = Checkpoint.LoadModel(state, Path.Combine(dir, result.GetRequiredValue(weights) == "best" ? Checkpoint.BestFile : Checkpoint.ModelFile));
            if (result.GetValue(recalibrate) is var n and > 0)
            {
                using var train = ChunkTensors.Build(data.Train, data.ChunkCount, data.ChunkFrames, modelOptions.MelBins);
                var used = BatchNormRecalibration.Run(model, train, n, state.Settings.BatchSize, state.Settings.Seed);
                log.WriteLine($"batch-norm statistics recomputed from {used} training batches");
            }

            var examples = result.GetRequiredValue(split) == "dev" ? data.Dev : data.Test;
            ConfusionMatrix matrix;
            if (result.GetValue(predictions) is { } csv)
            {
                // One pass: the matrix comes from the same probabilities the CSV holds.
                using var set = ChunkTensors.Build(examples, data.ChunkCount, data.ChunkFrames, modelOptions.MelBins);
                var probabilities = FineTuner.Predict(model, set, state.Settings.BatchSize);
                matrix = new ConfusionMatrix(CremaDEmotion.Count);
                for (var i = 0; i < examples.Count; i++)
                {
                    matrix.Add(examples[i].Label, Array.IndexOf(probabilities[i], probabilities[i].Max()), 1);
                }

                WritePredictions(csv, examples, probabilities);
                log.WriteLine($"wrote {csv}");
            }
            else
            {
                (matrix, _) = FineTuner.Evaluate(model, examples, data, modelOptions.MelBins, state.Settings.BatchSize, null);
            }

            var metrics = ClassificationMetrics.From(matrix);
            var output = result.InvocationConfiguration.Output;
            output.WriteLine($"{result.GetRequiredValue(split)} set of {p.Name}: {examples.Count} clips{(state.Provenance.GetValueOrDefault("synthetic") == "yes" ? " (synthetic data)" : string.Empty)}");
            output.WriteLine($"accuracy {metrics.Accuracy:P1}  macro precision {metrics.MacroPrecision:P1}  macro recall {metrics.MacroRecall:P1}  macro F1 {metrics.MacroF1:P1}");
            output.WriteLine("class  precision  recall     F1  support");
            for (var k = 0; k < CremaDEmotion.Count; k++)
            {
                output.WriteLine($"{CremaDEmotion.Codes[k],5} {metrics.Precision[k],10:P1} {metrics.Recall[k],7:P1} {metrics.F1[k],6:P1} {metrics.Support[k],8}");
            }

            output.WriteLine("confusion (rows true, columns predicted): " + string.Join(" | ", matrix.ToRows().Select(r => string.Join(' ', r))));
            if (result.GetValue(plot) is { } png)
            {
                ConfusionMatrixPlot.Save(png, matrix, CremaDEmotion.Codes, $"{p.Name}, {result.GetRequiredValue(split)}");
                output.WriteLine($"wrote {png}");
            }
        }));
        return command;
    }

    private static void WritePredictions(string path, IReadOnlyList<EmotionExample> examples, float[][] probabilities)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder)
        {
            Directory.CreateDirectory(folder);
        }

        using var writer = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false));
        writer.WriteLine("clip,target,predicted," + string.Join(',', CremaDEmotion.Codes.Select(c => "p_" + c)));
        for (var i = 0; i < examples.Count; i++)
        {
            var p = probabilities[i];
            var predicted = Array.IndexOf(p, p.Max());
            writer.WriteLine(string.Join(',', [examples[i].Id, CremaDEmotion.Codes[examples[i].Label], CremaDEmotion.Codes[predicted], .. p.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))]));
        }
    }

    private static Command Reproduce()
    {
        var crema = CremaDOption();
        var metadata = MetadataOption();
        var unlabeled = new Option<string?>("--unlabeled") { Description = "The unlabeled audiovisual corpus: its manifest.csv or its folder (pre-training conditions need it or --speech; the face and au tasks need it)." };
        var output = new Option<string>("--out") { Description = "Results folder; running again on it resumes where it stopped (each finished condition and split is kept).", Required = true };
        var partitions = new Option<int>("--partitions") { Description = "How many of the 5 partitions (or VAVL folds, from fold 1) to run.", DefaultValueFactory = _ => 5 };
        var folds = FoldsOption();
        var soft = SoftLabelsOption();
        var partitionSeed = PartitionSeedOption();
        var conditions = new Option<string>("--conditions") { Description = "Pre-training conditions: all (none, each task alone and every combination) or a semicolon-separated list such as 'none;energy;energy,face,au'.", DefaultValueFactory = _ => "all" };
        var labels = LabelsOption();
        var loss = new Option<string>("--loss") { Description = "Fine-tuning loss: ce, balanced or cooccurrence.", DefaultValueFactory = _ => "ce" };
        loss.AcceptOnlyFromAmong([.. EmotionLossFactory.Names]);
        var fraction = new Option<double>("--train-fraction") { Description = "Share of each partition's training actors used for fine-tuning, in (0, 1]; small shares show what pre-training adds when labels are scarce.", DefaultValueFactory = _ => 1.0 };
        var pretrainEpochs = new Option<int>("--pretrain-epochs") { Description = "Pre-training epochs per condition.", DefaultValueFactory = _ => 10 };
        var speech = SpeechOption();
        var speechSpeakers = new Option<string>("--speech-speakers")
        {
            Description = "Whose --speech recordings pre-training hears: train (once per split, only its training speakers, told apart by CREMA-D file names; the development and test speakers stay unheard) or all (once, every recording: the test speakers' audio is then heard, without labels).",
            DefaultValueFactory = _ => "train",
        };
        speechSpeakers.AcceptOnlyFromAmong("train", "all");
        var cacheRoot = new Option<string?>("--cache-root") { Description = "Folder of the feature caches, one folder per corpus under it (default: ~/.cache/serssl/features)." };
        var training = new TrainingOptions(defaultEpochs: 30);
        var recipe = new RecipeOptions();
        var command = new Command("reproduce", "The paper's experiment: no pre-training versus each pretext task alone versus every combination, each fine-tuned and tested on every partition. Writes results.json, results.md (macro P/R/F1, mean and std, change against no pre-training), metrics.png, and per condition a confusion matrix and training curves.")
        {
            crema, metadata, unlabeled, speech, speechSpeakers, cacheRoot, output, partitions, folds, soft, partitionSeed, conditions, labels, loss, fraction, pretrainEpochs,
        };
        training.AddTo(command);
        recipe.AddTo(command);
        command.SetAction((result, token) => Run(result, log =>
        {
            var conditionList = result.GetRequiredValue(conditions) == "all"
                ? (IReadOnlyList<PretextTasks>)[PretextTasks.None, .. PretextTaskNames.AllCombinations]
                : [.. result.GetRequiredValue(conditions).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(PretextTaskNames.Parse).Distinct()];
            var model = training.Model(result);
            log.WriteLine($"model: {Complexity(model)}");
            var settings = training.Settings(result);
            var fineTuning = recipe.Apply(settings, result);
            log.WriteLine($"recipe: {RecipeOptions.Describe(fineTuning)}");
            var spec = new ReproductionSpec(
                result.GetRequiredValue(crema),
                result.GetValue(metadata),
                result.GetValue(unlabeled),
                result.GetRequiredValue(output),
                Math.Clamp(result.GetValue(partitions), 1, 5),
                result.GetValue(partitionSeed),
                VavlDirectory(result, folds),
                conditionList,
                Labels(result.GetRequiredValue(labels)),
                new FineTuneSpec(model, fineTuning, EmotionLossFactory.Parse(result.GetRequiredValue(loss)), result.GetValue(fraction), ChunkFrames, training.ChunkScale(result), SoftLabels(result, soft, VavlDirectory(result, folds))),
                settings with { Epochs = result.GetValue(pretrainEpochs) },
                TrainingOptions.CommandLine(result))
            {
                SpeechDirectory = result.GetValue(speech),
                SpeechAllSpeakers = result.GetRequiredValue(speechSpeakers) == "all",
                CacheRoot = result.GetValue(cacheRoot),
            };
            if (spec.UnlabeledManifest is null && spec.SpeechDirectory is not null && conditionList.FirstOrDefault(c => (c & (PretextTasks.Face | PretextTasks.Au)) != 0) is var faceCondition and not PretextTasks.None)
            {
                throw new ArgumentException($"--conditions: '{PretextTaskNames.Format(faceCondition)}' needs face tracks for its face and au tasks, which only an audiovisual corpus has; add --unlabeled, or keep to 'none;energy' with --speech alone.");
            }

            if (spec.SpeechDirectory is null && result.GetResult(speechSpeakers) is { Implicit: false })
            {
                throw new ArgumentException("--speech-speakers says whose --speech recordings pre-training hears; add --speech.");
            }

            var report = new Reproduction(log, Interactive).Run(spec, token);
            result.InvocationConfiguration.Output.WriteLine(MetricsMarkdown.Table([.. report.Conditions.Select(c => c.Summary)], report.Baseline));
        }));
        return command;
    }

    private static bool SoftLabels(ParseResult result, Option<bool> soft, string? vavl) =>
        result.GetValue(soft) && vavl is null
            ? throw new ArgumentException("--soft-labels trains on the VAVL folds' label distributions; add --folds vavl:DIR.")
            : result.GetValue(soft);

    private static string Complexity(ModelOptions options)
    {
        using var model = new SerModel(options);
        return model.Summary();
    }

    internal static bool Interactive => !Console.IsErrorRedirected;

    /// <summary>Runs a command body; a user's mistake becomes one clear line on stderr and exit code 2.</summary>
    internal static Task<int> Run(ParseResult result, Action<TextWriter> body)
    {
        var error = result.InvocationConfiguration.Error;
        try
        {
            body(error);
            return Task.FromResult(0);
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("stopped; the last finished epoch is saved, and the same command resumes from it.");
            return Task.FromResult(130);
        }
        catch (AggregateException ex)
        {
            foreach (var inner in ex.Flatten().InnerExceptions.Take(10))
            {
                error.WriteLine($"error: {inner.Message}");
            }

            return Task.FromResult(2);
        }
        catch (Exception ex) when (ex is ArgumentException or SerSsl.Core.Models.ModelBundleException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException or InvalidOperationException or FormatException)
        {
            error.WriteLine($"error: {ex.Message}");
            return Task.FromResult(2);
        }
    }
}
