using Microsoft.ML.OnnxRuntime;
using SerSsl.TestSupport;
using SerSsl.Training.Export;
using SerSsl.Training.Models;
using SerSsl.Training.Tests.Synthesis;
using TorchSharp.Modules;

namespace SerSsl.Training.Tests.Export;

/// <summary>
/// Exported graphs against the TorchSharp forward pass, for every aggregator, under ONNX Runtime with its graph
/// optimisations off (the graph as written) and on: probabilities within 1e-4, embeddings within 1e-3.
/// </summary>
public sealed class OnnxParityTests : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("parity");

    public static TheoryData<string, GraphOptimizationLevel> Cases()
    {
        var data = new TheoryData<string, GraphOptimizationLevel>();
        foreach (var kind in Enum.GetNames<AggregatorKind>())
        {
            data.Add(kind, GraphOptimizationLevel.ORT_DISABLE_ALL);
            data.Add(kind, GraphOptimizationLevel.ORT_ENABLE_ALL);
        }

        return data;
    }

    public void Dispose() => SynthTestSupport.DeleteQuietly(_dir);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Export_RandomInputs_MatchesTorchSharpWithinTolerance(string kind, GraphOptimizationLevel level)
    {
        using var model = ExportTestSupport.Model(Enum.Parse<AggregatorKind>(kind));
        var written = BundleWriter.Write(model, ExportTestSupport.Spec(model, maxChunks: 7), _dir);
        using var check = new ParityCheck(model, written.Bundle, level);
        var d = model.Options.EmbeddingDim;

        // Batch 1 and 6 for the encoder; K = 1, K = 7 with padded rows (half, one valid, none valid) for the aggregator.
        var report = check.Random(seed: 11)
            .Merge(check.Encoder(ParityCheck.RandomValues(12, 6 * 100 * 64), 6))
            .Merge(check.Aggregator(ParityCheck.RandomValues(13, 3 * 1 * d), [1f, 1f, 0f], 3, 1))
            .Merge(check.Aggregator(ParityCheck.RandomValues(14, 8 * 7 * d, scale: 5f), ParityCheck.PaddedMasks(8, 7), 8, 7));

        TestContext.Current.TestOutputHelper?.WriteLine($"{kind} {level}: {report}");
        Assert.Equal(8, report.Cases);
        Assert.True(report.WithinTolerance, report.ToString());
    }

    [Theory]
    [InlineData(GraphOptimizationLevel.ORT_DISABLE_ALL)]
    [InlineData(GraphOptimizationLevel.ORT_ENABLE_ALL)]
    public void Export_FirstConvolutionAtStrideTwo_MatchesTorchSharpWithinTolerance(GraphOptimizationLevel level)
    {
        using var model = ExportTestSupport.Model(AggregatorKind.Gated, firstStride: 2);
        var written = BundleWriter.Write(model, ExportTestSupport.Spec(model, maxChunks: 7), _dir);
        using var check = new ParityCheck(model, written.Bundle, level);

        var report = check.Random(seed: 21).Merge(check.Encoder(ParityCheck.RandomValues(22, 6 * 100 * 64), 6));

        Assert.True(report.WithinTolerance, report.ToString());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Export_RealSpeechFeatures_MatchesTorchSharpWithinTolerance(string kind, GraphOptimizationLevel level)
    {
        var (chunks, count) = ExportTestSupport.SpeechChunks(hopFrames: 10);
        using var model = ExportTestSupport.Model(Enum.Parse<AggregatorKind>(kind));
        var written = BundleWriter.Write(model, ExportTestSupport.Spec(model), _dir);
        using var check = new ParityCheck(model, written.Bundle, level);

        // All chunks of the recording as one sequence, then as a batch of two where the second row pads its last chunks.
        var mask = Enumerable.Repeat(1f, count).Concat(Enumerable.Repeat(1f, count - 2)).Concat([0f, 0f]).ToArray();
        var report = check.Encoder(chunks, count)
            .Merge(check.Chained(chunks, Enumerable.Repeat(1f, count).ToArray(), 1, count))
            .Merge(check.Chained([.. chunks, .. chunks], mask, 2, count));

        TestContext.Current.TestOutputHelper?.WriteLine($"{kind} {level}, {count} chunks of {ExportTestSupport.SpeechWav}: {report}");
        Assert.True(report.WithinTolerance, report.ToString());
        Assert.True(report.Embeddings > 0 || report.Probabilities > 0, "two independent implementations should not agree bit for bit everywhere");
    }

    [Fact]
    public void Export_PaddedEmbeddingsHoldNaN_OutputsIgnoreThem()
    {
        using var model = ExportTestSupport.Model(AggregatorKind.SelfAttention);
        var written = BundleWriter.Write(model, ExportTestSupport.Spec(model), _dir);
        using var check = new ParityCheck(model, written.Bundle, GraphOptimizationLevel.ORT_DISABLE_ALL);
        var d = model.Options.EmbeddingDim;
        var embeddings = ParityCheck.RandomValues(3, 2 * 4 * d);
        var poisoned = (float[])embeddings.Clone();
        poisoned.AsSpan((3 * d) + 1, d - 1).Fill(float.NaN);        // row 0, chunk 3 (padded)
        poisoned.AsSpan(4 * d, 4 * d).Fill(float.PositiveInfinity); // row 1, fully padded
        float[] mask = [1, 1, 1, 0, 0, 0, 0, 0];

        var clean = check.RunAggregator(embeddings, mask, 2, 4);
        var dirty = check.RunAggregator(poisoned, mask, 2, 4);

        Assert.Equal(clean.Probabilities.Values, dirty.Probabilities.Values);
        Assert.All(dirty.Probabilities.Values, p => Assert.True(float.IsFinite(p)));
    }

    [Fact]
    public void Export_BatchNormFolded_EncoderHasNoBatchNormalizationNode()
    {
        using var model = ExportTestSupport.Model(AggregatorKind.Mean);
        var written = BundleWriter.Write(model, ExportTestSupport.Spec(model), _dir);
        var graph = Core.Models.Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(written.Bundle.EncoderPath)).Graph;

        Assert.DoesNotContain(graph.Node, n => n.OpType == "BatchNormalization");
        Assert.DoesNotContain(graph.Node, n => n.OpType == "Dropout");
        Assert.Equal(3, graph.Node.Count(n => n.OpType == "Conv" && n.Input.Count == 3));
        var bnParameters = model.Encoder.FeatureLayers.Select(l => l.Layer).OfType<BatchNorm2d>().Sum(b => 2 * b.num_features);
        var convBiases = model.Options.Channels.Sum();
        Assert.Equal(ModelComplexity.Of(model.Encoder).Parameters - bnParameters + convBiases, written.EncoderParameters);
    }
}
