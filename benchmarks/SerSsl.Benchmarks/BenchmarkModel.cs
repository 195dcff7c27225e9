using SerSsl.Core.Labels;
using SerSsl.Core.Models;
using SerSsl.Training.Diagnostics;
using SerSsl.Training.Export;
using SerSsl.Training.Models;

namespace SerSsl.Benchmarks;

/// <summary>
/// The default architecture with seeded random weights, in TorchSharp and exported to a temporary bundle, so that the
/// ONNX Runtime and TorchSharp benchmarks run exactly the same weights.
/// </summary>
internal sealed class BenchmarkModel : IDisposable
{
    private BenchmarkModel(SerModel torch, ModelBundle bundle, string directory)
    {
        Torch = torch;
        Bundle = bundle;
        _directory = directory;
    }

    private readonly string _directory;

    /// <summary>The TorchSharp model, in evaluation mode.</summary>
    public SerModel Torch { get; }

    /// <summary>The exported bundle.</summary>
    public ModelBundle Bundle { get; }

    /// <summary>Builds, seeds and exports the default model.</summary>
    public static BenchmarkModel Create()
    {
        var torch = TorchSeeding.Seeded(20261124, () => new SerModel(ModelOptions.Default));
        torch.eval();
        var directory = Path.Combine(Path.GetTempPath(), $"serssl-bench-{Guid.NewGuid():N}");
        var spec = new BundleSpec
        {
            Name = "benchmark",
            Labels = CremaDEmotion.Codes,
            Normalization = new FeatureNormalization
            {
                Mean = new float[ModelOptions.Default.MelBins],
                Std = Enumerable.Repeat(1f, ModelOptions.Default.MelBins).ToArray(),
            },
            MaxChunks = 6,
            Provenance = new ModelProvenance { Data = "random weights", Commands = ["benchmark"], Created = DateTimeOffset.UnixEpoch, CodeVersion = "benchmark" },
        };
        var written = BundleWriter.Write(torch, spec, directory);
        return new BenchmarkModel(torch, written.Bundle, directory);
    }

    public void Dispose()
    {
        Torch.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
