namespace SerSsl.Streaming.Inference;

/// <summary>
/// The chunk embeddings of one session, newest last: the aggregator's context. Written and read only by the
/// <see cref="InferenceScheduler"/> thread.
/// </summary>
/// <remarks>
/// <para>
/// Each embedding carries a speech flag. The window of a speech chunk holds only the speech chunks among the last K,
/// so that the pause before an utterance (and the silence inside it) does not colour its estimates; the window of a
/// non-speech chunk holds all of the last K. With every chunk flagged as speech this is the plain sliding window of
/// the last K chunks.
/// </para>
/// <para>
/// A ring with room for the aggregator's K plus one whole batch, so that every chunk of a batch (several may come from
/// one session when a file is read faster than real time) still finds its own last K embeddings after the whole
/// batch has been appended.
/// </para>
/// </remarks>
internal sealed class EmbeddingWindow
{
    private readonly float[] _ring;
    private readonly bool[] _speech;

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
        _speech = new bool[Capacity];
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
    /// <param name="speech">Whether the chunk is speech (see the remarks); true for every chunk gives the plain window of the last K.</param>
    public long Append(ReadOnlySpan<float> embedding, bool speech = true)
    {
        if (embedding.Length != EmbeddingDim)
        {
            throw new ArgumentException($"An embedding has {EmbeddingDim} values, got {embedding.Length}.", nameof(embedding));
        }

        var index = Count;
        var slot = (int)(index % Capacity);
        embedding.CopyTo(_ring.AsSpan(slot * EmbeddingDim, EmbeddingDim));
        _speech[slot] = speech;
        Count++;
        return index;
    }

    /// <summary>
    /// The number of embeddings in the window ending at <paramref name="index"/>: of the last min(index + 1, K), all
    /// of them for a non-speech chunk, only the speech ones for a speech chunk (at least 1, the chunk itself).
    /// </summary>
    /// <param name="index">An embedding index returned by <see cref="Append"/>; it must still be in the ring.</param>
    public int ContextLength(long index)
    {
        CheckInRing(index);
        var span = (int)Math.Min(index + 1, MaxChunks);
        if (!_speech[(int)(index % Capacity)])
        {
            return span;
        }

        var count = 0;
        for (var source = index - span + 1; source <= index; source++)
        {
            if (_speech[(int)(source % Capacity)])
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>
    /// Copies the window ending at <paramref name="index"/> (see <see cref="ContextLength"/>), oldest first, into the
    /// first rows of <paramref name="destination"/> (<c>[rows, D]</c>), and writes 1 into <paramref name="mask"/> for
    /// them and 0 for the remaining rows (which are zeroed). When the window holds more embeddings than there are rows,
    /// the newest are kept.
    /// </summary>
    /// <param name="index">The newest embedding of the window; it must still be in the ring.</param>
    /// <param name="destination">rows x D values.</param>
    /// <param name="mask">rows values.</param>
    /// <returns>The number of valid rows.</returns>
    public int CopyWindow(long index, Span<float> destination, Span<float> mask)
    {
        CheckInRing(index);
        var rows = mask.Length;
        var speechOnly = _speech[(int)(index % Capacity)];
        var valid = Math.Min(ContextLength(index), rows);

        // Walk back from the newest, filling rows from the last valid one, so that the oldest kept lands in row 0.
        var row = valid - 1;
        for (var source = index; row >= 0; source--)
        {
            var slot = (int)(source % Capacity);
            if (speechOnly && !_speech[slot])
            {
                continue;
            }

            _ring.AsSpan(slot * EmbeddingDim, EmbeddingDim).CopyTo(destination.Slice(row * EmbeddingDim, EmbeddingDim));
            mask[row] = 1f;
            row--;
        }

        destination[(valid * EmbeddingDim)..(rows * EmbeddingDim)].Clear();
        mask[valid..].Clear();
        return valid;
    }

    private void CheckInRing(long index)
    {
        if (index < 0 || index >= Count || index < Count - Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Embedding {index} is not in the ring (count {Count}, capacity {Capacity}).");
        }
    }
}
