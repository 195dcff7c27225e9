using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using SerSsl.Core.Models;
using SerSsl.Streaming.Inference;

namespace SerSsl.Benchmarks;

/// <summary>
/// The bundled default model's chunk encoder in float32 and in int8 (the QDQ graph of <c>sers-train quantize</c>,
/// which ONNX Runtime runs as integer QLinearConv), through the streaming wrapper on one thread, at batch 1, 8, 32 and
/// 128, on the same inputs (standard normal values, the scale of normalised log-mel features).
/// </summary>
[Config(typeof(Config))]
public class PrecisionBenchmarks
{
    private OnnxEmotionModel _fp32 = null!;
    private OnnxEmotionModel _int8 = null!;

    /// <summary>Chunks per run.</summary>
    [Params(1, 8, 32, 128)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var bundle = ModelBundle.Load(Path.Combine(AppContext.BaseDirectory, "models", "default"));
        var options = InferenceOptions.Default with { IntraOpThreads = 1, MaxBatch = 128 };
        _fp32 = OnnxEmotionModel.Load(bundle, options);
        _int8 = OnnxEmotionModel.Load(bundle, options with { Precision = InferencePrecision.Int8 });
        var random = new Random(3);
        for (var i = 0; i < _fp32.EncoderInput.Length; i++)
        {
            var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            _fp32.EncoderInput[i] = _int8.EncoderInput[i] = (float)gaussian;
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _fp32.Dispose();
        _int8.Dispose();
    }

    /// <summary>The float32 encoder.</summary>
    [Benchmark(Baseline = true)]
    public float EncoderFp32()
    {
        _fp32.Encode(Batch);
        return _fp32.Embeddings[0];
    }

    /// <summary>The int8 encoder.</summary>
    [Benchmark]
    public float EncoderInt8()
    {
        _int8.Encode(Batch);
        return _int8.Embeddings[0];
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddDiagnoser(MemoryDiagnoser.Default);
            AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("InProcessShort"));
            AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByParams);
            AddColumn(new PerSecondColumn("Chunks/s", nameof(Batch), 1, "Chunks encoded per second of single-thread run time (mean)"));
        }
    }
}
