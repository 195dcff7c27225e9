namespace SerSsl.Streaming.Inference;

/// <summary>
/// The chunk embeddings of one session, newest last: the aggregator's context. Written and read only by the
/// <see cref="InferenceScheduler"/> thread.
/// </summary>
/// <remarks>
/// A ring with room for the aggregator's K plus one whole batch, so that every chunk of a batch (several may come from
/// one session when a file is read faster than real time) still finds its own last K embeddings after the whole
/// batch has been appended.
/// </remarks>
internal sealed class EmbeddingWindow
{
    private readonly float[] _ring;

    /// <summary>Creates an empty window.</summary>
    /// <param name="embeddingDim">D.</param>
    /// <param name="maxChunks">K, the most embeddings one aggregation reads.</param>
    /// <param name="maxBatch">The most chunks appended before they are read.</param>
    public EmbeddingWindow(int embeddingDim, int maxChunks, int maxBatch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(embeddingDim, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChunks, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        EmbeddingDim = embeddingDim;
        MaxChunks = maxChunks;
        Capacity = maxChunks + maxBatch;
        _ring = new float[Capacity * embeddingDim];
    }

    /// <summary>D.</summary>
    public int EmbeddingDim { get; }

    /// <summary>K.</summary>
    public int MaxChunks { get; }

    /// <summary>Embeddings the ring holds.</summary>
    public int Capacity { get; }

    /// <summary>Embeddings appended so far; the next one gets this index.</summary>
    public long Count { get; private set; }

    /// <summary>Appends an embedding and returns its index.</summary>
    /// <param name="embedding">D values.</param>
    public long Append(ReadOnlySpan<float> embedding)
    {
        if (embedding.Length != EmbeddingDim)
        {
            throw new ArgumentException($"An embedding has {EmbeddingDim} values, got {embedding.Length}.", nameof(embedding));
        }

        var index = Count;
        embedding.CopyTo(_ring.AsSpan((int)(index % Capacity) * EmbeddingDim, EmbeddingDim));
        Count++;
        return index;
    }

    /// <summary>The number of embeddings the window ending at <paramref name="index"/> holds: min(index + 1, K).</summary>
    /// <param name="index">An embedding index returned by <see cref="Append"/>.</param>
    public int ContextLength(long index) => (int)Math.Min(index + 1, MaxChunks);

    /// <summary>
    /// Copies the window ending at <paramref name="index"/>, oldest first, into the first rows of
    /// <paramref name="destination"/> (<c>[rows, D]</c>), and writes 1 into <paramref name="mask"/> for them and 0 for
    /// the remaining rows (which are zeroed).
    /// </summary>
    /// <param name="index">The newest embedding of the window; it must still be in the ring.</param>
    /// <param name="destination">rows x D values.</param>
    /// <param name="mask">rows values.</param>
    /// <returns>The number of valid rows.</returns>
    public int CopyWindow(long index, Span<float> destination, Span<float> mask)
    {
        if (index < 0 || index >= Count || index < Count - Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Embedding {index} is not in the ring (count {Count}, capacity {Capacity}).");
        }

        var rows = mask.Length;
        var valid = Math.Min(ContextLength(index), rows);
        for (var r = 0; r < valid; r++)
        {
            var source = index - valid + 1 + r;
            _ring.AsSpan((int)(source % Capacity) * EmbeddingDim, EmbeddingDim).CopyTo(destination.Slice(r * EmbeddingDim, EmbeddingDim));
            mask[r] = 1f;
        }

        destination[(valid * EmbeddingDim)..(rows * EmbeddingDim)].Clear();
        mask[valid..].Clear();
        return valid;
    }
}
