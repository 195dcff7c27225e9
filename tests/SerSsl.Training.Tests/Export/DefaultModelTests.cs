using SerSsl.Core.Models;
using SerSsl.TestSupport;
using SerSsl.Training.Export;

namespace SerSsl.Training.Tests.Export;

/// <summary>The bundled default model in <c>models/default</c>: it loads, runs on real speech, and stays small.</summary>
public sealed class DefaultModelTests
{
    private const long MaxBundleBytes = 10L * 1024 * 1024;

    private static string Folder => Path.Combine(RepoPaths.Root, "models", "default");

    [Fact]
    public void Load_DefaultBundle_SixLabelsAndRealCremaDProvenanceWithoutMachinePaths()
    {
        var bundle = ModelBundle.Load(Folder);
        var provenance = bundle.Manifest.Provenance;

        Assert.Equal(["ANG", "DIS", "FEA", "HAP", "NEU", "SAD"], bundle.Labels);
        Assert.Equal(100, bundle.Manifest.Chunks.Frames);
        Assert.Equal(25, bundle.Manifest.Chunks.DefaultHopFrames);
        Assert.DoesNotContain("SYNTHETIC", provenance.Data, StringComparison.Ordinal);
        Assert.Contains("VAVL fold 1", provenance.Data, StringComparison.Ordinal);
        // Trained by finetune, or by one fold of reproduce, on the CREMA-D copy written as CREMA-D.
        Assert.Contains(provenance.Commands, c => c.StartsWith("sers-train finetune --crema-d CREMA-D ", StringComparison.Ordinal) || c.StartsWith("sers-train reproduce --crema-d CREMA-D ", StringComparison.Ordinal));
        Assert.Contains(provenance.Commands, c => c.StartsWith("sers-train export", StringComparison.Ordinal));

        // A published bundle names no folder of the machine it was built on.
        Assert.All(provenance.Commands, c => Assert.DoesNotContain(" /", c, StringComparison.Ordinal));
        Assert.All(provenance.Commands, c => Assert.DoesNotContain(":/", c, StringComparison.Ordinal));
    }

    [Fact]
    public void Card_OfflineTestFigures_AreTheManifestsMeasuredMetrics()
    {
        var metrics = ModelBundle.Load(Folder).Manifest.Provenance.Metrics;
        var card = File.ReadAllText(Path.Combine(Folder, "MODEL_CARD.md"));
        var row = card.Split('\n').Single(l => l.StartsWith("| offline |", StringComparison.Ordinal));
        var cells = row.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        // | offline | accuracy | macro precision | macro recall | macro F1 |, each "NN.N %".
        string Percent(string key) => (metrics[key] * 100).ToString("F1", System.Globalization.CultureInfo.InvariantCulture) + " %";
        Assert.Equal([Percent("testAccuracy"), Percent("testMacroPrecision"), Percent("testMacroRecall"), Percent("testMacroF1")], cells[1..5]);
        Assert.InRange(metrics["testMacroF1"], 0.40, 1.0); // far above chance (1/6) on unseen speakers
    }

    [Fact]
    public void Run_RealSpeechThroughBothGraphs_ProbabilitiesOfSixLabelsSumToOne()
    {
        var bundle = ModelBundle.Load(Folder);
        var manifest = bundle.Manifest;
        var (chunks, count) = ExportTestSupport.SpeechChunks(manifest.Normalization.Mean, manifest.Normalization.Std);
        using var encoder = new OnnxSession(bundle.EncoderPath);
        using var aggregator = new OnnxSession(bundle.AggregatorPath);

        var embeddings = encoder.Run(new Dictionary<string, FloatTensor>
        {
            [manifest.Encoder.Input] = new(chunks, [count, manifest.Chunks.Frames, manifest.Features.MelBinCount]),
        })[manifest.Encoder.Output];

        // Row 0: every chunk of the recording; row 1: only its first chunk, the rest padded with garbage.
        var d = manifest.EmbeddingDim;
        float[] batch = [.. embeddings.Values, .. embeddings.Values.AsSpan(0, d), .. Enumerable.Repeat(1e6f, (count - 1) * d)];
        float[] mask = [.. Enumerable.Repeat(1f, count), 1f, .. new float[count - 1]];
        var outputs = aggregator.Run(new Dictionary<string, FloatTensor>
        {
            [manifest.Aggregator.EmbeddingsInput] = new(batch, [2, count, d]),
            [manifest.Aggregator.MaskInput] = new(mask, [2, count]),
        });
        var probabilities = outputs[manifest.Aggregator.ProbabilitiesOutput];

        Assert.Equal([count, d], embeddings.Shape);
        Assert.Equal([2, 6], probabilities.Shape);
        Assert.All(probabilities.Values, p => Assert.InRange(p, 0f, 1f));
        Assert.Equal(1.0, probabilities.Values.Take(6).Sum(), 5);
        Assert.Equal(1.0, probabilities.Values.Skip(6).Sum(), 5);
    }

    [Fact]
    public void Files_DefaultBundle_CompleteAndAtMostTenMegabytes()
    {
        var files = Directory.GetFiles(Folder);
        var total = files.Sum(f => new FileInfo(f).Length);

        Assert.Equal(
            ["MODEL_CARD.md", BundleWriter.AggregatorFile, BundleQuantizer.Int8EncoderFile, BundleWriter.EncoderFile, ModelBundle.ManifestFileName],
            files.Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.True(total <= MaxBundleBytes, $"models/default holds {total:N0} bytes; the limit is {MaxBundleBytes:N0}.");
        var card = File.ReadAllText(Path.Combine(Folder, "MODEL_CARD.md"));
        Assert.Contains("ODbL 1.0", card, StringComparison.Ordinal); // CREMA-D's licence, credited
        Assert.Contains("DbCL 1.0", card, StringComparison.Ordinal);
        Assert.Contains("scripts/build-default-model.sh", card, StringComparison.Ordinal);
    }
}
