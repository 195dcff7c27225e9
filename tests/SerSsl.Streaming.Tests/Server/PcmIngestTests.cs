using Microsoft.Extensions.Time.Testing;
using SerSsl.Core.Audio;
using SerSsl.Streaming.Pipeline;
using SerSsl.Streaming.Server;
using SerSsl.Streaming.Sources;

namespace SerSsl.Streaming.Tests.Server;

public sealed class PcmIngestTests
{
    [Fact]
    public async Task AppendAsync_MessagesSplitInsideFrames_WritesTheSameSamplesInWholeFrames()
    {
        // Arrange: a lossless writer, read as it fills (each message becomes a block of its own).
        var ct = TestContext.Current.CancellationToken;
        var samples = ServerAudio.Tone(16_000, 0.5, channels: 2);
        var bytes = ServerAudio.S16(samples);
        var format = new AudioFormat(16_000, 2);
        var writer = new SessionAudioWriter(format, isLive: false, StreamingSessionOptions.Default);
        var ingest = new PcmIngest(format, RawSampleEncoding.S16LE, double.PositiveInfinity);
        var read = new List<float>();
        long expectedFrame = 0;
        var reading = Task.Run(
            async () =>
            {
                await foreach (var block in writer.Blocks.ReadAllAsync(ct))
                {
                    Assert.Equal(0, block.Count % 2);
                    Assert.Equal(expectedFrame, block.FirstFrame);
                    expectedFrame += block.Count / 2;
                    read.AddRange(block.Buffer.AsSpan(0, block.Count).ToArray());
                    block.Return();
                }
            },
            ct);

        // Act
        var offset = 0;
        var sizes = new[] { 1, 3, 5, 7, 333, 2, 1 };
        for (var i = 0; offset < bytes.Length; i++)
        {
            var size = Math.Min(sizes[i % sizes.Length], bytes.Length - offset);
            await ingest.AppendAsync(bytes.AsMemory(offset, size), writer, ct);
            offset += size;
        }

        ingest.Complete(writer);
        await reading;

        // Assert
        Assert.Equal(samples.Length, read.Count);
        for (var i = 0; i < samples.Length; i++)
        {
            Assert.Equal(samples[i], read[i], 1e-4f);
        }

        Assert.Equal(bytes.Length, ingest.BytesReceived);
    }

    [Fact]
    public async Task Complete_TrailingPartialFrame_ThrowsPartialFrameAndStillEndsTheAudio()
    {
        var ct = TestContext.Current.CancellationToken;
        var format = new AudioFormat(16_000, 1);
        var writer = new SessionAudioWriter(format, isLive: true, StreamingSessionOptions.Default);
        var ingest = new PcmIngest(format, RawSampleEncoding.F32LE, double.PositiveInfinity);
        await ingest.AppendAsync(new byte[10], writer, ct);

        var ex = Assert.Throws<IngestException>(() => ingest.Complete(writer));

        Assert.Equal(IngestError.PartialFrame, ex.Error);
        Assert.Contains("2 trailing bytes", ex.Message, StringComparison.Ordinal);
        Assert.False(writer.Complete(), "the audio had already been ended");
        Assert.Equal(2, writer.FramesWritten);
    }

    [Fact]
    public async Task AppendAsync_FasterThanRealTimeBeyondBurst_ThrowsTooFastUntilTheClockCatchesUp()
    {
        // Arrange: a clock that moves only when told.
        var ct = TestContext.Current.CancellationToken;
        var clock = new FakeTimeProvider();
        var format = new AudioFormat(16_000, 1);
        var writer = new SessionAudioWriter(format, isLive: true, StreamingSessionOptions.Default);
        var ingest = new PcmIngest(format, RawSampleEncoding.S16LE, burstSeconds: 1.0, clock);
        await ingest.AppendAsync(new byte[16_000], writer, ct); // 0.5 s

        // Act: 1 s more at once is 1.5 s ahead of the clock; after 0.6 s it is 0.9 s ahead.
        var ex = await Assert.ThrowsAsync<IngestException>(async () => await ingest.AppendAsync(new byte[32_000], writer, ct));
        clock.Advance(TimeSpan.FromSeconds(0.6));
        await ingest.AppendAsync(new byte[32_000], writer, ct);

        // Assert
        Assert.Equal(IngestError.TooFast, ex.Error);
        Assert.Contains("faster than real time", ex.Message, StringComparison.Ordinal);
        Assert.Equal(24_000, writer.FramesWritten);
    }
}
