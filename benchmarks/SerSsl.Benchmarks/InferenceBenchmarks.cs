using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using SerSsl.Streaming.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace SerSsl.Benchmarks;

/// <summary>
/// The chunk encoder (default architecture, 100 x 64 chunks to 128-dimensional embeddings) at batch 1, 8, 32 and 128,
/// run by ONNX Runtime through the streaming wrapper (OrtValues over preallocated buffers, batch norm folded) and by
/// TorchSharp (the training module in evaluation mode, no gradients) on the same weights; both on one thread. And the
/// aggregator (gated attention over K = 6 chunks, and the emotion head) at the same batch sizes.
/// </summary>
[Config(typeof(Config))]
public class InferenceBenchmarks
{
    private BenchmarkModel _model = null!;
    private OnnxEmotionModel _onnx = null!;
    private Tensor _chunks = null!;
    private Tensor _embeddings = null!;
    private Tensor _mask = null!;

    /// <summary>Chunks per run.</summary>
    [Params(1, 8, 32, 128)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(1);
        _model = BenchmarkModel.Create();
        _onnx = OnnxEmotionModel.Load(_model.Bundle, InferenceOptions.Default with { IntraOpThreads = 1, MaxBatch = 128 });
        var random = new Random(11);
        for (var i = 0; i < _onnx.EncoderInput.Length; i++)
        {
            _onnx.EncoderInput[i] = (float)((random.NextDouble() * 2) - 1);
        }

        for (var i = 0; i < _onnx.AggregatorEmbeddings.Length; i++)
        {
            _onnx.AggregatorEmbeddings[i] = (float)((random.NextDouble() * 2) - 1);
        }

        Array.Fill(_onnx.AggregatorMask, 1f);
        var chunkValues = _onnx.EncoderInput.AsSpan(0, Batch * _onnx.ChunkFrames * _onnx.MelBins).ToArray();
        _chunks = tensor(chunkValues, [Batch, _onnx.ChunkFrames, _onnx.MelBins]);
        var embeddingValues = _onnx.AggregatorEmbeddings.AsSpan(0, Batch * Chunks * _onnx.EmbeddingDim).ToArray();
        _embeddings = tensor(embeddingValues, [Batch, Chunks, _onnx.EmbeddingDim]);
        _mask = ones(Batch, Chunks);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _chunks.Dispose();
        _embeddings.Dispose();
        _mask.Dispose();
        _onnx.Dispose();
        _model.Dispose();
    }

    private const int Chunks = 6;

    /// <summary>TorchSharp: the encoder module on <c>[B, 100, 64]</c>.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("encoder")]
    public float EncoderTorchSharp()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var embeddings = _model.Torch.Encoder.forward(_chunks);
        return embeddings[0, 0].item<float>();
    }

    /// <summary>ONNX Runtime: the exported encoder through the streaming wrapper.</summary>
    [Benchmark]
    [BenchmarkCategory("encoder")]
    public float EncoderOnnxRuntime()
    {
        _onnx.Encode(Batch);
        return _onnx.Embeddings[0];
    }

    /// <summary>TorchSharp: aggregator and emotion head on <c>[B, 6, 128]</c> with a mask.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("aggregator")]
    public float AggregatorTorchSharp()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = _model.Torch.ClassifyEmbeddings(_embeddings, _mask);
        var probabilities = logits.softmax(-1);
        return probabilities[0, 0].item<float>();
    }

    /// <summary>ONNX Runtime: the exported aggregator graph (probabilities and logits).</summary>
    [Benchmark]
    [BenchmarkCategory("aggregator")]
    public float AggregatorOnnxRuntime()
    {
        _onnx.Aggregate(Batch, Chunks);
        return _onnx.Probabilities[0];
    }

    /// <summary>
    /// In process: the TorchSharp native library loads only from this project's own output, where the build patched it
    /// (docs/adr/0003-torchsharp-load-fix.md); a separately generated benchmark project would not have that copy. Short
    /// runs (3 warm-up and 3 measured iterations) keep the whole class within a few minutes.
    /// </summary>
    private static Job InProcessShortRun => Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("InProcessShort");

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddDiagnoser(MemoryDiagnoser.Default);
            AddJob(InProcessShortRun);
            AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams);
        }
    }
}
