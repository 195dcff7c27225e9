using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using SerSsl.Core.Audio;

namespace SerSsl.Benchmarks;

/// <summary>
/// Decoding Ogg Opus as the CREMA-D copy is encoded (mono, 16 kHz input, <c>opusenc --bitrate 64 --comp 10</c>):
/// to 48 kHz floats, and on to the canonical 16 kHz mono the features use. 2.5 s is a typical CREMA-D clip. The file
/// is made once with Debian's <c>opusenc</c> (opus-tools) and decoded from memory, so this measures the codec, not the disk.
/// </summary>
[Config(typeof(Config))]
public class OggOpusDecodeBenchmarks
{
    private byte[] _opus = [];
    private readonly float[] _block = new float[4096];
    private float[] _canonical = [];

    /// <summary>Audio per file in milliseconds.</summary>
    [Params(2_500, 10_000)]
    public int AudioMilliseconds { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var dir = Directory.CreateTempSubdirectory("serssl-opus-bench-").FullName;
        try
        {
            var samples = new float[16 * AudioMilliseconds];
            var phase = 0.0;
            var random = new Random(3);
            for (var i = 0; i < samples.Length; i++)
            {
                var t = i / 16_000.0;
                phase += 2 * Math.PI * (140 + (40 * Math.Sin(2 * Math.PI * 0.7 * t))) / 16_000;
                samples[i] = (float)((0.3 * (0.5 + (0.5 * Math.Sin(2 * Math.PI * 4 * t))) * (Math.Sin(phase) + (0.5 * Math.Sin(2 * phase)))) + (0.01 * (random.NextDouble() - 0.5)));
            }

            var wav = Path.Combine(dir, "clip.wav");
            var opus = Path.Combine(dir, "clip.opus");
            WavFile.Write(wav, samples, 16_000, WavSampleFormat.Pcm16);
            var info = new ProcessStartInfo("opusenc") { ArgumentList = { "--quiet", "--bitrate", "64", "--comp", "10", wav, opus } };
            using (var process = Process.Start(info) ?? throw new InvalidOperationException("opusenc (Debian package opus-tools) is needed to make the benchmark's file."))
            {
                process.WaitForExit();
            }

            _opus = File.ReadAllBytes(opus);
            _canonical = new float[samples.Length + 4096];
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The whole file to 48 kHz floats.</summary>
    [Benchmark(Baseline = true)]
    public long DecodeTo48k()
    {
        using var reader = new OggOpusReader(new MemoryStream(_opus, writable: false));
        long total = 0;
        int n;
        while ((n = reader.Read(_block)) > 0)
        {
            total += n;
        }

        return total;
    }

    /// <summary>The whole file to 16 kHz mono, as the feature cache reads a clip: decode, then the streaming resampler.</summary>
    [Benchmark]
    public int DecodeAndResampleTo16k()
    {
        using var reader = AudioReader.Open(new MemoryStream(_opus, writable: false));
        var resampler = new Resampler(reader.SampleRate, 16_000);
        var written = 0;
        int n;
        while ((n = reader.ReadMono(_block)) > 0)
        {
            written += resampler.Process(_block.AsSpan(0, n), _canonical.AsSpan(written));
        }

        return written + resampler.Flush(_canonical.AsSpan(written));
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
