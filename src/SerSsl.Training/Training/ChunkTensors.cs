using static TorchSharp.torch;

namespace SerSsl.Training.Training;

/// <summary>
/// The chunks and labels of one split held once as contiguous tensors, [N, K, m, bins] and [N], so that a batch is
/// an <c>index_select</c> inside libtorch: no managed array and no copy from managed memory per batch.
/// </summary>
internal sealed class ChunkTensors : IDisposable
{
    /// <summary>Clips stacked per block while building, to bound the temporary managed buffer.</summary>
    private const int BlockClips = 256;

    private ChunkTensors(Tensor chunks, Tensor labels, Tensor? distributions, int count)
    {
        Chunks = chunks;
        Labels = labels;
        Distributions = distributions;
        Count = count;
    }

    /// <summary>[N, K, m, bins] normalised chunks.</summary>
    public Tensor Chunks { get; }

    /// <summary>[N] int64 class indices.</summary>
    public Tensor Labels { get; }

    /// <summary>[N, classes] soft labels when every clip has one, else null.</summary>
    public Tensor? Distributions { get; }

    /// <summary>N, the number of clips.</summary>
    public int Count { get; }

    /// <summary>Materialises every example's chunks into one tensor.</summary>
    /// <param name="examples">The split's clips.</param>
    /// <param name="chunkCount">K.</param>
    /// <param name="chunkFrames">m.</param>
    /// <param name="bins">Mel bins.</param>
    public static ChunkTensors Build(IReadOnlyList<EmotionExample> examples, int chunkCount, int chunkFrames, int bins)
    {
        ArgumentNullException.ThrowIfNull(examples);
        var per = chunkCount * chunkFrames * bins;
        var all = empty(examples.Count, chunkCount, chunkFrames, bins);
        try
        {
            // Block by block into the one tensor, so the peak is the tensor plus one block, never two copies.
            var values = new float[Math.Min(BlockClips, Math.Max(examples.Count, 1)) * per];
            for (var start = 0; start < examples.Count; start += BlockClips)
            {
                var count = Math.Min(BlockClips, examples.Count - start);
                Parallel.For(0, count, i =>
                {
                    var chunks = examples[start + i].Chunks;
                    if (chunks.Length != per)
                    {
                        throw new ArgumentException($"Clip '{examples[start + i].Id}' has {chunks.Length} chunk values where {per} were expected.");
                    }

                    chunks.CopyTo(values, i * per);
                });
                using var block = tensor(values.AsSpan(0, count * per).ToArray(), [count, chunkCount, chunkFrames, bins]);
                using var target = all.narrow(0, start, count);
                target.copy_(block);
            }

            var labels = tensor(examples.Select(static e => (long)e.Label).ToArray());
            var soft = examples.Count > 0 && examples.All(static e => e.Distribution is not null)
                ? tensor(examples.SelectMany(static e => e.Distribution!).ToArray(), [examples.Count, examples[0].Distribution!.Length])
                : null;
            return new ChunkTensors(all, labels, soft, examples.Count);
        }
        catch
        {
            all.Dispose();
            throw;
        }
    }

    /// <summary>The chunks, an all-ones mask and the labels of the clips at <paramref name="indices"/>.</summary>
    /// <param name="indices">Clip indices into this split.</param>
    /// <param name="soft">True for the soft labels ([B, classes]) instead of the class indices ([B]).</param>
    /// <returns>[B, K, m, bins] chunks, [B, K] mask, labels; disposed by the caller's dispose scope.</returns>
    /// <exception cref="InvalidOperationException"><paramref name="soft"/> is true but the clips carry no soft labels.</exception>
    public (Tensor Chunks, Tensor Mask, Tensor Labels) Batch(long[] indices, bool soft = false)
    {
        using var index = tensor(indices);
        var chunks = Chunks.index_select(0, index);
        var labels = soft
            ? (Distributions ?? throw new InvalidOperationException("Soft labels need labels that carry distributions: --soft-labels works with --folds vavl:DIR.")).index_select(0, index)
            : Labels.index_select(0, index);
        return (chunks, ones(indices.Length, Chunks.shape[1]), labels);
    }

    /// <summary>
    /// A random subset of each clip's chunks: for every clip of the batch, <paramref name="count"/> of its K chunks
    /// drawn without replacement from libtorch's generator, kept in time order.
    /// </summary>
    /// <param name="chunks">[B, K, m, bins].</param>
    /// <param name="mask">[B, K].</param>
    /// <param name="count">Chunks to keep per clip, 1 to K; K returns the inputs.</param>
    /// <returns>[B, count, m, bins] chunks and [B, count] mask, in the caller's dispose scope.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not in 1..K.</exception>
    public static (Tensor Chunks, Tensor Mask) DrawChunks(Tensor chunks, Tensor mask, int count)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        ArgumentNullException.ThrowIfNull(mask);
        var (b, k, m, bins) = (chunks.shape[0], chunks.shape[1], chunks.shape[2], chunks.shape[3]);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, k);
        if (count == k)
        {
            return (chunks, mask);
        }

        // A random permutation per clip (argsort of uniform keys), its first `count` positions, sorted back into time order.
        using var keys = rand(b, k);
        using var order = keys.argsort(1);
        using var first = order.narrow(1, 0, count);
        var (positions, sortedOrder) = first.sort(1);
        sortedOrder.Dispose();
        using (positions)
        {
            using var flat = chunks.reshape(b, k, m * bins);
            using var gatherIndex = positions.unsqueeze(2).expand(b, count, m * bins);
            var picked = flat.gather(1, gatherIndex).reshape(b, count, m, bins);
            var pickedMask = mask.gather(1, positions);
            return (picked, pickedMask);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Chunks.Dispose();
        Labels.Dispose();
        Distributions?.Dispose();
    }
}
