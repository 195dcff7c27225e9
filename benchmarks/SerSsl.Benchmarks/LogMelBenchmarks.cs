using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using SerSsl.Core.Features;

namespace SerSsl.Benchmarks;

/// <summary>
/// Log-mel extraction of D ms of 16 kHz audio, i.e. D / 10 frames: the input holds 160 * (D / 10 - 1) + 400 samples
/// (the last window reaches 15 ms past the last hop). Compares the project's batch and online extractors with a
/// plain baseline that produces the same frames.
/// </summary>
[Config(typeof(Config))]
public class LogMelBenchmarks
{
    private const int BlockSamples = 160;

    private float[] _samples = [];
    private float[] _frames = [];
    private LogMelExtractor _extractor = null!;
    private OnlineLogMelExtractor _online = null!;
    private NaiveLogMel _naive = null!;

    /// <summary>Audio duration in milliseconds: 10 ms (one frame, one streaming hop), 1 s and 10 s.</summary>
    [Params(10, 1_000, 10_000)]
    public int AudioMilliseconds { get; set; }

    /// <summary>Builds the signal and checks that all three implementations agree within 1e-3.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var frameCount = AudioMilliseconds / 10;
        var random = new Random(42);
        _samples = new float[(BlockSamples * (frameCount - 1)) + 400];
        for (var i = 0; i < _samples.Length; i++)
        {
            _samples[i] = (float)((0.3 * Math.Sin(2.0 * Math.PI * 440.0 * i / 16000.0)) + (0.05 * (random.NextDouble() - 0.5)));
        }

        _extractor = new LogMelExtractor();
        _online = new OnlineLogMelExtractor();
        _naive = new NaiveLogMel();
        _frames = new float[_extractor.FrameCount(_samples.Length) * _extractor.BinCount];
        if (_extractor.FrameCount(_samples.Length) != frameCount)
        {
            throw new InvalidOperationException($"Expected {frameCount} frames.");
        }

        var reference = Naive();
        var batch = Batch().ToArray();
        var online = Online().ToArray();
        for (var i = 0; i < reference.Length; i++)
        {
            if (Math.Abs(reference[i] - batch[i]) > 1e-3f || online[i] != batch[i])
            {
                throw new InvalidOperationException($"Implementations disagree at value {i}: naive {reference[i]}, batch {batch[i]}, online {online[i]}.");
            }
        }
    }

    /// <summary>The plain baseline: allocating, recursive Complex FFT, dense mel matrix, Math.Log.</summary>
    [Benchmark(Baseline = true)]
    public float[] Naive() => _naive.Extract(_samples);

    /// <summary>The batch extractor into a preallocated [T, 64] buffer.</summary>
    [Benchmark]
    public float[] Batch()
    {
        _extractor.Extract(_samples, _frames);
        return _frames;
    }

    /// <summary>The online extractor fed 10 ms blocks (160 samples), as a live stream would.</summary>
    [Benchmark]
    public float[] Online()
    {
        _online.Reset();
        var written = 0;
        for (var start = 0; start < _samples.Length; start += BlockSamples)
        {
            var block = _samples.AsSpan(start, Math.Min(BlockSamples, _samples.Length - start));
            written += _online.Process(block, _frames.AsSpan(written * _online.BinCount));
        }

        return _frames;
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddDiagnoser(MemoryDiagnoser.Default);
            AddColumn(new RealTimeFactorColumn());
        }
    }
}
