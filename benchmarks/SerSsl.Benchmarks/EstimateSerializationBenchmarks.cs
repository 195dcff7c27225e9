using System.Buffers;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using Google.Protobuf;
using SerSsl.Protos.V1;

namespace SerSsl.Benchmarks;

/// <summary>Serialising one estimate (six labels) to protobuf's wire format: to a new array, and into a reused buffer.</summary>
[Config(typeof(Config))]
public class EstimateSerializationBenchmarks
{
    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private EmotionEstimate _estimate = null!;

    [GlobalSetup]
    public void Setup()
    {
        _estimate = new EmotionEstimate
        {
            SessionId = "mic-1",
            Sequence = 123_456,
            StartSeconds = 3086.25,
            EndSeconds = 3087.265,
            TopLabel = "HAP",
            Confidence = 0.61f,
            SpeechProbability = 0.93f,
            Speech = true,
            LatencyMs = 2.7,
        };
        float[] probabilities = [0.05f, 0.04f, 0.08f, 0.61f, 0.2f, 0.02f];
        string[] labels = ["ANG", "DIS", "FEA", "HAP", "NEU", "SAD"];
        for (var i = 0; i < labels.Length; i++)
        {
            _estimate.Probabilities.Add(new LabelProbability { Label = labels[i], Probability = probabilities[i] });
        }
    }

    /// <summary>A new byte array per estimate.</summary>
    [Benchmark(Baseline = true)]
    public byte[] ToByteArray() => _estimate.ToByteArray();

    /// <summary>Into a reused buffer writer (what a stream writer that frames messages itself would do).</summary>
    [Benchmark]
    public int IntoBufferWriter()
    {
        _buffer.ResetWrittenCount();
        _estimate.WriteTo(_buffer);
        return _buffer.WrittenCount;
    }

    private sealed class Config : ManualConfig
    {
        public Config() => AddDiagnoser(MemoryDiagnoser.Default);
    }
}
