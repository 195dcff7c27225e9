using System.CommandLine;
using System.Globalization;
using SerSsl.Core.Models;
using SerSsl.Training.Export;

namespace SerSsl.Training.Commands;

/// <summary><c>sers-train export</c>: a fine-tuned checkpoint to a model bundle that <c>sers</c> loads.</summary>
internal static class ExportCommand
{
    public static Command Build()
    {
        var checkpoint = new Option<string>("--checkpoint")
        {
            Description = "A finetune --out folder (its best.pt is exported, else model.pt), or a best.pt / model.pt file inside one.",
            Required = true,
        };
        var output = new Option<string>("--out")
        {
            Description = "The bundle folder to write (created when missing; encoder.onnx, aggregator.onnx and manifest.json are replaced, other files kept).",
            Required = true,
        };
        var name = new Option<string?>("--name") { Description = "Model name in the manifest (default: the checkpoint folder's name)." };
        var maxChunks = new Option<int?>("--max-chunks")
        {
            Description = "Largest number of chunks K the streaming aggregator combines (default: the chunks per clip of training, from its longest sentence).",
        };
        var aliases = new Option<string[]>("--path-alias")
        {
            HelpName = "FROM=TO",
            Description = "Write path prefix FROM as TO in the manifest's recorded commands (e.g. /data/CREMA-D=CREMA-D), so a bundle you publish names no folders of your machine; repeat for several.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        aliases.Validators.Add(result =>
        {
            foreach (var value in result.GetValueOrDefault<string[]>() ?? [])
            {
                var at = value.IndexOf('=', StringComparison.Ordinal);
                if (at <= 0 || at == value.Length - 1)
                {
                    result.AddError($"--path-alias '{value}': expected FROM=TO with both sides non-empty, e.g. /data/CREMA-D=CREMA-D.");
                }
            }
        });
        var command = new Command(
            "export",
            "Export a fine-tuned checkpoint as a model bundle for sers: encoder.onnx (chunks [batch, m, bins] -> embeddings [batch, D], batch norm folded), "
            + "aggregator.onnx (embeddings [batch, K, D] + mask [batch, K] -> probabilities and logits [batch, labels]), both ONNX opset "
            + $"{OnnxCompatibility.ExportOpset} with dynamic batch and K, and manifest.json (labels, log-mel settings, normalisation, chunking, provenance). "
            + "The bundle is then loaded back, validated, and compared with the TorchSharp forward pass under ONNX Runtime; the export fails if they differ by more than "
            + $"{ParityReport.ProbabilityTolerance:E0} on probabilities or {ParityReport.EmbeddingTolerance:E0} on embeddings.")
        {
            checkpoint, output, name, maxChunks, aliases,
        };
        command.SetAction((result, token) => TrainingCommands.Run(result, _ =>
        {
            var request = new ExportRequest(
                result.GetRequiredValue(checkpoint),
                result.GetRequiredValue(output),
                result.GetValue(name),
                result.GetValue(maxChunks),
                TrainingOptions.CommandLine(result, "--path-alias"),
                [.. (result.GetValue(aliases) ?? []).Select(static a => (a[..a.IndexOf('=', StringComparison.Ordinal)].TrimEnd('/'), a[(a.IndexOf('=', StringComparison.Ordinal) + 1)..]))]);
            var outcome = CheckpointExporter.Run(request);
            Print(result.InvocationConfiguration.Output, outcome);
        }));
        return command;
    }

    private static void Print(TextWriter output, ExportOutcome outcome)
    {
        var bundle = outcome.Written.Bundle;
        var manifest = bundle.Manifest;
        var state = outcome.State;
        output.WriteLine(Invariant($"checkpoint: {outcome.WeightsPath} (epoch {state.BestEpoch} of {state.Epoch}, dev macro F1 {state.BestDevMacroF1 ?? double.NaN:P1})"));
        output.WriteLine($"wrote {bundle.Directory}:");
        output.WriteLine(Invariant($"  {manifest.Encoder.File,-16} {Size(bundle.EncoderPath),10}  {outcome.Written.EncoderParameters,9:N0} parameters (batch norm folded)"));
        output.WriteLine(Invariant($"  {manifest.Aggregator.File,-16} {Size(bundle.AggregatorPath),10}  {outcome.Written.AggregatorParameters,9:N0} parameters ({ModelOptionsAggregator(state)} aggregator and emotion head)"));
        output.WriteLine(Invariant($"  {ModelBundle.ManifestFileName,-16} {Size(Path.Combine(bundle.Directory, ModelBundle.ManifestFileName)),10}"));
        output.WriteLine(Invariant($"name {manifest.Name}; ONNX opset {OnnxCompatibility.ExportOpset}, IR {OnnxCompatibility.ExportIrVersion}; labels {string.Join(' ', manifest.Labels)}; chunk {manifest.Chunks.Frames} frames x {manifest.Features.MelBinCount} bins, D {manifest.EmbeddingDim}, hop {manifest.Chunks.DefaultHopFrames} frames, K up to {manifest.Chunks.MaxChunks}"));
        foreach (var (level, report) in outcome.Parity)
        {
            output.WriteLine($"parity {level}: {report}");
        }

        output.WriteLine("bundle validated; parity within tolerance.");
    }

    private static string ModelOptionsAggregator(Training.CheckpointState state) => Training.Checkpoint.ModelOptionsOf(state).Aggregator.ToString();

    private static string Size(string path)
    {
        var bytes = new FileInfo(path).Length;
        return bytes < 1024 ? Invariant($"{bytes} B") : Invariant($"{bytes / 1024.0:F1} KiB");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
