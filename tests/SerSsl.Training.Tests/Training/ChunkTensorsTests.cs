using SerSsl.Training.Training;

namespace SerSsl.Training.Tests.Training;

public sealed class ChunkTensorsTests
{
    [Fact]
    public void Batch_SelectedClips_HaveTheirChunksLabelsAndDistributions()
    {
        // Arrange: 300 clips, more than one build block, each filled with its own index.
        const int k = 2, m = 3, bins = 4;
        var examples = Enumerable.Range(0, 300)
            .Select(i => new EmotionExample($"c{i}", Enumerable.Repeat((float)i, k * m * bins).ToArray(), i % 6))
            .ToArray();

        // Act
        using var set = ChunkTensors.Build(examples, k, m, bins);
        var (chunks, mask, labels) = set.Batch([299, 0, 257]);

        // Assert
        Assert.Equal([3L, k, m, bins], chunks.shape);
        Assert.Equal([3L, k], mask.shape);
        Assert.Equal([299f, 0f, 257f], [.. chunks.select(1, 0).select(1, 0).select(1, 0).data<float>()]);
        Assert.Equal(24f * 299, chunks[0].sum().item<float>());
        Assert.Equal([299L % 6, 0L, 257L % 6], [.. labels.data<long>()]);
        Assert.Null(set.Distributions);
        Assert.Throws<InvalidOperationException>(() => set.Batch([0], soft: true));
    }

    [Fact]
    public void DrawChunks_KeepsTheAskedNumberOfDistinctChunksPerClipInTimeOrder()
    {
        // Arrange: 64 clips of K = 5 chunks; chunk j of clip i holds the value 10 i + j everywhere.
        const int clips = 64, k = 5, m = 2, bins = 3;
        var examples = Enumerable.Range(0, clips)
            .Select(i => new EmotionExample($"c{i}", Enumerable.Range(0, k).SelectMany(j => Enumerable.Repeat((float)((10 * i) + j), m * bins)).ToArray(), 0))
            .ToArray();
        using var set = ChunkTensors.Build(examples, k, m, bins);
        var (chunks, mask, _) = set.Batch([.. Enumerable.Range(0, clips).Select(static i => (long)i)]);
        TorchSharp.torch.manual_seed(3);

        // Act
        var (drawn, drawnMask) = ChunkTensors.DrawChunks(chunks, mask, 3);

        // Assert: every clip keeps 3 of its own chunks, whole, distinct and in time order, and the draws differ by clip.
        Assert.Equal([(long)clips, 3, m, bins], drawn.shape);
        Assert.Equal([(long)clips, 3], drawnMask.shape);
        Assert.All(drawnMask.data<float>().ToArray(), v => Assert.Equal(1f, v));
        var values = drawn.data<float>().ToArray();
        var patterns = new HashSet<string>();
        for (var i = 0; i < clips; i++)
        {
            var picked = new int[3];
            for (var c = 0; c < 3; c++)
            {
                var block = values.AsSpan(((i * 3) + c) * m * bins, m * bins).ToArray();
                Assert.All(block, v => Assert.Equal(block[0], v));
                var j = (int)block[0] - (10 * i);
                Assert.InRange(j, 0, k - 1);
                picked[c] = j;
            }

            Assert.True(picked[0] < picked[1] && picked[1] < picked[2], $"clip {i}: chunks {string.Join(",", picked)} are not distinct and in time order");
            patterns.Add(string.Join(",", picked));
        }

        Assert.True(patterns.Count > 3, $"64 clips drew only {patterns.Count} different chunk sets");
        Assert.Throws<ArgumentOutOfRangeException>(() => ChunkTensors.DrawChunks(chunks, mask, k + 1));
        Assert.Same(chunks, ChunkTensors.DrawChunks(chunks, mask, k).Chunks);
    }

    [Theory]
    [InlineData("3", 3, 3)]
    [InlineData("1-5", 1, 5)]
    [InlineData(" 2 - 4 ", 2, 4)]
    public void TrainChunks_Parse_DrawsEveryCountOfItsRangeAndNoOther(string text, int min, int max)
    {
        var chunks = TrainChunks.Parse(text);
        var random = new Random(5);

        var drawn = Enumerable.Range(0, 500).Select(_ => chunks.Draw(random)).ToHashSet();

        Assert.Equal(new TrainChunks(min, max), chunks);
        Assert.Equal(Enumerable.Range(min, max - min + 1).ToHashSet(), drawn);
    }
}
