using System.Diagnostics;
using SerSsl.Core.Audio;
using SerSsl.Streaming.Sources;
using SerSsl.Streaming.Tests.Evaluation;
using SerSsl.TestSupport;

namespace SerSsl.Streaming.Tests.Sources;

public sealed class PlaylistSourceTests : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("playlist");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task ReadAsync_Wav16kClips_YieldsEachClipsSamplesWithTheGapsSilenceBetween()
    {
        var a = Clip("a.wav", 16_000, 1, 1_000, seed: 1);
        var b = Clip("sub/b.wav", 16_000, 1, 1, seed: 2);
        var c = Clip("c.wav", 16_000, 1, 5_003, seed: 3);
        var list = CorpusFiles.Text(_dir, "lists/demo.txt", $"# three clips\r\n../a.wav\r\n\r\n  # an indented comment\r\n../sub/b.wav\r\n{Path.Combine(_dir, "c.wav")}\r\n");
        await using var source = new PlaylistSource(list, paced: false, gapSeconds: 0.25);
        var started = new List<string>();
        source.ClipStarted += (_, clip) => started.Add(clip.ToString());
        await source.OpenAsync(TestContext.Current.CancellationToken);

        var samples = await ReadAll(source, bufferSamples: 317);

        var gap = new float[4_000];
        Assert.Equal(new AudioFormat(16_000, 1), source.Format);
        Assert.Equal(4_000, source.GapFrames);
        Assert.Equal([2, 5, 6], source.Entries.Select(e => e.Line));
        Assert.Equal(1_000 + 4_000 + 1 + 4_000 + 5_003, samples.Length);
        Assert.Equal([.. a, .. gap, .. b, .. gap, .. c], samples);
        Assert.Equal(["playing 1/3: a.wav", "playing 2/3: b.wav", "playing 3/3: c.wav"], started);
    }

    [Fact]
    public async Task ReadAsync_GapZero_ConcatenatesTheClipsWithNothingBetween()
    {
        var a = Clip("a.wav", 16_000, 1, 700, seed: 4);
        var b = Clip("b.wav", 16_000, 1, 900, seed: 5);
        var list = CorpusFiles.Text(_dir, "list.txt", "a.wav\nb.wav\na.wav\n");
        await using var source = new PlaylistSource(list, paced: false, gapSeconds: 0);
        await source.OpenAsync(TestContext.Current.CancellationToken);

        var samples = await ReadAll(source, bufferSamples: 320);

        Assert.Equal([.. a, .. b, .. a], samples);
    }

    [Fact]
    public async Task ReadAsync_48kStereoClip_EqualsCoresMonoReadResampledTo16k_AsTrainingReadsIt()
    {
        var path = Path.Combine(_dir, "stereo48k.wav");
        Clip("stereo48k.wav", 48_000, 2, 12_345, seed: 6);
        var list = CorpusFiles.Text(_dir, "list.txt", "stereo48k.wav\nstereo48k.wav\n");
        await using var source = new PlaylistSource(list, paced: false, gapSeconds: 0.5);
        await source.OpenAsync(TestContext.Current.CancellationToken);

        var samples = await ReadAll(source, bufferSamples: 320);

        var clip = Canonical16k(path);
        Assert.Equal(4_115, clip.Length);
        Assert.Equal([.. clip, .. new float[8_000], .. clip], samples);
    }

    [Fact]
    public async Task ReadAsync_CremaDOpusClips_EqualCoresMonoReadResampledTo16k_WithTheDefaultGap()
    {
        var crema = RepoPaths.RequireCremaDAudio();
        string[] clips = [Path.Combine(crema, "AudioOpus", "1001_IEO_NEU_XX.opus"), Path.Combine(crema, "AudioOpus", "1001_IEO_ANG_HI.opus")];
        var list = CorpusFiles.Text(_dir, "list.txt", string.Join('\n', clips));
        await using var source = new PlaylistSource(list, paced: false);
        await source.OpenAsync(TestContext.Current.CancellationToken);

        var samples = await ReadAll(source, bufferSamples: 320);

        var expected = clips.Select(Canonical16k).ToArray();
        Assert.Equal(24_000, source.GapFrames);
        Assert.All(expected, clip => Assert.InRange(clip.Length, 16_000, 80_000));
        Assert.Equal([.. expected[0], .. new float[24_000], .. expected[1]], samples);
    }

    [Fact]
    public async Task ReadAsync_Paced_TakesAtLeastTheAudiosDuration()
    {
        Clip("a.wav", 16_000, 1, 3_200, seed: 7);
        var list = CorpusFiles.Text(_dir, "list.txt", "a.wav\na.wav\n");
        await using var source = new PlaylistSource(list, paced: true, gapSeconds: 0.3);
        await source.OpenAsync(TestContext.Current.CancellationToken);
        var clock = Stopwatch.StartNew();

        var samples = await ReadAll(source, bufferSamples: 320);

        Assert.Equal(3_200 + 4_800 + 3_200, samples.Length);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.68), $"0.7 s of audio was read in {clock.Elapsed.TotalSeconds:F3} s");
    }

    [Fact]
    public async Task OpenAsync_MissingClipAfterGoodOnes_ThrowsNamingTheListAndLineBeforeAnyAudio()
    {
        Clip("a.wav", 16_000, 1, 100, seed: 8);
        var list = CorpusFiles.Text(_dir, "list.txt", "a.wav\n# next: gone\nmissing.wav\n");
        await using var source = new PlaylistSource(list, paced: false);
        var started = 0;
        source.ClipStarted += (_, _) => started++;

        var ex = await Assert.ThrowsAsync<AudioSourceException>(async () => await source.OpenAsync(TestContext.Current.CancellationToken));

        Assert.Contains($"playlist '{list}' line 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"No such audio file: '{Path.Combine(_dir, "missing.wav")}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("relative to the list's folder", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, started);
    }

    [Fact]
    public async Task OpenAsync_ClipThatIsNotAudio_ThrowsNamingTheLineAndWhatTheFileIs()
    {
        Clip("a.wav", 16_000, 1, 100, seed: 9);
        CorpusFiles.Aiff(_dir, "aiff.wav");
        var list = CorpusFiles.Text(_dir, "list.txt", "a.wav\n\naiff.wav\n");
        await using var source = new PlaylistSource(list, paced: false);

        var ex = await Assert.ThrowsAsync<AudioSourceException>(async () => await source.OpenAsync(TestContext.Current.CancellationToken));

        Assert.Contains($"playlist '{list}' line 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("aiff.wav' is not an audio file this program can read", ex.Message, StringComparison.Ordinal);
        Assert.Contains("AIFF", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_ClipThatIsAFolder_ThrowsNamingTheLine()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "clips"));
        var list = CorpusFiles.Text(_dir, "list.txt", "clips\n");
        await using var source = new PlaylistSource(list, paced: false);

        var ex = await Assert.ThrowsAsync<AudioSourceException>(async () => await source.OpenAsync(TestContext.Current.CancellationToken));

        Assert.Contains($"playlist '{list}' line 1: '{Path.Combine(_dir, "clips")}' is a directory, not an audio file", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_OnlyCommentsAndBlankLines_ThrowsSayingTheListNamesNoClips()
    {
        var list = CorpusFiles.Text(_dir, "list.txt", "# nothing yet\n\n   \n#a.wav\n");
        await using var source = new PlaylistSource(list, paced: false);

        var ex = await Assert.ThrowsAsync<AudioSourceException>(async () => await source.OpenAsync(TestContext.Current.CancellationToken));

        Assert.Contains($"Playlist '{list}' lists no audio files", ex.Message, StringComparison.Ordinal);
        Assert.Contains("its 4 lines are all blank or comments", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_MissingList_ThrowsNamingIt()
    {
        var list = Path.Combine(_dir, "no-such-list.txt");
        await using var source = new PlaylistSource(list, paced: false);

        var ex = await Assert.ThrowsAsync<AudioSourceException>(async () => await source.OpenAsync(TestContext.Current.CancellationToken));

        Assert.Contains($"No such playlist: '{list}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_ClipReplacedByTextAfterOpening_ThrowsNamingTheLineWhenItsTurnComes()
    {
        Clip("a.wav", 16_000, 1, 1_000, seed: 10);
        var b = Path.Combine(_dir, "b.wav");
        Clip("b.wav", 16_000, 1, 1_000, seed: 11);
        var list = CorpusFiles.Text(_dir, "list.txt", "a.wav\nb.wav\n");
        await using var source = new PlaylistSource(list, paced: false, gapSeconds: 0);
        await source.OpenAsync(TestContext.Current.CancellationToken);
        var buffer = new float[500];
        Assert.Equal(500, await source.ReadAsync(buffer, TestContext.Current.CancellationToken));
        File.WriteAllText(b, "replaced by text while a.wav plays");

        var ex = await Assert.ThrowsAsync<AudioSourceException>(() => ReadAll(source, bufferSamples: 500));

        Assert.Contains($"playlist '{list}' line 2", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(30.5)]
    [InlineData(double.NaN)]
    public void Constructor_GapOutOfRange_Throws(double gap)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new PlaylistSource(Path.Combine(_dir, "list.txt"), paced: false, gapSeconds: gap));

        Assert.Contains("0 to 30 seconds", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>A clip as training reads it: Core's mono read, then Core's resampler to 16 kHz over the whole clip at once.</summary>
    private static float[] Canonical16k(string path)
    {
        var mono = AudioReader.ReadMono(path);
        var resampler = new Resampler(mono.SampleRate, 16_000);
        var output = new float[resampler.GetTotalOutputLength(mono.Samples.Length) + resampler.MaxFlushLength];
        var written = resampler.Process(mono.Samples, output);
        written += resampler.Flush(output.AsSpan(written));
        return output[..written];
    }

    /// <summary>Writes a float WAV of seeded noise and returns its samples (interleaved).</summary>
    private float[] Clip(string relativePath, int rate, int channels, int frames, int seed)
    {
        var path = Path.Combine(_dir, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var random = new Random(seed);
        var samples = new float[frames * channels];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (float)((random.NextDouble() * 1.6) - 0.8);
        }

        WavFile.Write(path, samples, rate, WavSampleFormat.Float32, channels);
        return samples;
    }

    private static async Task<float[]> ReadAll(IAudioSource source, int bufferSamples)
    {
        var all = new List<float>();
        var buffer = new float[bufferSamples];
        int read;
        while ((read = await source.ReadAsync(buffer, TestContext.Current.CancellationToken)) > 0)
        {
            all.AddRange(buffer.AsSpan(0, read).ToArray());
        }

        return [.. all];
    }
}
