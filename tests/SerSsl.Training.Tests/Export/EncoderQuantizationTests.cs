using System.Text.Json.Nodes;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using SerSsl.Core.Audio;
using SerSsl.Core.Features;
using SerSsl.Core.Models;
using SerSsl.Core.Models.Onnx;
using SerSsl.TestSupport;
using SerSsl.Training.Data.Features;
using SerSsl.Training.Export;
using SerSsl.Training.Models;
using SerSsl.Training.Tests.Synthesis;

namespace SerSsl.Training.Tests.Export;

/// <summary>
/// Static int8 quantization: the QDQ graph's structure and arithmetic, what ONNX Runtime makes of it (integer
/// convolutions), the int8 bundle of the shipped model against its float32 bundle, and the manifest entry.
/// </summary>
public sealed class EncoderQuantizationTests : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("quantize");

    public void Dispose() => SynthTestSupport.DeleteQuietly(_dir);

    [Theory]
    [InlineData(-2f, 6f)]
    [InlineData(0f, 3.5f)]
    [InlineData(-0.25f, 0f)]
    public void Uint8_Range_MapsZeroExactlyAndCoversBothEnds(float min, float max)
    {
        var (scale, zero) = new ActivationRange("x", min, max).Uint8();

        Assert.True(scale > 0);
        if (min == 0)
        {
            Assert.Equal(0, zero);
        }

        Assert.True((0 - zero) * scale <= min + (scale / 2), $"lowest code reaches {(0 - zero) * scale}, above {min}");
        Assert.True((255 - zero) * scale >= max - (scale / 2), $"highest code reaches {(255 - zero) * scale}, below {max}");
    }

    [Fact]
    public void Quantize_SmallModel_WeightsInt8PerChannelWithinHalfAStepAndRuntimeFusesIntegerConvolutions()
    {
        using var model = ExportTestSupport.Model(AggregatorKind.Gated);
        var bundle = BundleWriter.Write(model, ExportTestSupport.Spec(model), _dir).Bundle;
        var floatModel = ModelProto.Parser.ParseFrom(File.ReadAllBytes(bundle.EncoderPath));
        var (chunks, count) = ExportTestSupport.SpeechChunks(bundle.Manifest.Normalization.Mean, bundle.Manifest.Normalization.Std);
        var calibration = Enumerable.Range(0, count).Select(i => chunks.AsSpan(i * 6400, 6400).ToArray()).ToList();

        var (int8, summary) = EncoderQuantizer.Quantize(floatModel, calibration, 100, 64);

        var convs = floatModel.Graph.Node.Count(n => n.OpType == "Conv");
        Assert.Equal(convs, summary.QuantizedConvolutions);
        Assert.Equal(count, summary.CalibrationChunks);
        Assert.All(summary.Ranges, r => Assert.True(r.Min <= 0 && r.Max > 0, $"{r.Value}: [{r.Min}, {r.Max}]"));
        Assert.DoesNotContain(int8.Graph.Initializer, t => floatModel.Graph.Node.Where(n => n.OpType == "Conv").Any(n => n.Input[1] == t.Name));

        // Every int8 weight, times its channel's scale, is within half a step of the float weight it replaces.
        foreach (var conv in floatModel.Graph.Node.Where(n => n.OpType == "Conv"))
        {
            var original = floatModel.Graph.Initializer.Single(t => t.Name == conv.Input[1]);
            var codes = int8.Graph.Initializer.Single(t => t.Name == conv.Input[1] + ".int8");
            var scales = Floats(int8.Graph.Initializer.Single(t => t.Name == conv.Input[1] + ".scale"));
            Assert.Equal((int)TensorProto.Types.DataType.Int8, codes.DataType);
            Assert.Equal(original.Dims, codes.Dims);
            var weights = Floats(original);
            var perChannel = weights.Length / scales.Length;
            for (var i = 0; i < weights.Length; i++)
            {
                var restored = (sbyte)codes.RawData[i] * scales[i / perChannel];
                Assert.True(Math.Abs(restored - weights[i]) <= (scales[i / perChannel] / 2) + 1e-7f, $"{conv.Name} weight {i}: {weights[i]} became {restored}");
            }
        }

        var fused = BundleQuantizer.FusedOperators(int8.ToByteArray());
        Assert.Equal(convs, fused.GetValueOrDefault("QLinearConv"));
        Assert.False(fused.ContainsKey("Conv"), "a float convolution is left: " + string.Join(", ", fused.Keys));
    }

    [Fact]
    public void Quantize_NoCalibrationChunk_Throws()
    {
        using var model = ExportTestSupport.Model(AggregatorKind.Mean);
        var bundle = BundleWriter.Write(model, ExportTestSupport.Spec(model), _dir).Bundle;
        var floatModel = ModelProto.Parser.ParseFrom(File.ReadAllBytes(bundle.EncoderPath));

        var ex = Assert.Throws<ArgumentException>(() => EncoderQuantizer.Quantize(floatModel, [], 100, 64));
        Assert.Contains("calibration", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Run_ShippedModelOnTheDemoRecording_Int8BundleAgreesWithFloat32AndIsRecordedInTheManifest()
    {
        var bundleDir = Path.Combine(_dir, "bundle");
        CopyDirectory(Path.Combine(RepoPaths.Root, "models", "default"), bundleDir);
        var clips = SplitDemo(Path.Combine(_dir, "audio"), parts: 12);
        var log = new StringWriter();

        var outcome = BundleQuantizer.Run(new QuantizeRequest(bundleDir, [Path.Combine(_dir, "audio")], ChunksPerClip: 8, HeldOutShare: 0.25), log);

        Assert.True(outcome.Parity.WithinTolerance, outcome.Parity.ToString());
        Assert.Equal(3, outcome.Parity.Clips);
        Assert.True(outcome.Parity.EmbeddingRelativeError is > 0 and < 0.2f, outcome.Parity.ToString());
        Assert.Equal(4, outcome.FusedOperators.GetValueOrDefault("QLinearConv"));
        var reloaded = ModelBundle.Load(bundleDir);
        Assert.Equal(Path.Combine(reloaded.Directory, BundleQuantizer.Int8EncoderFile), reloaded.Int8EncoderPath);
        Assert.True(File.Exists(reloaded.Int8EncoderPath));
        Assert.True(new FileInfo(reloaded.Int8EncoderPath!).Length < new FileInfo(reloaded.EncoderPath).Length / 2);
        var entry = reloaded.Manifest.EncoderInt8!;
        Assert.Equal(reloaded.Manifest.Encoder.Input, entry.Input);
        Assert.Equal(outcome.Parity.TopLabelAgreement, entry.TopLabelAgreement);
        Assert.Contains("chunks of 9 clips", entry.Calibration, StringComparison.Ordinal);
        Assert.Contains("ONNX Runtime runs the int8 encoder as:", log.ToString(), StringComparison.Ordinal);
        Assert.Equal(12, clips);
    }

    [Fact]
    public void Run_CalibrationPathMissing_NamesIt()
    {
        var bundleDir = Path.Combine(_dir, "bundle");
        CopyDirectory(Path.Combine(RepoPaths.Root, "models", "default"), bundleDir);
        var missing = Path.Combine(_dir, "no-such-audio");
        var manifest = File.ReadAllText(Path.Combine(bundleDir, ModelBundle.ManifestFileName));

        var ex = Assert.Throws<FileNotFoundException>(() => BundleQuantizer.Run(new QuantizeRequest(bundleDir, [missing]), TextWriter.Null));

        Assert.Contains(missing, ex.Message, StringComparison.Ordinal);
        Assert.Equal(manifest, File.ReadAllText(Path.Combine(bundleDir, ModelBundle.ManifestFileName)));
    }

    [Fact]
    public void Load_Int8EntryWithOtherInputName_FailsNamingTheEntry()
    {
        using var model = ExportTestSupport.Model(AggregatorKind.Mean);
        BundleWriter.Write(model, ExportTestSupport.Spec(model), _dir);
        File.Copy(Path.Combine(_dir, BundleWriter.EncoderFile), Path.Combine(_dir, BundleQuantizer.Int8EncoderFile));
        var manifestPath = Path.Combine(_dir, ModelBundle.ManifestFileName);
        var json = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        json["encoderInt8"] = new JsonObject
        {
            ["file"] = BundleQuantizer.Int8EncoderFile,
            ["input"] = "x",
            ["output"] = "embeddings",
            ["calibration"] = "test",
            ["maxProbabilityDifference"] = 0,
            ["topLabelAgreement"] = 1,
        };
        File.WriteAllText(manifestPath, json.ToJsonString());

        var ex = Assert.Throws<ModelBundleException>(() => ModelBundle.Load(_dir));

        Assert.Contains("encoderInt8", ex.Message, StringComparison.Ordinal);
        Assert.Contains("sers-train quantize", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteManifest_WithoutInt8Encoder_WritesNoEntry()
    {
        using var model = ExportTestSupport.Model(AggregatorKind.Mean);
        BundleWriter.Write(model, ExportTestSupport.Spec(model), _dir);

        Assert.DoesNotContain("encoderInt8", File.ReadAllText(Path.Combine(_dir, ModelBundle.ManifestFileName)), StringComparison.Ordinal);
    }

    private static float[] Floats(TensorProto tensor)
    {
        var bytes = tensor.RawData.ToByteArray();
        var values = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }

    /// <summary>Cuts the repository's demo recording into equal WAV files; returns how many were written.</summary>
    private static int SplitDemo(string directory, int parts)
    {
        Directory.CreateDirectory(directory);
        var samples = FeatureCache.ReadCanonical(Path.Combine(RepoPaths.Root, "samples", "demo.wav"), LogMelSettings.Default.SampleRate);
        var length = samples.Length / parts;
        for (var p = 0; p < parts; p++)
        {
            using var writer = WavWriter.Create(Path.Combine(directory, $"part-{p:00}.wav"), LogMelSettings.Default.SampleRate, 1, WavSampleFormat.Float32);
            writer.Write(samples.AsSpan(p * length, length));
        }

        return parts;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
