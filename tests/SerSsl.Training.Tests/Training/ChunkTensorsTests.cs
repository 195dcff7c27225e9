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
}
