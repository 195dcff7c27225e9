using System.Text.Json.Nodes;
using Google.Protobuf;
using SerSsl.Core.Models;
using SerSsl.Core.Models.Onnx;
using SerSsl.TestSupport;
using SerSsl.Training.Export;
using SerSsl.Training.Models;
using SerSsl.Training.Tests.Synthesis;

namespace SerSsl.Training.Tests.Export;

/// <summary>
/// <see cref="ModelBundle.Load"/> on a valid exported bundle and on copies with one thing broken: every failure is a
/// <see cref="ModelBundleException"/> that names the file at fault and the problem.
/// </summary>
public sealed class ModelBundleLoadTests : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("bundle");

    public ModelBundleLoadTests()
    {
        using var model = ExportTestSupport.Model(AggregatorKind.Gated);
        BundleWriter.Write(model, ExportTestSupport.Spec(model), _dir);
    }

    private string Manifest => Path.Combine(_dir, ModelBundle.ManifestFileName);

    private string Encoder => Path.Combine(_dir, BundleWriter.EncoderFile);

    private string Aggregator => Path.Combine(_dir, BundleWriter.AggregatorFile);

    public void Dispose() => SynthTestSupport.DeleteQuietly(_dir);

    [Fact]
    public void Load_ExportedBundle_ReturnsManifestAndGraphPaths()
    {
        var bundle = ModelBundle.Load(_dir);

        Assert.Equal(ExportTestSupport.Labels, bundle.Labels);
        Assert.Equal(Encoder, bundle.EncoderPath);
        Assert.Equal(Aggregator, bundle.AggregatorPath);
        Assert.Equal(16, bundle.Manifest.EmbeddingDim);
        Assert.Equal(new ChunkSettings { Frames = 100, DefaultHopFrames = 25, MaxChunks = 6 }, bundle.Manifest.Chunks);
    }

    [Theory]
    [InlineData(BundleWriter.EncoderFile)]
    [InlineData(BundleWriter.AggregatorFile)]
    [InlineData(ModelBundle.ManifestFileName)]
    public void Load_FileMissing_NamesTheFile(string file)
    {
        File.Delete(Path.Combine(_dir, file));

        AssertFails(Path.Combine(_dir, file), "missing");
    }

    [Fact]
    public void Load_GraphIsNotOnnx_SaysSo()
    {
        File.WriteAllText(Aggregator, "this is not a model");

        AssertFails(Aggregator, "not an ONNX model");
    }

    [Fact]
    public void Load_EncoderInputRenamed_NamesBothNames()
    {
        MutateGraph(Encoder, m => m.Graph.Input[0].Name = "x");

        AssertFails(Encoder, "graph inputs are ['x']; the manifest says ['chunks']");
    }

    [Fact]
    public void Load_AggregatorOutputRenamed_NamesBothLists()
    {
        MutateGraph(Aggregator, m => m.Graph.Output[1].Name = "scores");

        AssertFails(Aggregator, "graph outputs are ['probabilities', 'scores']; the manifest says ['probabilities', 'logits']");
    }

    [Fact]
    public void Load_ManifestNamesAnotherMaskInput_Fails()
    {
        MutateManifest(m => m["aggregator"]!["maskInput"] = "valid");

        AssertFails(Aggregator, "the manifest says ['embeddings', 'valid']");
    }

    [Fact]
    public void Load_EncoderMelBinsDiffer_NamesAxisAndManifestValue()
    {
        MutateGraph(Encoder, m => m.Graph.Input[0].Type.TensorType.Shape.Dim[2].DimValue = 40);

        AssertFails(Encoder, "has shape [batch, 100, 40]; axis 2 (features.melBinCount) must be 64");
    }

    [Fact]
    public void Load_ManifestChunkFramesDiffer_NamesAxis()
    {
        MutateManifest(m => m["chunks"]!["frames"] = 50);

        AssertFails(Encoder, "axis 1 (chunks.frames) must be 50");
    }

    [Fact]
    public void Load_ManifestEmbeddingDimDiffers_Fails()
    {
        MutateManifest(m => m["embeddingDim"] = 32);

        AssertFails(Encoder, "axis 1 (embeddingDim) must be 32");
    }

    [Fact]
    public void Load_LabelCountDiffersFromAggregatorOutput_NamesTheCounts()
    {
        MutateManifest(m => m["labels"] = new JsonArray("ANG", "DIS", "FEA", "HAP", "NEU"));

        AssertFails(Aggregator, "has shape [batch, 6]; axis 1 (one value per label; the manifest lists 5) must be 5");
    }

    [Fact]
    public void Load_FixedBatchDimension_MustBeDynamic()
    {
        MutateGraph(Encoder, m => m.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimValue = 1);

        AssertFails(Encoder, "axis 0 (batch) is fixed at 1 but must be dynamic");
    }

    [Fact]
    public void Load_FixedChunkCount_MustBeDynamic()
    {
        MutateGraph(Aggregator, m => m.Graph.Input.Single(i => i.Name == "mask").Type.TensorType.Shape.Dim[1].DimValue = 6);

        AssertFails(Aggregator, "input 'mask' has shape [batch, 6]; axis 1 (chunks) is fixed at 6 but must be dynamic");
    }

    [Fact]
    public void Load_DoubleInput_NamesElementType()
    {
        MutateGraph(Encoder, m => m.Graph.Input[0].Type.TensorType.ElemType = (int)TensorProto.Types.DataType.Double);

        AssertFails(Encoder, "input 'chunks' has element type double; the runtime feeds and reads float32");
    }

    [Fact]
    public void Load_WrongRank_NamesBothRanks()
    {
        MutateGraph(Aggregator, m => m.Graph.Input[0].Type.TensorType.Shape.Dim.RemoveAt(1));

        AssertFails(Aggregator, "input 'embeddings' has rank 2 [batch, 16]; expected rank 3 [batch, chunks, 16]");
    }

    [Theory]
    [InlineData(16)]
    [InlineData(OnnxCompatibility.MaximumOpset + 1)]
    public void Load_UnsupportedOpset_NamesOpsetAndRange(long opset)
    {
        MutateGraph(Aggregator, m => m.OpsetImport[0].Version = opset);

        AssertFails(Aggregator, $"opset {opset} is not supported; model bundles use ONNX opsets 17 to {OnnxCompatibility.MaximumOpset}");
    }

    [Fact]
    public void Load_NewestSupportedVersions_Accepted()
    {
        MutateGraph(Aggregator, m => (m.IrVersion, m.OpsetImport[0].Version) = (OnnxCompatibility.MaximumIrVersion, OnnxCompatibility.MaximumOpset));

        Assert.NotNull(ModelBundle.Load(_dir));
    }

    [Theory]
    [InlineData(7)]
    [InlineData(OnnxCompatibility.MaximumIrVersion + 1)]
    public void Load_UnsupportedIrVersion_NamesVersionAndRange(long irVersion)
    {
        MutateGraph(Encoder, m => m.IrVersion = irVersion);

        AssertFails(Encoder, $"IR version {irVersion} is not supported; this runtime reads IR versions 8 to {OnnxCompatibility.MaximumIrVersion}");
    }

    [Fact]
    public void Load_NoStandardOpset_Fails()
    {
        MutateGraph(Encoder, m => m.OpsetImport[0].Domain = "com.example");

        AssertFails(Encoder, "imports no standard ONNX opset");
    }

    [Fact]
    public void Load_NodeFromCustomDomain_NamesTheNode()
    {
        MutateGraph(Encoder, m => m.Graph.Node.First(n => n.OpType == "Relu").Domain = "com.microsoft");

        AssertFails(Encoder, "node 'relu0' (Relu) is from operator domain 'com.microsoft'");
    }

    [Theory]
    [InlineData("sampleRate", 44100, "features.sampleRate is 44100 Hz; the runtime converts all audio to 16000 Hz")]
    [InlineData("fftLength", 500, "features cannot be produced by this runtime: Invalid log-mel settings: FftLength must be a power of two")]
    [InlineData("hopLength", 480, "HopLength must not exceed WindowLength")]
    public void Load_FeatureSettingsTheRuntimeCannotProduce_NamesTheSetting(string setting, int value, string expected)
    {
        MutateManifest(m => m["features"]![setting] = value);

        AssertFails(Manifest, expected);
    }

    [Fact]
    public void Load_NormalizationOfOtherBinCount_Fails()
    {
        MutateManifest(m => m["normalization"]!["std"] = new JsonArray(1f, 2f));

        AssertFails(Manifest, "normalization needs mean and std with one value per mel bin (64); got 64 and 2");
    }

    private void AssertFails(string file, string expected)
    {
        var error = Assert.Throws<ModelBundleException>(() => ModelBundle.Load(_dir));
        Assert.Equal(file, error.FilePath);
        Assert.StartsWith(file + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static void MutateGraph(string path, Action<ModelProto> change)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        change(model);
        File.WriteAllBytes(path, model.ToByteArray());
    }

    private void MutateManifest(Action<JsonObject> change)
    {
        var json = JsonNode.Parse(File.ReadAllText(Manifest))!.AsObject();
        change(json);
        File.WriteAllText(Manifest, json.ToJsonString());
    }
}
