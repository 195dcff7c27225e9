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

    [Fact]
    public void CopyWindow_SpeechChunk_LeavesOutTheNonSpeechChunksOfItsLastK()
    {
        var window = new EmbeddingWindow(embeddingDim: 1, maxChunks: 4, maxBatch: 1);
        window.Append([1], speech: true);
        window.Append([2], speech: false);
        window.Append([3], speech: false);
        var last = window.Append([4], speech: true);
        var destination = new float[4];
        destination.AsSpan().Fill(9);
        var mask = new float[4];

        var valid = window.CopyWindow(last, destination, mask);

        Assert.Equal(2, valid);
        Assert.Equal(2, window.ContextLength(last));
        Assert.Equal([1f, 4, 0, 0], destination);
        Assert.Equal([1f, 1, 0, 0], mask);
    }

    [Fact]
    public void CopyWindow_SpeechAfterALongPause_ReachesNoFurtherBackThanK()
    {
        var window = new EmbeddingWindow(embeddingDim: 1, maxChunks: 3, maxBatch: 1);
        window.Append([1], speech: true);
        window.Append([2], speech: false);
        window.Append([3], speech: false);
        var first = window.Append([4], speech: true);
        var destination = new float[3];
        var mask = new float[3];

        var valid = window.CopyWindow(first, destination, mask);

        // Chunk 1 is speech but four chunks back, outside K = 3: the utterance before the pause is not mixed in.
        Assert.Equal(1, valid);
        Assert.Equal([4f, 0, 0], destination);
        Assert.Equal([1f, 0, 0], mask);
    }

    [Fact]
    public void CopyWindow_NonSpeechChunk_KeepsEveryChunkOfItsLastK()
    {
        var window = new EmbeddingWindow(embeddingDim: 1, maxChunks: 3, maxBatch: 1);
        window.Append([1], speech: true);
        window.Append([2], speech: false);
        var last = window.Append([3], speech: false);
        var destination = new float[3];
        var mask = new float[3];

        var valid = window.CopyWindow(last, destination, mask);

        Assert.Equal(3, valid);
        Assert.Equal([1f, 2, 3], destination);
    }

    [Fact]
    public void CopyWindow_FewerRowsThanTheWindow_KeepsTheNewestSpeechChunks()
    {
        var window = new EmbeddingWindow(embeddingDim: 1, maxChunks: 5, maxBatch: 1);
        window.Append([1], speech: true);
        window.Append([2], speech: true);
        window.Append([3], speech: false);
        var last = window.Append([4], speech: true);
        var destination = new float[2];
        var mask = new float[2];

        var valid = window.CopyWindow(last, destination, mask);

        Assert.Equal(2, valid);
        Assert.Equal([2f, 4], destination);
    }
}
