using FsCheck.Xunit;
using SerSsl.Core.Chunking;

namespace SerSsl.Core.Tests.Chunking;

public sealed class SlidingChunkerTests
{
    private const int Bins = 4;

    /// <summary>Frame f holds f * 10 + b in bin b, so every value tells where it came from.</summary>
    private static float[] Frames(int count) =>
        [.. Enumerable.Range(0, count * Bins).Select(i => (float)(((i / Bins) * 10) + (i % Bins)))];

    private static List<float[]> FeedOneAtATime(SlidingChunker chunker, float[] frames)
    {
        var chunks = new List<float[]>();
        for (var f = 0; f < frames.Length / Bins; f++)
        {
            if (chunker.TryAddFrame(frames.AsSpan(f * Bins, Bins), out var chunk))
            {
                chunks.Add(chunk.ToArray());
            }
        }

        return chunks;
    }

    [Theory]
    [InlineData(99, 0)]
    [InlineData(100, 1)]
    [InlineData(124, 1)]
    [InlineData(125, 2)]
    [InlineData(200, 5)]
    public void TryAddFrame_FrameCount_EmitsExpectedChunks(int frameCount, int expected)
    {
        var chunker = new SlidingChunker(Bins);

        var chunks = FeedOneAtATime(chunker, Frames(frameCount));

        Assert.Equal(expected, chunks.Count);
        Assert.Equal(expected, chunker.ChunksEmitted);
    }

    [Fact]
    public void TryAddFrame_Chunks_HoldFramesKTimesHopOnward()
    {
        var frames = Frames(230);
        var chunker = new SlidingChunker(Bins, chunkFrames: 100, hopFrames: 25);

        var chunks = FeedOneAtATime(chunker, frames);

        Assert.Equal(6, chunks.Count);
        for (var k = 0; k < chunks.Count; k++)
        {
            Assert.Equal(frames.AsSpan(k * 25 * Bins, 100 * Bins).ToArray(), chunks[k]);
        }
    }

    [Fact]
    public void TryAddFrame_HopLongerThanChunk_SkipsFramesBetweenChunks()
    {
        var frames = Frames(40);
        var chunker = new SlidingChunker(Bins, chunkFrames: 5, hopFrames: 12);

        var chunks = FeedOneAtATime(chunker, frames);

        Assert.Equal(3, chunks.Count);
        for (var k = 0; k < chunks.Count; k++)
        {
            Assert.Equal(frames.AsSpan(k * 12 * Bins, 5 * Bins).ToArray(), chunks[k]);
        }
    }

    [Property(MaxTest = 40)]
    public void AddFrames_RandomGroups_MatchOneAtATime(int[] rawGroups, bool longHop)
    {
        var frames = Frames(317);
        var hop = longHop ? 31 : 25;
        var expected = FeedOneAtATime(new SlidingChunker(Bins, 30, hop), frames);
        var chunker = new SlidingChunker(Bins, 30, hop);
        var groups = (rawGroups ?? []).Select(g => (int)(Math.Abs((long)g) % 90)).Append(1).ToArray();
        var actual = new List<float[]>();
        var position = 0;
        for (var i = 0; position < 317; i++)
        {
            var size = Math.Min(groups[i % groups.Length], 317 - position);
            var destination = new float[chunker.ChunkCountFor(size) * chunker.ChunkLength];

            var written = chunker.AddFrames(frames.AsSpan(position * Bins, size * Bins), destination);

            for (var c = 0; c < written; c++)
            {
                actual.Add(destination.AsSpan(c * chunker.ChunkLength, chunker.ChunkLength).ToArray());
            }

            position += size;
        }

        Assert.Equal(expected, actual);
        Assert.Equal(317, chunker.FramesReceived);
    }

    [Fact]
    public void AddFrames_DestinationTooShort_ThrowsAndKeepsState()
    {
        var chunker = new SlidingChunker(Bins, 10, 5);

        Assert.Throws<ArgumentException>(() => chunker.AddFrames(Frames(20), new float[2 * 10 * Bins]));
        Assert.Throws<ArgumentException>(() => chunker.AddFrames(new float[Bins + 1], []));

        Assert.Equal(0, chunker.FramesReceived);
        Assert.Equal(3, chunker.AddFrames(Frames(20), new float[3 * 10 * Bins]));
    }

    [Fact]
    public void Reset_AfterChunks_StartsAfresh()
    {
        var chunker = new SlidingChunker(Bins, 10, 5);
        FeedOneAtATime(chunker, Frames(17));

        chunker.Reset();
        var chunks = FeedOneAtATime(chunker, Frames(10));

        Assert.Single(chunks);
        Assert.Equal(Frames(10), chunks[0]);
        Assert.Equal(10, chunker.FramesReceived);
    }

    [Fact]
    public void TryAddFrame_WrongFrameLength_Throws()
    {
        var chunker = new SlidingChunker(Bins);

        Assert.Throws<ArgumentException>(() => chunker.TryAddFrame(new float[Bins - 1], out _));
    }

    [Theory]
    [InlineData(0, 100, 25)]
    [InlineData(64, 0, 25)]
    [InlineData(64, 100, 0)]
    public void Constructor_InvalidValue_Throws(int bins, int chunkFrames, int hopFrames)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlidingChunker(bins, chunkFrames, hopFrames));
    }
}
