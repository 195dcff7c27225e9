using System.Text.Json.Nodes;
using SerSsl.Core.Models;
using SerSsl.Streaming.Inference;
using SerSsl.Streaming.Tests.Support;
using SerSsl.TestSupport;

namespace SerSsl.Streaming.Tests.Inference;

/// <summary><c>--precision</c>: the bundled model's int8 encoder runs and stays close to float32; a bundle without one is refused clearly.</summary>
public sealed class PrecisionTests : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("precision");

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public void Load_Int8_RunsTheInt8EncoderCloseToFloat32()
    {
        var bundle = TestModel.Load();
        Assert.NotNull(bundle.Int8EncoderPath);
        using var fp32 = OnnxEmotionModel.Load(bundle);
        using var int8 = OnnxEmotionModel.Load(bundle, InferenceOptions.Default with { Precision = InferencePrecision.Int8 });
        var random = new Random(5);
        const int batch = 16;
        var size = fp32.ChunkFrames * fp32.MelBins;
        for (var i = 0; i < batch * size; i++)
        {
            // Normalised log-mel features are roughly zero-mean, unit-variance.
            var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            fp32.EncoderInput[i] = int8.EncoderInput[i] = (float)gaussian;
        }

        fp32.Encode(batch);
        int8.Encode(batch);

        double error = 0, reference = 0;
        for (var i = 0; i < batch * fp32.EmbeddingDim; i++)
        {
            error += Math.Pow(fp32.Embeddings[i] - int8.Embeddings[i], 2);
            reference += Math.Pow(fp32.Embeddings[i], 2);
        }

        var relative = Math.Sqrt(error / reference);
        Assert.True(relative > 0, "int8 gave exactly the float32 embeddings: the int8 encoder did not run");
        Assert.True(relative < 0.1, $"int8 embeddings are {relative:P1} away from float32 (relative L2)");
    }

    [Fact]
    public void Load_Int8OnABundleWithoutOne_SaysHowToMakeIt()
    {
        var copy = TestModel.CopyTo(Path.Combine(_dir, "bundle"));
        var manifestPath = Path.Combine(copy, ModelBundle.ManifestFileName);
        var json = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        json.Remove("encoderInt8");
        File.WriteAllText(manifestPath, json.ToJsonString());
        var bundle = ModelBundle.Load(copy);

        var ex = Assert.Throws<InferenceException>(() => OnnxEmotionModel.Load(bundle, InferenceOptions.Default with { Precision = InferencePrecision.Int8 }));

        Assert.Contains("--precision int8", ex.Message, StringComparison.Ordinal);
        Assert.Contains("sers-train quantize", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--precision fp32", ex.Message, StringComparison.Ordinal);
    }
}
