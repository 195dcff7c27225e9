using SerSsl.Core.Audio;
using SerSsl.Streaming.Sources;
using SerSsl.TestSupport;

namespace SerSsl.Streaming.Tests.Sources;

/// <summary>
/// What every <see cref="IAudioSource"/> must do, run against each implementation (a derived class says how to make
/// a source that yields given samples): the format it reports, whole frames on every read, the same samples
/// whatever the read size, a clean end that stays ended, cancellation, and disposal.
/// </summary>
public abstract class AudioSourceContract : IDisposable
{
    protected AudioSourceContract()
    {
        Directory = RepoPaths.NewTempDirectory("source-contract");
    }

    /// <summary>A private folder for the files a derived class writes.</summary>
    protected string Directory { get; }

    /// <summary>The format of the test recording.</summary>
    protected virtual AudioFormat Format => new(22_050, 2);

    /// <summary>
    /// Null: the source must return the samples exactly. A lossy source (Opus) must return as many, within this
    /// signal-to-noise ratio in dB.
    /// </summary>
    protected virtual double? MinimumSnrDb => null;

    public void Dispose()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Open_ReportsTheRecordingsFormat()
    {
        await using var source = Create(Recording(), Format);

        await source.OpenAsync(TestContext.Current.CancellationToken);

        Assert.Equal(Format, source.Format);
        Assert.False(string.IsNullOrWhiteSpace(source.Description));
    }

    [Fact]
    public async Task Read_ToTheEnd_WholeFramesTheRecordingThenZeroForever()
    {
        var ct = TestContext.Current.CancellationToken;
        var expected = Recording();
        await using var source = Create(expected, Format);
        await source.OpenAsync(ct);

        var samples = await ReadAll(source, 4096, ct);

        AssertSameAudio(expected, samples);
        Assert.Equal(0, await source.ReadAsync(new float[64], ct));
        Assert.Equal(0, await source.ReadAsync(new float[64], ct));
    }

    [Fact]
    public async Task Read_OneFrameAtATime_SameSamplesAsLargeReads()
    {
        var ct = TestContext.Current.CancellationToken;
        var recording = Recording();
        await using var large = Create(recording, Format);
        await using var small = Create(recording, Format);
        await large.OpenAsync(ct);
        await small.OpenAsync(ct);

        var a = await ReadAll(large, 8192, ct);
        var b = await ReadAll(small, Format.Channels, ct);

        Assert.Equal(a, b);
    }

    [Fact]
    public async Task Read_CancelledToken_ThrowsOperationCanceled()
    {
        await using var source = Create(Recording(), Format);
        await source.OpenAsync(TestContext.Current.CancellationToken);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await source.ReadAsync(new float[256], cancelled.Token));
    }

    [Fact]
    public async Task Dispose_Twice_DoesNotThrow()
    {
        var source = Create(Recording(), Format);
        await source.OpenAsync(TestContext.Current.CancellationToken);

        await source.DisposeAsync();
        await source.DisposeAsync();
    }

    /// <summary>A source that will yield <paramref name="interleaved"/> at <paramref name="format"/>, not yet opened.</summary>
    protected abstract IAudioSource Create(float[] interleaved, AudioFormat format);

    /// <summary>Writes the samples as a 32-bit float WAV file (exact) and returns its path.</summary>
    protected string WriteWav(float[] interleaved, AudioFormat format, string name = "recording.wav")
    {
        var path = Path.Combine(Directory, name);
        if (!File.Exists(path))
        {
            WavFile.Write(path, interleaved, format.SampleRate, WavSampleFormat.Float32, format.Channels);
        }

        return path;
    }

    private static async Task<float[]> ReadAll(IAudioSource source, int bufferSamples, CancellationToken ct)
    {
        var buffer = new float[bufferSamples];
        var all = new List<float>();
        int read;
        while ((read = await source.ReadAsync(buffer, ct)) > 0)
        {
            Assert.True(read % source.Format.Channels == 0, $"a read returned {read} samples, not whole frames of {source.Format.Channels}");
            Assert.True(read <= bufferSamples);
            all.AddRange(buffer.AsSpan(0, read).ToArray());
        }

        return [.. all];
    }

    /// <summary>1.5 s of two different tones, one per channel (a third channel, if any, gets their mean).</summary>
    private float[] Recording()
    {
        var format = Format;
        var frames = (int)(format.SampleRate * 1.5);
        var samples = new float[frames * format.Channels];
        for (var f = 0; f < frames; f++)
        {
            var t = (double)f / format.SampleRate;
            for (var c = 0; c < format.Channels; c++)
            {
                samples[(f * format.Channels) + c] = (float)(0.3 * Math.Sin(2 * Math.PI * (330 + (110 * c)) * t));
            }
        }

        return samples;
    }

    private void AssertSameAudio(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        if (MinimumSnrDb is not { } minimum)
        {
            Assert.Equal(expected, actual);
            return;
        }

        double signal = 0, noise = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            signal += (double)expected[i] * expected[i];
            noise += (double)(expected[i] - actual[i]) * (expected[i] - actual[i]);
        }

        var snr = 10 * Math.Log10(signal / Math.Max(noise, 1e-20));
        Assert.True(snr >= minimum, $"SNR {snr:F1} dB, below {minimum} dB");
    }
}

public sealed class WavFileSourceContractTests : AudioSourceContract
{
    protected override IAudioSource Create(float[] interleaved, AudioFormat format) => new WavFileSource(WriteWav(interleaved, format), paced: false);
}

public sealed class OpusFileSourceContractTests : AudioSourceContract
{
    // 48 kHz in, so that opusenc does not resample: pre-skip and end trimming give back the exact length.
    protected override AudioFormat Format => new(48_000, 2);

    protected override double? MinimumSnrDb => 15;

    protected override IAudioSource Create(float[] interleaved, AudioFormat format)
    {
        var opus = Path.Combine(Directory, "recording.opus");
        if (!File.Exists(opus))
        {
            var opusenc = ExternalTools.Require("opusenc", "opus-tools");
            ExternalTools.Run(opusenc, "--quiet", "--bitrate", "96", WriteWav(interleaved, format), opus);
        }

        return new WavFileSource(opus, paced: false);
    }
}

public sealed class StreamRawSourceContractTests : AudioSourceContract
{
    protected override IAudioSource Create(float[] interleaved, AudioFormat format)
    {
        var bytes = new byte[interleaved.Length * 4];
        Buffer.BlockCopy(interleaved, 0, bytes, 0, bytes.Length);
        return new StreamAudioSource(new MemoryStream(bytes), format, RawSampleEncoding.F32LE, ownsStream: true);
    }
}

public sealed class StreamWavSourceContractTests : AudioSourceContract
{
    protected override IAudioSource Create(float[] interleaved, AudioFormat format) =>
        new StreamAudioSource(new MemoryStream(File.ReadAllBytes(WriteWav(interleaved, format))), ownsStream: true);
}

public sealed class PlaylistSourceContractTests : AudioSourceContract
{
    // A playlist resamples and downmixes every clip to the model's 16 kHz mono; a recording in that format passes unchanged.
    protected override AudioFormat Format => new(16_000, 1);

    protected override IAudioSource Create(float[] interleaved, AudioFormat format)
    {
        var list = Path.Combine(Directory, "list.txt");
        File.WriteAllText(list, Path.GetFileName(WriteWav(interleaved, format)) + "\n");
        return new PlaylistSource(list, paced: false, gapSeconds: 0, sampleRate: 16_000);
    }
}
