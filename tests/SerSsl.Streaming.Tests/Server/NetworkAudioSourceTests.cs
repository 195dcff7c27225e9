using SerSsl.Core.Audio;
using SerSsl.Streaming.Sources;

namespace SerSsl.Streaming.Tests.Server;

public sealed class NetworkAudioSourceTests
{
    [Fact]
    public async Task AppendAsync_MessagesSplitInsideFrames_DeliversTheSameSamples()
    {
        var ct = TestContext.Current.CancellationToken;
        var samples = ServerAudio.Tone(16_000, 0.5, channels: 2);
        var bytes = ServerAudio.S16(samples);
        await using var source = new NetworkAudioSource(new AudioFormat(16_000, 2), RawSampleEncoding.S16LE, "test", double.PositiveInfinity);
        await source.OpenAsync(ct);

        var read = new List<float>();
        var reading = Task.Run(
            async () =>
            {
                var buffer = new float[640];
                int count;
                while ((count = await source.ReadAsync(buffer, ct)) > 0)
                {
                    Assert.Equal(0, count % 2);
                    read.AddRange(buffer.AsSpan(0, count).ToArray());
                }
            },
            ct);
        var offset = 0;
        var sizes = new[] { 1, 3, 5, 7, 333, 2, 1 };
        for (var i = 0; offset < bytes.Length; i++)
        {
            var size = Math.Min(sizes[i % sizes.Length], bytes.Length - offset);
            await source.AppendAsync(bytes.AsMemory(offset, size), ct);
            offset += size;
        }

        source.Complete();
        await reading;
        Assert.Equal(samples.Length, read.Count);
        for (var i = 0; i < samples.Length; i++)
        {
            Assert.Equal(samples[i], read[i], 1e-4f);
        }
    }

    [Fact]
    public async Task Complete_TrailingPartialFrame_ThrowsPartialFrame()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var source = new NetworkAudioSource(new AudioFormat(16_000, 1), RawSampleEncoding.F32LE, "test", double.PositiveInfinity);
        await source.AppendAsync(new byte[10], ct);

        var ex = Assert.Throws<IngestException>(source.Complete);

        Assert.Equal(IngestError.PartialFrame, ex.Error);
        Assert.Contains("2 trailing bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppendAsync_FasterThanRealTimeBeyondBurst_ThrowsTooFast()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var source = new NetworkAudioSource(new AudioFormat(16_000, 1), RawSampleEncoding.S16LE, "test", burstSeconds: 1.0);
        await source.AppendAsync(new byte[16_000 * 2 / 2], ct);

        var ex = await Assert.ThrowsAsync<IngestException>(async () => await source.AppendAsync(new byte[16_000 * 2], ct));

        Assert.Equal(IngestError.TooFast, ex.Error);
        Assert.Contains("faster than real time", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_AfterDispose_ReturnsEnd()
    {
        var ct = TestContext.Current.CancellationToken;
        var source = new NetworkAudioSource(new AudioFormat(16_000, 1), RawSampleEncoding.S16LE, "test", double.PositiveInfinity);
        await source.AppendAsync(new byte[640], ct);
        await source.DisposeAsync();

        Assert.Equal(0, await source.ReadAsync(new float[320], ct));
        Assert.True(source.IsLive);
    }
}
