using SerSsl.Core.Audio;
using SerSsl.Core.Features;
using SerSsl.TestSupport;
using SerSsl.Training.Data.Features;

namespace SerSsl.Training.Tests.Data.Features;

public sealed class FeatureCacheTests : IDisposable
{
    private readonly string _root = RepoPaths.NewTempDirectory("feature-cache");
    private readonly string _cacheDir;

    public FeatureCacheTests()
    {
        _cacheDir = Path.Combine(_root, "cache");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void GetOrCompute_FirstCall_EqualsDirectExtraction()
    {
        var samples = Signal(16000, seconds: 1.3, seed: 1);
        var wav = WriteWav("a.wav", samples, 16000);
        var cache = new FeatureCache(_cacheDir, LogMelSettings.Default);

        var features = cache.GetOrCompute(wav, "a");

        // Direct computation on the same (16-bit quantised) samples.
        var decoded = WavFile.ReadMono(wav).Samples;
        var expected = new LogMelExtractor().Extract(decoded);
        Assert.Equal(expected.FrameCount, features.FrameCount);
        Assert.Equal(128, features.FrameCount); // 1 + (20800 - 400) / 160
        Assert.Equal(64, features.BinCount);
        Assert.Equal(expected.Values.ToArray(), features.LogMel);
        Assert.Equal(FrameEnergy.Compute(decoded), features.EnergyDb);
        Assert.Equal(1, cache.ComputedCount);
        Assert.True(File.Exists(cache.EntryPath("a")));
        Assert.StartsWith(Path.Combine(_cacheDir, cache.SettingsHash), cache.EntryPath("a"), StringComparison.Ordinal);
    }

    [Fact]
    public void GetOrCompute_SecondCallAndNewInstance_HitWithoutRecomputing()
    {
        var wav = WriteWav("a.wav", Signal(16000, seconds: 0.8, seed: 2), 16000);
        var cache = new FeatureCache(_cacheDir, LogMelSettings.Default);
        var first = cache.GetOrCompute(wav, "a");
        var writtenAt = File.GetLastWriteTimeUtc(cache.EntryPath("a"));

        var second = cache.GetOrCompute(wav, "a");
        var reopened = new FeatureCache(_cacheDir, LogMelSettings.Default);
        var third = reopened.GetOrCompute(wav, "a");

        Assert.Equal((1, 1), (cache.ComputedCount, cache.HitCount));
        Assert.Equal((0, 1), (reopened.ComputedCount, reopened.HitCount));
        Assert.Equal(first.LogMel, second.LogMel);
        Assert.Equal(first.EnergyDb, second.EnergyDb);
        Assert.Equal(first.LogMel, third.LogMel);
        Assert.Equal(first.EnergyDb, third.EnergyDb);
        Assert.Equal(writtenAt, File.GetLastWriteTimeUtc(cache.EntryPath("a")));
    }

    [Fact]
    public void GetOrCompute_SettingsChange_NewEntry()
    {
        var wav = WriteWav("a.wav", Signal(16000, seconds: 0.5, seed: 3), 16000);
        var cache = new FeatureCache(_cacheDir, LogMelSettings.Default);
        cache.GetOrCompute(wav, "a");

        var other = new FeatureCache(_cacheDir, LogMelSettings.Default with { MelBinCount = 40 });
        var features = other.GetOrCompute(wav, "a");
        var otherEpsilon = new FeatureCache(_cacheDir, LogMelSettings.Default, energyEpsilon: 1e-8);
        otherEpsilon.GetOrCompute(wav, "a");

        Assert.Equal(40, features.BinCount);
        Assert.Equal(1, other.ComputedCount);
        Assert.Equal(1, otherEpsilon.ComputedCount);
        Assert.Equal(3, new[] { cache.SettingsHash, other.SettingsHash, otherEpsilon.SettingsHash }.Distinct().Count());
        Assert.Contains("mel_bins=40", File.ReadAllText(Path.Combine(other.EntryDirectory, "settings.txt")), StringComparison.Ordinal);
        Assert.Equal(cache.SettingsHash, new FeatureCache(_cacheDir, LogMelSettings.Default with { }).SettingsHash);
    }

    [Theory]
    [InlineData("truncate")]
    [InlineData("flip-payload-byte")]
    [InlineData("flip-header-byte")]
    [InlineData("empty")]
    public void GetOrCompute_DamagedEntry_RecomputedAndReplaced(string damage)
    {
        var wav = WriteWav("a.wav", Signal(16000, seconds: 0.6, seed: 4), 16000);
        var cache = new FeatureCache(_cacheDir, LogMelSettings.Default);
        var original = cache.GetOrCompute(wav, "a");
        var entry = cache.EntryPath("a");
        var bytes = File.ReadAllBytes(entry);
        switch (damage)
        {
            case "truncate":
                bytes = bytes[..(bytes.Length - 100)];
                break;
            case "flip-payload-byte":
                bytes[^7] ^= 0x40;
                break;
            case "flip-header-byte":
                bytes[41] ^= 0x01; // frame count
                break;
            default:
                bytes = [];
                break;
        }

        File.WriteAllBytes(entry, bytes);

        var again = cache.GetOrCompute(wav, "a");

        Assert.Equal(2, cache.ComputedCount);
        Assert.Equal(original.LogMel, again.LogMel);
        Assert.Equal(original.EnergyDb, again.EnergyDb);
        Assert.Equal(new FileInfo(entry).Length, 56 + (4L * original.FrameCount * 65));
        var reopened = new FeatureCache(_cacheDir, LogMelSettings.Default);
        reopened.GetOrCompute(wav, "a");
        Assert.Equal((0, 1), (reopened.ComputedCount, reopened.HitCount));
    }

    [Fact]
    public void GetOrCompute_SourceRewritten_Recomputed()
    {
        var wav = WriteWav("a.wav", Signal(16000, seconds: 0.5, seed: 5), 16000);
        var cache = new FeatureCache(_cacheDir, LogMelSettings.Default);
        var before = cache.GetOrCompute(wav, "a");

        WriteWav("a.wav", Signal(16000, seconds: 0.7, seed: 6), 16000);
        var after = cache.GetOrCompute(wav, "a");

        Assert.Equal(2, cache.ComputedCount);
        Assert.NotEqual(before.FrameCount, after.FrameCount);
    }

    [Fact]
    public void GetOrCompute_StereoAt48k_DownmixedAndResampledTo16k()
    {
        var mono = Signal(48000, seconds: 1.0, seed: 7);
        var stereo = new float[mono.Length * 2];
        for (var i = 0; i < mono.Length; i++)
        {
            stereo[2 * i] = mono[i];
            stereo[(2 * i) + 1] = mono[i];
        }

        var wav = Path.Combine(_root, "stereo48k.wav");
        WavFile.Write(wav, stereo, 48000, WavSampleFormat.Float32, channels: 2);
        var cache = new FeatureCache(_cacheDir, LogMelSettings.Default);

        var features = cache.GetOrCompute(wav, "stereo");

        // Streaming the same audio through the resampler in blocks gives the same 16 kHz samples (block invariance).
        var resampler = new Resampler(48000);
        var canonical = new List<float>();
        var block = new float[resampler.GetMaxOutputLength(4096) + resampler.MaxFlushLength];
        for (var start = 0; start < mono.Length; start += 4096)
        {
            var n = resampler.Process(mono.AsSpan(start, Math.Min(4096, mono.Length - start)), block);
            canonical.AddRange(block.AsSpan(0, n));
        }

        canonical.AddRange(block.AsSpan(0, resampler.Flush(block)));
        Assert.Equal(16000, canonical.Count);
        Assert.Equal(98, features.FrameCount);
        Assert.Equal(new LogMelExtractor().Extract(canonical.ToArray()).Values.ToArray(), features.LogMel);
    }

    [Fact]
    public void GetOrComputeAll_ManyClips_InOrderWithProgress()
    {
        var clips = Enumerable.Range(0, 12)
            .Select(i => (WriteWav($"c{i}.wav", Signal(16000, seconds: 0.3 + (0.05 * i), seed: 10 + i), 16000), $"clip/{i}"))
            .ToList();
        var cache = new FeatureCache(_cacheDir, LogMelSettings.Default);
        var reports = new List<(int Done, int Total)>();

        var features = cache.GetOrComputeAll(clips, new SynchronousProgress(reports), maxDegreeOfParallelism: 2, TestContext.Current.CancellationToken);
        var again = cache.GetOrComputeAll(clips, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(clips.Select(static c => c.Item2), features.Select(static f => f.ClipId));
        Assert.Equal(features.Select(static f => f.FrameCount), again.Select(static f => f.FrameCount));
        Assert.Equal((12, 12), (cache.ComputedCount, cache.HitCount));
        Assert.Equal(Enumerable.Range(1, 12), reports.Select(static r => r.Done).Order());
        Assert.All(reports, static r => Assert.Equal(12, r.Total));
        Assert.EndsWith("clip~2F3.bin", cache.EntryPath("clip/3"), StringComparison.Ordinal);
    }

    [Fact]
    public void GetOrComputeAll_BrokenClips_AllAttemptedThenReportedTogether()
    {
        var good = WriteWav("good.wav", Signal(16000, seconds: 0.3, seed: 20), 16000);
        var bad = Path.Combine(_root, "bad.wav");
        File.WriteAllText(bad, "RIFF but not really");
        var cache = new FeatureCache(_cacheDir, LogMelSettings.Default);

        var error = Assert.Throws<AggregateException>(() => cache.GetOrComputeAll(
            [(bad, "bad"), (good, "good"), (Path.Combine(_root, "missing.wav"), "missing")],
            cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("2 of 3 clip(s) could not be featurised: bad, missing", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.InnerExceptions.Count);
        Assert.Equal(1, cache.ComputedCount);
    }

    [Fact]
    public void Constructor_InvalidSettings_Throws() =>
        Assert.Throws<ArgumentException>(() => new FeatureCache(_cacheDir, LogMelSettings.Default with { FftLength = 500 }));

    private string WriteWav(string name, float[] samples, int rate)
    {
        var path = Path.Combine(_root, name);
        WavFile.Write(path, samples, rate, WavSampleFormat.Pcm16);
        return path;
    }

    private static float[] Signal(int rate, double seconds, int seed)
    {
        var random = new Random(seed);
        var result = new float[(int)(rate * seconds)];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = (float)((0.3 * Math.Sin(2 * Math.PI * 440 * i / rate)) + (0.05 * ((random.NextDouble() * 2) - 1)));
        }

        return result;
    }

    private sealed class SynchronousProgress(List<(int Done, int Total)> reports) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}
