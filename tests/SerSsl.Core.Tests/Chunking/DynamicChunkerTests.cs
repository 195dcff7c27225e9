using SerSsl.Core.Chunking;

namespace SerSsl.Core.Tests.Chunking;

public sealed class DynamicChunkerTests
{
    private static int[] Starts(ChunkSpan[] chunks) => [.. chunks.Select(c => c.Start)];

    [Fact]
    public void Plan_L350TmaxHundredsScale1_ThreeChunksStep125()
    {
        var chunker = new DynamicChunker(maxSentenceFrames: 300, chunkFrames: 100);

        var chunks = chunker.Plan(350);

        Assert.Equal(3, chunker.BaseChunkCount);
        Assert.Equal(125, chunker.Step(350));
        Assert.Equal([0, 125, 250], Starts(chunks));
        Assert.All(chunks, c => Assert.Equal(new ChunkSpan(c.Start, 100, 0), c));
    }

    [Fact]
    public void Plan_L350Scale2_SixChunksStep50()
    {
        var chunker = new DynamicChunker(300, 100, scale: 2);

        var chunks = chunker.Plan(350);

        Assert.Equal(6, chunker.ChunkCount);
        Assert.Equal([0, 50, 100, 150, 200, 250], Starts(chunks));
    }

    [Fact]
    public void Plan_LengthEqualsChunk_AllChunksAtZero()
    {
        var chunks = new DynamicChunker(300, 100).Plan(100);

        Assert.Equal([0, 0, 0], Starts(chunks));
        Assert.All(chunks, c => Assert.Equal(0, c.PaddedFrames));
    }

    [Fact]
    public void Plan_ShorterThanChunk_AllChunksAtZeroWithPadding()
    {
        var chunks = new DynamicChunker(300, 100).Plan(40);

        Assert.Equal([0, 0, 0], Starts(chunks));
        Assert.All(chunks, c => Assert.Equal(new ChunkSpan(0, 100, 60), c));
        Assert.Equal(40, chunks[0].RealFrames);
    }

    [Fact]
    public void Plan_VeryLongSentence_StepGrowsAndLastChunkEndsInside()
    {
        var chunks = new DynamicChunker(300, 100).Plan(10000);

        Assert.Equal([0, 4950, 9900], Starts(chunks));
        Assert.Equal(10000, chunks[^1].Start + chunks[^1].Length);
    }

    [Fact]
    public void Plan_UnevenRemainder_LastChunkStaysInside()
    {
        // floor((351 - 100) / 2) = 125: the final frame is left out.
        var chunks = new DynamicChunker(300, 100).Plan(351);

        Assert.Equal([0, 125, 250], Starts(chunks));
    }

    [Theory]
    [InlineData(80)]
    [InlineData(100)]
    public void Plan_SingleChunk_StartsAtZero(int maxSentenceFrames)
    {
        var chunker = new DynamicChunker(maxSentenceFrames, 100);

        var chunks = chunker.Plan(250);

        Assert.Equal(1, chunker.ChunkCount);
        Assert.Equal([new ChunkSpan(0, 100, 0)], chunks);
    }

    [Fact]
    public void Plan_TmaxNotMultipleOfChunk_RoundsChunkCountUp()
    {
        Assert.Equal(4, new DynamicChunker(301, 100).ChunkCount);
    }

    [Fact]
    public void Materialize_LongSentence_CopiesChunkFrames()
    {
        const int bins = 3;
        var frames = Enumerable.Range(0, 350 * bins).Select(i => (float)i).ToArray();
        var chunker = new DynamicChunker(300, 100);
        var destination = new float[chunker.MaterializedLength(bins)];

        var length = chunker.Materialize(frames, bins, padValue: -23f, destination);

        Assert.Equal(350, length);
        for (var c = 0; c < 3; c++)
        {
            var expected = frames.AsSpan(c * 125 * bins, 100 * bins).ToArray();
            Assert.Equal(expected, destination.AsSpan(c * 100 * bins, 100 * bins).ToArray());
        }
    }

    [Fact]
    public void Materialize_ShortSentence_PadsEndWithPadValue()
    {
        const int bins = 2;
        var frames = Enumerable.Range(1, 40 * bins).Select(i => (float)i).ToArray();
        var chunker = new DynamicChunker(300, 100);
        var destination = new float[chunker.MaterializedLength(bins)];

        chunker.Materialize(frames, bins, padValue: -23f, destination);

        for (var c = 0; c < 3; c++)
        {
            var chunk = destination.AsSpan(c * 100 * bins, 100 * bins);
            Assert.Equal(frames, chunk[..(40 * bins)].ToArray());
            Assert.All(chunk[(40 * bins)..].ToArray(), v => Assert.Equal(-23f, v));
        }
    }

    [Theory]
    [InlineData(0, 100, 1)]
    [InlineData(300, 0, 1)]
    [InlineData(300, 100, 0)]
    public void Constructor_InvalidValue_Throws(int maxSentenceFrames, int chunkFrames, int scale)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DynamicChunker(maxSentenceFrames, chunkFrames, scale));
    }

    [Fact]
    public void Constructor_HugeChunkCount_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DynamicChunker(int.MaxValue, 1, 2));
    }

    [Fact]
    public void Plan_EmptySentence_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DynamicChunker(300, 100).Plan(0));
    }

    [Fact]
    public void Materialize_InvalidInput_ThrowsNamingTheArgument()
    {
        var chunker = new DynamicChunker(300, 100);

        Assert.Equal("frames", Assert.Throws<ArgumentException>(() => chunker.Materialize(new float[7], 2, 0f, new float[600])).ParamName);
        Assert.Equal("frames", Assert.Throws<ArgumentException>(() => chunker.Materialize([], 2, 0f, new float[600])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => chunker.Materialize(new float[8], 2, 0f, new float[599])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => chunker.Plan(300, new ChunkSpan[2])).ParamName);
    }
}
