using SerSsl.Streaming.Inference;

namespace SerSsl.Streaming.Tests.Inference;

public sealed class EmbeddingWindowTests
{
    [Fact]
    public void CopyWindow_FewerThanK_CopiesAllOldestFirstAndMasksTheRest()
    {
        var window = new EmbeddingWindow(embeddingDim: 2, maxChunks: 4, maxBatch: 2);
        window.Append([1, 1]);
        var last = window.Append([2, 2]);
        var destination = new float[4 * 2];
        destination.AsSpan().Fill(9);
        var mask = new float[4];

        var valid = window.CopyWindow(last, destination, mask);

        Assert.Equal(2, valid);
        Assert.Equal([1f, 1, 2, 2, 0, 0, 0, 0], destination);
        Assert.Equal([1f, 1, 0, 0], mask);
    }

    [Fact]
    public void CopyWindow_AfterABatchAppendedPastK_EachIndexSeesItsOwnLastK()
    {
        var window = new EmbeddingWindow(embeddingDim: 1, maxChunks: 3, maxBatch: 2);
        for (var i = 0; i < 5; i++)
        {
            window.Append([i]);
        }

        // A batch of two chunks of the same session: indices 5 and 6 are appended before either is read.
        var first = window.Append([5]);
        var second = window.Append([6]);
        var a = new float[3];
        var b = new float[3];
        var mask = new float[3];

        window.CopyWindow(first, a, mask);
        window.CopyWindow(second, b, mask);

        Assert.Equal([3f, 4, 5], a);
        Assert.Equal([4f, 5, 6], b);
        Assert.Equal(3, window.ContextLength(second));
    }

    [Fact]
    public void CopyWindow_IndexOverwritten_Throws()
    {
        var window = new EmbeddingWindow(embeddingDim: 1, maxChunks: 1, maxBatch: 1);
        window.Append([0]);
        window.Append([1]);
        window.Append([2]);

        Assert.Throws<ArgumentOutOfRangeException>(() => window.CopyWindow(0, new float[1], new float[1]));
    }
}
