using SerSsl.Streaming.Pipeline;
using SerSsl.Streaming.Sources;

namespace SerSsl.Streaming.Tests.Pipeline;

public sealed class SessionAudioWriterTests
{
    private static readonly StreamingSessionOptions s_small = StreamingSessionOptions.Default with { BlockSeconds = 0.01, BufferSeconds = 0.05 };

    [Fact]
    public async Task WriteAsync_Live_NeverWaitsDropsTheOldestBlocksAndLeavesAFrameGap()
    {
        // Arrange: 10 ms blocks at 1 kHz (10 frames), room for 5 blocks.
        var writer = new SessionAudioWriter(new AudioFormat(1_000, 1), isLive: true, s_small);

        // Act: 200 frames = 20 blocks, nobody reading.
        await writer.WriteAsync(Enumerable.Range(0, 200).Select(i => (float)i).ToArray(), TestContext.Current.CancellationToken);
        writer.Complete();
        var blocks = new List<(long First, float[] Samples)>();
        await foreach (var block in writer.Blocks.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            blocks.Add((block.FirstFrame, block.Buffer.AsSpan(0, block.Count).ToArray()));
            block.Return();
        }

        // Assert: the newest five blocks, with their original positions (so the feature stage sees the gap).
        Assert.Equal(200, writer.FramesWritten);
        Assert.Equal([150L, 160L, 170L, 180L, 190L], blocks.Select(b => b.First));
        Assert.All(blocks, b => Assert.Equal((float)b.First, b.Samples[0]));
    }

    [Fact]
    public async Task WriteAsync_Lossless_WaitsForRoomAndLosesNothing()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        var writer = new SessionAudioWriter(new AudioFormat(1_000, 2), isLive: false, s_small);
        var samples = Enumerable.Range(0, 2 * 500).Select(i => (float)i).ToArray();

        // Act: the write (50 blocks) can finish only while a reader drains the buffer.
        var writing = writer.WriteAsync(samples, ct).AsTask();
        await Task.Delay(50, ct);
        var waited = !writing.IsCompleted;
        var read = new List<float>();
        var reading = Task.Run(
            async () =>
            {
                await foreach (var block in writer.Blocks.ReadAllAsync(ct))
                {
                    read.AddRange(block.Buffer.AsSpan(0, block.Count).ToArray());
                    block.Return();
                }
            },
            ct);
        await writing;
        writer.Complete();
        await reading;

        // Assert
        Assert.True(waited, "a lossless write into a full buffer returned without waiting");
        Assert.Equal(samples, read);
    }

    [Fact]
    public async Task WriteAsync_PartialFrameOrAfterComplete_Refused()
    {
        var ct = TestContext.Current.CancellationToken;
        var writer = new SessionAudioWriter(new AudioFormat(16_000, 2), isLive: true, StreamingSessionOptions.Default);

        var partial = await Assert.ThrowsAsync<ArgumentException>(async () => await writer.WriteAsync(new float[3], ct));
        writer.Complete(new AudioSourceException("device gone"));
        var late = await Assert.ThrowsAsync<InvalidOperationException>(async () => await writer.WriteAsync(new float[2], ct));

        Assert.Contains("not a multiple of 2 channels", partial.Message, StringComparison.Ordinal);
        Assert.Contains("complete", late.Message, StringComparison.Ordinal);
        Assert.Equal("device gone", writer.Error?.Message);
    }

    [Fact]
    public void Complete_SetsIsCompletedOnceAndOnlyTheFirstCallEndsTheAudio()
    {
        var writer = new SessionAudioWriter(new AudioFormat(1_000, 1), isLive: false, s_small);

        var before = writer.IsCompleted;
        var first = writer.Complete();
        var second = writer.Complete();

        Assert.False(before);
        Assert.True(first);
        Assert.False(second);
        Assert.True(writer.IsCompleted);
    }
}
