using System.CommandLine;
using System.Globalization;
using SerSsl.Core.Labels;
using SerSsl.Core.Models;
using SerSsl.Streaming.Evaluation;
using SerSsl.Streaming.Evaluation.Corpora;
using SerSsl.Streaming.Pipeline;
using Spectre.Console;

namespace SerSsl.Streaming.Commands;

/// <summary>
/// <c>sers evaluate</c>: how a model bundle does on a labelled corpus: every clip through the streaming pipeline as
/// <c>sers analyze</c> runs it, one decision per clip, then accuracy, UAR, per-class metrics and the confusion matrix.
/// </summary>
internal static class EvaluateCommand
{
    public static Command Build()
    {
        var corpus = new Option<string>("--corpus", "-c")
        {
            Description = "The corpus: its folder (subfolders are searched), or for --layout csv the CSV list or its folder.",
            Required = true,
            HelpName = "DIR|CSV",
        };
        var layout = new Option<string>("--layout", "-l")
        {
            Description = "How the corpus names its labels: crema-d (1001_DFA_ANG_XX.wav), ravdess (03-01-05-01-02-01-12.wav), emodb (03a01Fa.wav), tess (OAF_back_angry.wav), savee (DC/a01.wav) or csv (path and label columns). See docs/evaluation.md.",
            Required = true,
        };
        layout.CompletionSources.Add(CorpusLayouts.Names.ToArray());
        var output = new Option<DirectoryInfo?>("--out", "-o")
        {
            HelpName = "DIR",
            Description = "Write metrics.json, predictions.csv, skipped.csv and confusion.png into this folder (created when missing).",
        };
        var map = new Option<string[]>("--map")
        {
            HelpName = "CORPUS=MODEL",
            Description = "Override the label mapping: CORPUS=MODEL (e.g. calm=neutral) or CORPUS=drop, comma-separated or repeated. By default each corpus label goes to the model label of the same meaning and labels the model lacks are left out.",
            AllowMultipleArgumentsPerToken = false,
            Arity = ArgumentArity.ZeroOrMore,
        };
        var limit = new Option<int?>("--limit")
        {
            HelpName = "N",
            Description = "Evaluate at most N clips, drawn at random (see --seed) from those whose labels map onto the model.",
        };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1 and var value)
            {
                result.AddError($"--limit must be at least 1; got {value}.");
            }
        });
        var seed = new Option<int>("--seed")
        {
            HelpName = "S",
            Description = "Seed of the --limit draw; the same seed draws the same clips.",
            DefaultValueFactory = _ => 1,
        };
        var jobs = new Option<int>("--jobs", "-j")
        {
            HelpName = "N",
            Description = "Clips in flight at once; the inference thread batches their chunks together.",
            DefaultValueFactory = _ => 8,
        };
        jobs.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value is < 1 or > 256)
            {
                result.AddError($"--jobs must be 1 to 256; got {value}.");
            }
        });
        var pathColumn = new Option<string?>("--path-column")
        {
            HelpName = "NAME|N",
            Description = "--layout csv: the column holding the audio path, by header name or 1-based number. Default: a column named path, file, filename, wav or audio (and a few more).",
        };
        var labelColumn = new Option<string?>("--label-column")
        {
            HelpName = "NAME|N",
            Description = "--layout csv: the column holding the label, by header name or 1-based number. Default: a column named label, emotion, class, category or target.",
        };
        var foldList = new Option<string?>("--fold-list")
        {
            HelpName = "CSV",
            Description = "--layout crema-d: a VAVL fold file (folds/vavl/label_consensus_N.csv). Only the clips of its --split set are evaluated, each against its consensus label (the top class of its label distribution), the label sers-train --folds vavl: trains and tests with.",
        };
        var split = new Option<string>("--split")
        {
            HelpName = "train|dev|test",
            Description = "With --fold-list: which set of the fold to evaluate.",
            DefaultValueFactory = _ => "test",
        };
        split.CompletionSources.Add("train", "dev", "test");
        split.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!VavlFoldFile.TryParseSplit(value, out _))
            {
                result.AddError($"--split must be train, dev or test; got '{value}'.");
            }
        });
        var estimates = new Option<bool>("--estimates")
        {
            Description = "With --out: also write estimates.csv, every estimate of every clip (its time span, speech decision and probabilities), to study how a clip's decision comes about.",
        };
        var engine = new EngineCommandOptions();
        var command = new Command(
            "evaluate",
            "Evaluate a model on a labelled corpus: run every clip through the streaming pipeline as `sers analyze` does, decide each clip from the mean of its speech estimates' probabilities, and report accuracy, unweighted average recall, per-class precision, recall and F1, and the confusion matrix.")
        {
            corpus,
            layout,
            output,
            map,
            limit,
            seed,
            jobs,
            pathColumn,
            labelColumn,
            foldList,
            split,
            estimates,
        };
        command.Validators.Add(result =>
        {
            var splitResult = result.GetResult(split);
            if (splitResult is { Implicit: false } && result.GetResult(foldList) is null)
            {
                result.AddError("--split applies with --fold-list only: pass the fold file whose set to evaluate.");
            }

            if (result.GetValue(estimates) && result.GetResult(output) is null)
            {
                result.AddError("--estimates writes estimates.csv into the --out folder: add --out.");
            }

            if (result.GetResult(foldList) is not null && result.GetValue(layout) is { } name && name.Trim().ToLowerInvariant() is not ("crema-d" or "cremad"))
            {
                result.AddError($"--fold-list names CREMA-D clips and needs --layout crema-d; the layout is '{name}'.");
            }
        });
        engine.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            return CommandErrors.RunAsync(error, async () =>
            {
                // Everything a user can get wrong is checked before the model's sessions are created.
                var corpusPath = parse.GetRequiredValue(corpus);
                var corpusLayout = CorpusLayouts.Create(parse.GetRequiredValue(layout), new CsvColumns(parse.GetValue(pathColumn), parse.GetValue(labelColumn)));
                var outDirectory = parse.GetValue(output)?.FullName;
                if (outDirectory is not null && File.Exists(outDirectory))
                {
                    throw new ArgumentException($"--out '{outDirectory}' is a file; pass a folder for metrics.json, predictions.csv and confusion.png.");
                }

                var bundle = ModelBundle.Load(engine.ModelDirectory(parse));
                var mapEntries = parse.GetValue(map) ?? [];
                var mapping = LabelMapping.Create(bundle.Labels, mapEntries);
                var scan = corpusLayout.Scan(corpusPath);
                if (parse.GetValue(foldList) is { } list)
                {
                    VavlFoldFile.TryParseSplit(parse.GetRequiredValue(split), out var set);
                    scan = FoldSelection.Apply(scan, list, set);
                }

                WarnUnusedMapEntries(mapping, scan, error);
                var plan = EvaluationPlan.Create(scan, mapping, parse.GetValue(limit), parse.GetValue(seed));
                if (plan.Clips.Count == 0)
                {
                    throw new ArgumentException(NoUsableClips(corpusLayout, plan, bundle.Labels));
                }

                var sessionOptions = engine.Session(parse);
                var settings = new EvaluationSettings(
                    (sessionOptions.HopFrames ?? bundle.Manifest.Chunks.DefaultHopFrames) * 10,
                    sessionOptions.Smoothing,
                    parse.GetRequiredValue(engine.Vad),
                    parse.GetValue(engine.VadThresholdDb),
                    parse.GetValue(jobs),
                    parse.GetValue(limit),
                    parse.GetValue(seed),
                    mapEntries);
                error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"evaluate: {plan.Clips.Count} clip(s) of {scan.Root} on {bundle.Manifest.Name}, {settings.Jobs} at a time"));

                using var loggers = engine.Logging(parse).CreateFactory();
                await using var recognition = RecognitionEngine.Create(bundle, engine.Inference(parse), loggers);
                var progress = new EvaluationProgress(plan.Clips.Count);
                var run = CorpusEvaluator.RunAsync(recognition, plan.Clips, sessionOptions, settings.Jobs, progress.OnOutcome, cancellationToken);
                await progress.ShowAsync(run, ProgressConsole(error), error).ConfigureAwait(false);
                var outcomes = await run.ConfigureAwait(false);

                var evaluation = CorpusEvaluation.Create(bundle.Manifest.Name, bundle.Directory, bundle.Labels, corpusPath, corpusLayout.Name, settings, plan, outcomes);
                if (evaluation.Predictions.Count == 0)
                {
                    throw new ArgumentException(NoUsableClips(corpusLayout, plan, bundle.Labels, evaluation));
                }

                var report = new StringWriter(CultureInfo.InvariantCulture);
                EvaluationWriter.WriteText(evaluation, report);
                await parse.InvocationConfiguration.Output.WriteAsync(report.ToString()).ConfigureAwait(false);
                if (outDirectory is not null)
                {
                    foreach (var written in EvaluationWriter.WriteAll(evaluation, outDirectory, parse.GetValue(estimates)))
                    {
                        error.WriteLine($"wrote {written}");
                    }
                }

                return 0;
            });
        });
        return command;
    }

    /// <summary>
    /// A progress bar on standard error when it is a terminal that understands ANSI and the command writes to the real
    /// console. Standard output may be redirected (the report piped to a file): Spectre's own interactivity check would
    /// then refuse the bar, so it is decided here from standard error alone.
    /// </summary>
    private static IAnsiConsole? ProgressConsole(TextWriter error)
    {
        if (!ReferenceEquals(error, Console.Error) || Console.IsErrorRedirected)
        {
            return null;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error), Interactive = InteractionSupport.Yes });
        return console.Profile.Capabilities.Ansi ? console : null;
    }

    private static void WarnUnusedMapEntries(LabelMapping mapping, CorpusScan scan, TextWriter error)
    {
        var found = scan.Clips.Select(c => c.Label).ToHashSet(StringComparer.Ordinal);
        foreach (var label in mapping.Overrides.Keys.Where(k => !found.Contains(k)))
        {
            error.WriteLine($"warning: --map {label}: no clip of the corpus has this label (its labels: {(found.Count == 0 ? "none" : string.Join(", ", found.Order(StringComparer.Ordinal)))}).");
        }
    }

    private static string NoUsableClips(CorpusLayout layout, EvaluationPlan plan, IReadOnlyList<string> modelLabels, CorpusEvaluation? evaluation = null)
    {
        var scan = plan.Scan;
        var skipped = (evaluation?.Skipped ?? plan.Skipped).GroupBy(s => s.Reason).OrderBy(g => g.Key)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Count()} {g.Key.Name()} (e.g. {g.First().RelativePath}: {g.First().Detail})"))
            .ToArray();
        var why = scan.FilesFound == 0
            ? layout is CsvLayout
                ? "the CSV list has no rows"
                : "no audio files (.wav, .opus, .ogg) under it"
            : skipped.Length == 0 ? "nothing to evaluate" : string.Join("; ", skipped);
        var hint = scan.FilesFound == 0
            ? $"Check --corpus and --layout ({layout.Name}: {layout.Convention})."
            : scan.Clips.Count == 0
                ? $"Check --layout: {layout.Name} expects {layout.Convention}."
                : $"Map the corpus labels onto the model's ({LabelMapping.Describe(modelLabels)}) with --map, or check the audio files.";
        return string.Create(CultureInfo.InvariantCulture, $"no usable clips in '{scan.Root}': {scan.FilesFound} file(s) found, {why}. {hint}");
    }
}
