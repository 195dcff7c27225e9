using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using SerSsl.Training.Diagnostics;
using SerSsl.Training.Losses;
using SerSsl.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SerSsl.Benchmarks;

/// <summary>
/// One fine-tuning step (forward, cross-entropy, backward, Adam) of the default model on a batch of clips of five
/// 1-second chunks, as fine-tuning on CREMA-D runs it, by batch size and torch thread count; and the forward pass
/// alone, for two encoders of about the same FLOPs. The Chunks/s column is what an epoch's time follows from (CREMA-D: about 20,000 training chunks per epoch).
/// </summary>
[Config(typeof(Config))]
public class TrainingStepBenchmarks
{
    private const int ChunksPerClip = 5;
    private SerModel _model = null!;
    private TorchSharp.Modules.Adam _optimizer = null!;
    private Tensor _chunks = null!;
    private Tensor _mask = null!;
    private Tensor _labels = null!;

    /// <summary>Clips per batch.</summary>
    [Params(16, 32, 64)]
    public int BatchSize { get; set; }

    /// <summary>torch intra-op threads.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>
    /// The encoder: <c>default</c> (channels 16-32-64-128 at full resolution, 46.2 MFLOPs per chunk) or
    /// <c>stride2-wide</c> (first convolution at stride 2, channels 32-64-128-256, 44.4 MFLOPs).
    /// </summary>
    [Params("default", "stride2-wide")]
    public string Encoder { get; set; } = "default";

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(Threads);
        var options = Encoder == "default" ? ModelOptions.Default : ModelOptions.Default with { FirstStride = 2, Channels = [32, 64, 128, 256] };
        _model = TorchSeeding.Seeded(7, () => new SerModel(options));
        _model.train();
        _optimizer = optim.Adam(_model.parameters(), 1e-3);
        _chunks = randn(BatchSize, ChunksPerClip, options.ChunkFrames, options.MelBins);
        _mask = ones(BatchSize, ChunksPerClip);
        _labels = randint(0, options.EmotionClasses, [BatchSize]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _chunks.Dispose();
        _mask.Dispose();
        _labels.Dispose();
        _optimizer.Dispose();
        _model.Dispose();
    }

    /// <summary>Forward, loss, backward and an Adam step.</summary>
    [Benchmark]
    public float Step()
    {
        using var scope = NewDisposeScope();
        var loss = ClassificationLosses.CrossEntropy(_model.ForwardEmotion(_chunks, _mask), _labels);
        _optimizer.zero_grad();
        loss.backward();
        _optimizer.step();
        return loss.item<float>();
    }

    /// <summary>The forward pass alone, in training mode, without gradients.</summary>
    [Benchmark]
    public float Forward()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return _model.ForwardEmotion(_chunks, _mask).sum().item<float>();
    }

    private static Job InProcessShortRun => Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("InProcessShort");

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(InProcessShortRun);
            AddColumn(new PerSecondColumn("Chunks/s", nameof(BatchSize), ChunksPerClip, "1-second chunks per second of wall time (batch size x 5 over the mean)"));
        }
    }
}
