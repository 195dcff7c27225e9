using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using SerSsl.Core.Audio;

namespace SerSsl.Benchmarks;

/// <summary>The streaming resampler from 48 kHz to 16 kHz, fed 10 ms blocks (one capture period) or 1 s at once.</summary>
[Config(typeof(Config))]
public class ResamplerBenchmarks
{
    private float[] _input = [];
    private float[] _output = [];
    private Resampler _resampler = null!;

    /// <summary>Audio per call in milliseconds.</summary>
    [Params(10, 1_000)]
    public int AudioMilliseconds { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        _input = new float[48 * AudioMilliseconds];
        for (var i = 0; i < _input.Length; i++)
        {
            _input[i] = (float)((0.3 * Math.Sin(2.0 * Math.PI * 440.0 * i / 48_000.0)) + (0.05 * (random.NextDouble() - 0.5)));
        }

        _resampler = new Resampler(48_000);
        _output = new float[_resampler.GetMaxOutputLength(_input.Length)];
    }

    /// <summary>One block through the resampler (its state carries over, as in a stream).</summary>
    [Benchmark]
    public int Resample48kTo16k() => _resampler.Process(_input, _output);

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddDiagnoser(MemoryDiagnoser.Default);
            AddColumn(new RealTimeFactorColumn());
        }
    }
}
