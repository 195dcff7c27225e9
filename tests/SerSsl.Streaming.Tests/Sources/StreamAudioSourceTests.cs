using SerSsl.Core.Audio;
using SerSsl.Streaming.Sources;

namespace SerSsl.Streaming.Tests.Sources;

public sealed class StreamAudioSourceTests
{
    [Fact]
    public async Task ReadAsync_RawS16Stereo_DecodesInterleavedSamples()
    {
        var bytes = new byte[] { 0x00, 0x40, 0x00, 0xC0, 0xFF, 0x7F, 0x00, 0x80 }; // 0.5, -0.5, ~1, -1
        await using var source = new StreamAudioSource(new MemoryStream(bytes), new AudioFormat(16_000, 2), RawSampleEncoding.S16LE);
        await source.OpenAsync(TestContext.Current.CancellationToken);

        var samples = await ReadAll(source);

        Assert.Equal([0.5f, -0.5f, 32767f / 32768f, -1f], samples);
    }

    [Fact]
    public async Task ReadAsync_RawEndsInsideAFrame_ThrowsNamingTheTrailingBytes()
    {
        await using var source = new StreamAudioSource(new MemoryStream(new byte[7]), new AudioFormat(16_000, 2), RawSampleEncoding.S16LE);
        await source.OpenAsync(TestContext.Current.CancellationToken);

        var ex = await Assert.ThrowsAsync<AudioSourceException>(() => ReadAll(source));

        Assert.Contains("3 trailing bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_TwoWavsSameFormat_ReadsBothInOrder()
    {
        var stream = new MemoryStream([.. Wav(16_000, 1, [0.25f, 0.5f]), .. Wav(16_000, 1, [-0.25f])]);
        await using var source = new StreamAudioSource(stream);
        await source.OpenAsync(TestContext.Current.CancellationToken);

        var samples = await ReadAll(source);

        Assert.Equal(new AudioFormat(16_000, 1), source.Format);
        Assert.Equal([0.25f, 0.5f, -0.25f], samples);
    }

    [Fact]
    public async Task ReadAsync_WavFormatChangesMidStream_DeliversFirstFileThenThrows()
    {
        var stream = new MemoryStream([.. Wav(16_000, 1, [0.25f, 0.5f]), .. Wav(44_100, 2, [0.1f, 0.1f])]);
        await using var source = new StreamAudioSource(stream);
        await source.OpenAsync(TestContext.Current.CancellationToken);
        var buffer = new float[64];

        var first = await source.ReadAsync(buffer, TestContext.Current.CancellationToken);
        var ex = await Assert.ThrowsAsync<AudioSourceException>(async () => await source.ReadAsync(buffer, TestContext.Current.CancellationToken));

        Assert.Equal(2, first);
        Assert.Contains("changed mid-stream", ex.Message, StringComparison.Ordinal);
        Assert.Contains("16000 Hz, 1 ch", ex.Message, StringComparison.Ordinal);
        Assert.Contains("44100 Hz, 2 ch", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_EmptyWavInput_ThrowsSayingStdinIsEmpty()
    {
        await using var source = new StreamAudioSource(new MemoryStream());

        var ex = await Assert.ThrowsAsync<AudioSourceException>(async () => await source.OpenAsync(TestContext.Current.CancellationToken));

        Assert.Contains("stdin is empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_GarbageInsteadOfWav_ThrowsSuggestingRawFormat()
    {
        await using var source = new StreamAudioSource(new MemoryStream("not a wav file at all, just text"u8.ToArray()));

        var ex = await Assert.ThrowsAsync<AudioSourceException>(async () => await source.OpenAsync(TestContext.Current.CancellationToken));

        Assert.Contains("--stdin-format", ex.Message, StringComparison.Ordinal);
    }

    private static byte[] Wav(int rate, int channels, float[] samples)
    {
        using var stream = new MemoryStream();
        using (var writer = new WavWriter(stream, rate, channels, WavSampleFormat.Float32, leaveOpen: true))
        {
            writer.Write(samples);
        }

        return stream.ToArray();
    }

    private static async Task<float[]> ReadAll(IAudioSource source)
    {
        var all = new List<float>();
        var buffer = new float[3 * source.Format.Channels];
        int read;
        while ((read = await source.ReadAsync(buffer, TestContext.Current.CancellationToken)) > 0)
        {
            all.AddRange(buffer.AsSpan(0, read).ToArray());
        }

        return [.. all];
    }
}
