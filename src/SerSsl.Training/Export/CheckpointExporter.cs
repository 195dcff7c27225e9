using System.Diagnostics;
using System.Reflection;
using SerSsl.Core.Chunking;
using SerSsl.Core.Models;
using SerSsl.Synthesis;
using SerSsl.Training.Evaluation;
using SerSsl.Training.Training;
using GraphOptimizationLevel = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel;
using OnnxRuntimeException = Microsoft.ML.OnnxRuntime.OnnxRuntimeException;

namespace SerSsl.Training.Export;

/// <summary>What <c>sers-train export</c> was asked to do.</summary>
/// <param name="Checkpoint">A finetune checkpoint folder, or a <c>.pt</c> weights file inside one.</param>
/// <param name="OutputDirectory">The bundle folder.</param>
/// <param name="Name">The model name, or null for the checkpoint folder's name.</param>
/// <param name="MaxChunks">K override, or null for the chunk count training used.</param>
/// <param name="CommandLine">The export command line, for provenance.</param>
/// <param name="PathAliases">Path prefixes to replace in the recorded commands (FROM, TO), so a published bundle names no machine's folders.</param>
internal sealed record ExportRequest(string Checkpoint, string OutputDirectory, string? Name, int? MaxChunks, string CommandLine, IReadOnlyList<(string From, string To)>? PathAliases = null);

/// <summary>A finished export: the bundle, where its weights came from, and the parity figures.</summary>
/// <param name="Written">The bundle and its parameter counts.</param>
/// <param name="WeightsPath">The weights file that was exported.</param>
/// <param name="State">The checkpoint's state.</param>
/// <param name="Parity">Parity per ONNX Runtime optimisation level.</param>
internal sealed record ExportOutcome(WrittenBundle Written, string WeightsPath, CheckpointState State, IReadOnlyList<(string Level, ParityReport Report)> Parity);

/// <summary>
/// Exports a fine-tuned checkpoint as a model bundle: resolves the weights (best.pt when present, else model.pt),
/// builds the manifest (labels, normalisation, chunking, provenance), writes and validates the bundle, and checks it
/// against the TorchSharp forward pass with ONNX Runtime at two optimisation levels. A bundle that fails the parity
/// check is deleted again.
/// </summary>
internal static class CheckpointExporter
{
    /// <summary>Seed of the random parity inputs.</summary>
    public const ulong ParitySeed = 20220918;

    /// <summary>Finds the checkpoint folder and the weights file a <c>--checkpoint</c> value names.</summary>
    /// <exception cref="FileNotFoundException">Nothing usable is there.</exception>
    /// <exception cref="ArgumentException">The path names the encoder alone or an unrelated file.</exception>
    public static (string Directory, string Weights) Resolve(string checkpoint)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpoint);
        var full = Path.GetFullPath(checkpoint);
        if (Directory.Exists(full))
        {
            foreach (var file in new[] { Checkpoint.BestFile, Checkpoint.ModelFile })
            {
                if (File.Exists(Path.Combine(full, file)))
                {
                    return (full, Path.Combine(full, file));
                }
            }

            throw new FileNotFoundException($"'{checkpoint}' holds neither {Checkpoint.BestFile} nor {Checkpoint.ModelFile}; pass the folder that finetune wrote with --out.");
        }

        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"No checkpoint at '{checkpoint}': pass a finetune --out folder, or {Checkpoint.BestFile} or {Checkpoint.ModelFile} inside one.", full);
        }

        var name = Path.GetFileName(full);
        if (name == Checkpoint.EncoderFile)
        {
            throw new ArgumentException($"'{checkpoint}' holds the chunk encoder alone; export needs the whole model: pass its folder, or {Checkpoint.BestFile} or {Checkpoint.ModelFile}.");
        }

        if (!name.EndsWith(".pt", StringComparison.Ordinal) || name == Checkpoint.OptimizerFile)
        {
            throw new ArgumentException($"'{checkpoint}' is not model weights; pass a finetune --out folder, or {Checkpoint.BestFile} or {Checkpoint.ModelFile} inside one.");
        }

        return (Path.GetDirectoryName(full)!, full);
    }

    /// <summary>Runs the export.</summary>
    /// <exception cref="FileNotFoundException">The checkpoint is missing.</exception>
    /// <exception cref="InvalidDataException">The checkpoint is not readable.</exception>
    /// <exception cref="ArgumentException">The checkpoint is not a fine-tuned model, or an option is invalid.</exception>
    /// <exception cref="InvalidOperationException">ONNX Runtime rejected the graphs or the parity check failed.</exception>
    public static ExportOutcome Run(ExportRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (directory, weights) = Resolve(request.Checkpoint);
        var state = Checkpoint.ReadState(directory);
        if (state.Kind != "finetune")
        {
            throw new ArgumentException($"'{request.Checkpoint}' holds a {state.Kind} checkpoint, whose emotion head was never trained; export takes a finetune --out folder.");
        }

        if (request.MaxChunks is < 1)
        {
            throw new ArgumentException($"--max-chunks must be at least 1; got {request.MaxChunks}.");
        }

        using var model = Checkpoint.LoadModel(state, weights);
        var labels = state.Labels.Count > 0 ? state.Labels : throw new InvalidDataException($"{Path.Combine(directory, Checkpoint.StateFile)} lists no labels.");
        var trainedChunks = new DynamicChunker(Math.Max(state.MaxSentenceFrames, state.ChunkFrames), state.ChunkFrames, state.ChunkScale).ChunkCount;
        var spec = new BundleSpec
        {
            Name = request.Name ?? Path.GetFileName(directory),
            Labels = labels,
            Normalization = new FeatureNormalization { Mean = state.Normalizer.Mean, Std = state.Normalizer.Std },
            MaxChunks = request.MaxChunks ?? trainedChunks,
            Provenance = Alias(Provenance(directory, weights, state, request.CommandLine), request.PathAliases ?? []),
        };

        var written = BundleWriter.Write(model, spec, request.OutputDirectory);
        List<(string, ParityReport)> parity = [];
        try
        {
            foreach (var (level, name) in new[] { (GraphOptimizationLevel.ORT_DISABLE_ALL, "ORT_DISABLE_ALL"), (GraphOptimizationLevel.ORT_ENABLE_ALL, "ORT_ENABLE_ALL") })
            {
                using var check = new ParityCheck(model, written.Bundle, level);
                parity.Add((name, check.Random(ParitySeed)));
            }
        }
        catch (OnnxRuntimeException ex)
        {
            BundleWriter.Delete(written.Bundle.Directory);
            throw new InvalidOperationException($"ONNX Runtime rejected the exported graphs ({ex.Message}); the bundle in '{request.OutputDirectory}' was deleted. This is an exporter bug: please report it with the checkpoint.", ex);
        }

        if (parity.FirstOrDefault(p => !p.Item2.WithinTolerance) is { Item2: not null } failed)
        {
            BundleWriter.Delete(written.Bundle.Directory);
            throw new InvalidOperationException($"parity check failed under {failed.Item1}: {failed.Item2}. The bundle in '{request.OutputDirectory}' was deleted. This is an exporter bug: please report it with the checkpoint.");
        }

        return new ExportOutcome(written, weights, state, parity);
    }

    /// <summary>The code version: <c>git rev-parse --short HEAD</c> in the current folder, else sers-train's informational version.</summary>
    public static string CodeVersion()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", ["rev-parse", "--short", "HEAD"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (git is not null)
            {
                var output = git.StandardOutput.ReadToEnd().Trim();
                git.StandardError.ReadToEnd();
                if (git.WaitForExit(5000) && git.ExitCode == 0 && output.Length > 0)
                {
                    return output;
                }
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // git is not installed: fall back to the assembly version.
        }

        return typeof(CheckpointExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
    }

    private static ModelProvenance Alias(ModelProvenance provenance, IReadOnlyList<(string From, string To)> aliases)
    {
        if (aliases.Count == 0)
        {
            return provenance;
        }

        // Longest prefix first, so that a folder inside another aliased folder gets its own name.
        var ordered = aliases.OrderByDescending(a => a.From.Length).ToArray();
        string Rewrite(string text)
        {
            foreach (var (from, to) in ordered)
            {
                text = text.Replace(from, to, StringComparison.Ordinal);
            }

            return text;
        }

        return provenance with { Commands = [.. provenance.Commands.Select(Rewrite)], Data = Rewrite(provenance.Data) };
    }

    private static ModelProvenance Provenance(string directory, string weights, CheckpointState state, string exportCommand)
    {
        var p = state.Provenance;
        var commands = new List<string>();
        var data = new List<string>();
        AddSynthCommand(commands, p.GetValueOrDefault("cremaD"));
        var synthetic = p.GetValueOrDefault("synthetic") == "yes";
        var corpus = $"{(synthetic ? "SYNTHETIC speech (sers-train synth) in the CREMA-D layout" : "CREMA-D")} '{FolderName(p.GetValueOrDefault("cremaD"))}'"
            + (p.GetValueOrDefault("audio") is { } audio ? $" ({audio} audio)" : string.Empty);
        // Runs before soft labels were recorded as such say so only in their command line.
        var soft = p.GetValueOrDefault("labels") == "vavl-soft" || (p.GetValueOrDefault("labels") is null && p.GetValueOrDefault("command") is { } typed && typed.Split(' ').Contains("--soft-labels"));
        data.Add(p.GetValueOrDefault("folds") is not null
            ? $"{corpus}, VAVL fold {p.GetValueOrDefault("fold", "1")}: its training speakers, model selection on its development speakers, " + (soft
                ? "trained on each clip's consensus label distribution (soft labels), selected and tested on its top class"
                : "consensus labels (the top class of each clip's label distribution)")
            : $"{corpus}, partition {p.GetValueOrDefault("partition", "0")} of seed {p.GetValueOrDefault("partitionSeed", "42")}, {p.GetValueOrDefault("labels", "intended")} labels");

        var init = p.GetValueOrDefault("init");
        if (init is null or "none")
        {
            data.Add("encoder trained from random weights (no pre-training)");
        }
        else if (Path.GetDirectoryName(init) is { } pretrainDir && Checkpoint.Exists(pretrainDir))
        {
            var pretrain = Checkpoint.ReadState(pretrainDir).Provenance;
            AddSynthCommand(commands, pretrain.GetValueOrDefault("unlabeled"));
            if (pretrain.GetValueOrDefault("command") is { } pretrainCommand)
            {
                commands.Add(pretrainCommand);
            }

            var sources = new List<string>();
            if (pretrain.GetValueOrDefault("unlabeled") is { } unlabeled and not "none")
            {
                sources.Add($"{(pretrain.GetValueOrDefault("synthetic") == "yes" ? "the SYNTHETIC audiovisual corpus" : "the unlabeled audiovisual corpus")} '{FolderName(unlabeled)}'");
            }

            if (pretrain.GetValueOrDefault("speech") is { } speech)
            {
                sources.Add($"unlabeled speech '{FolderName(speech)}' ({pretrain.GetValueOrDefault("speechRecordings") ?? pretrain.GetValueOrDefault("speechSpeakers") ?? "all recordings"})");
            }

            data.Add($"encoder pre-trained ({Checkpoint.ReadState(pretrainDir).Tasks}) on {(sources.Count == 0 ? "an unlabeled corpus" : string.Join(" and ", sources))}");
        }
        else
        {
            data.Add($"encoder initialised from '{Path.GetFileName(init)}'");
        }

        if (p.GetValueOrDefault("command") is { } command)
        {
            commands.Add(command);
        }

        commands.Add(exportCommand);
        data.Add(Path.GetFileName(weights) == Checkpoint.BestFile
            ? $"weights of epoch {state.BestEpoch} of {state.Epoch} (best development macro F1)"
            : $"weights of the last epoch ({state.Epoch})");
        var metrics = new SortedDictionary<string, double>(StringComparer.Ordinal);
        if (state.BestDevMacroF1 is { } dev)
        {
            metrics["devMacroF1"] = dev;
        }

        var resultPath = Path.Combine(directory, Experiment.TestResultFile);
        if (Path.GetFileName(weights) == Checkpoint.BestFile && File.Exists(resultPath))
        {
            var result = ResultsJson.Deserialize<PartitionResult>(File.ReadAllText(resultPath));
            metrics["testAccuracy"] = result.Metrics.Accuracy;
            metrics["testMacroPrecision"] = result.Metrics.MacroPrecision;
            metrics["testMacroRecall"] = result.Metrics.MacroRecall;
            metrics["testMacroF1"] = result.Metrics.MacroF1;
            for (var k = 0; k < state.Labels.Count && k < result.Metrics.F1.Count; k++)
            {
                metrics[$"testF1.{state.Labels[k]}"] = result.Metrics.F1[k];
            }
        }

        return new ModelProvenance
        {
            Data = string.Join("; ", data) + (synthetic ? ". Never trained on real emotional speech." : "."),
            Commands = commands,
            Metrics = metrics,
            Created = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
            CodeVersion = CodeVersion(),
        };
    }

    /// <summary>Adds the <c>sers-train synth</c> command a synthetic corpus folder records in its notice, when it has one.</summary>
    private static void AddSynthCommand(List<string> commands, string? corpusPath)
    {
        if (string.IsNullOrEmpty(corpusPath))
        {
            return;
        }

        var folder = Directory.Exists(corpusPath) ? corpusPath : Path.GetDirectoryName(corpusPath);
        var notice = folder is null ? null : Path.Combine(folder, SyntheticCorpusFolder.NoticeFile);
        if (notice is null || !File.Exists(notice))
        {
            return;
        }

        const string Prefix = "command:";
        if (File.ReadLines(notice).FirstOrDefault(l => l.StartsWith(Prefix, StringComparison.Ordinal)) is { } line)
        {
            commands.Add(line[Prefix.Length..].Trim());
        }
    }

    private static string FolderName(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "unknown";
        }

        var trimmed = path.TrimEnd(Path.DirectorySeparatorChar);
        var name = Path.GetFileName(trimmed);
        return name == "manifest.csv" ? Path.GetFileName(Path.GetDirectoryName(trimmed)) ?? name : name;
    }
}
