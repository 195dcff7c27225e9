namespace SerSsl.Core.Chunking;

/// <summary>
/// Dynamic chunking for sequence-to-one models: every sentence, whatever its length L, becomes the same number of
/// chunks of m frames, whose overlap grows as the sentence gets shorter. All quantities are in frames.
/// </summary>
/// <remarks>
/// <para>
/// With Tmax the longest sentence expected and m the chunk length (the chunk window Wc expressed in frames, so
/// Wc = m), the base chunk count is C = ceil(Tmax / m); with scaling factor n the chunk count is N = n * C. For a
/// sentence of L frames, step = floor((L - m) / (N - 1)) and chunk i covers frames [i * step, i * step + m),
/// i = 0..N-1. The last chunk ends at or before L; up to N - 2 trailing frames may fall outside every chunk
/// because of the floor.
/// </para>
/// <para>
/// Edge cases: N = 1 gives one chunk at frame 0 (frames past m are not covered). L = m gives N identical chunks at 0.
/// L &lt; m (padding): the sentence is treated as padded at the end to m frames, so every chunk starts at 0 and
/// holds the L real frames followed by m - L pad frames (<see cref="ChunkSpan.PaddedFrames"/>); the pad value is the
/// log-mel value of silence (<c>LogMelExtractor.SilenceLevel</c>, ln of the log floor) or its normalised image when
/// features are normalised before chunking. L &gt; Tmax still works: the step grows and the chunks spread out.
/// </para>
/// </remarks>
public sealed class DynamicChunker
{
    /// <summary>Creates a chunker.</summary>
    /// <param name="maxSentenceFrames">Tmax, the longest sentence in frames (at least 1).</param>
    /// <param name="chunkFrames">m, the chunk length in frames (at least 1); Wc = m.</param>
    /// <param name="scale">n, the scaling factor of the chunk count (at least 1, default 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is below 1, or n * C exceeds <see cref="int.MaxValue"/>.</exception>
    public DynamicChunker(int maxSentenceFrames, int chunkFrames, int scale = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSentenceFrames, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkFrames, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        var baseCount = (int)(((long)maxSentenceFrames + chunkFrames - 1) / chunkFrames);
        var count = (long)scale * baseCount;
        if (count > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, $"The chunk count n * C = {scale} * {baseCount} is too large.");
        }

        MaxSentenceFrames = maxSentenceFrames;
        ChunkFrames = chunkFrames;
        Scale = scale;
        BaseChunkCount = baseCount;
        ChunkCount = (int)count;
    }

    /// <summary>Tmax, the longest sentence in frames.</summary>
    public int MaxSentenceFrames { get; }

    /// <summary>m, the chunk length in frames.</summary>
    public int ChunkFrames { get; }

    /// <summary>n, the scaling factor.</summary>
    public int Scale { get; }

    /// <summary>C = ceil(Tmax / m).</summary>
    public int BaseChunkCount { get; }

    /// <summary>N = n * C, the number of chunks of every sentence.</summary>
    public int ChunkCount { get; }

    /// <summary>The step between chunk starts for a sentence of <paramref name="sentenceFrames"/> frames.</summary>
    /// <param name="sentenceFrames">L, at least 1.</param>
    /// <returns>floor((max(L, m) - m) / (N - 1)), or 0 when N = 1.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sentenceFrames"/> is below 1.</exception>
    public int Step(int sentenceFrames)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sentenceFrames, 1);
        if (ChunkCount == 1 || sentenceFrames <= ChunkFrames)
        {
            return 0;
        }

        return (sentenceFrames - ChunkFrames) / (ChunkCount - 1);
    }

    /// <summary>Writes the <see cref="ChunkCount"/> chunks of a sentence of <paramref name="sentenceFrames"/> frames.</summary>
    /// <param name="sentenceFrames">L, at least 1.</param>
    /// <param name="destination">Receives <see cref="ChunkCount"/> spans; may be longer.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sentenceFrames"/> is below 1.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public void Plan(int sentenceFrames, Span<ChunkSpan> destination)
    {
        var step = Step(sentenceFrames);
        if (destination.Length < ChunkCount)
        {
            throw new ArgumentException($"{ChunkCount} chunks do not fit a destination of {destination.Length}.", nameof(destination));
        }

        var padded = Math.Max(0, ChunkFrames - sentenceFrames);
        for (var i = 0; i < ChunkCount; i++)
        {
            destination[i] = new ChunkSpan(i * step, ChunkFrames, padded);
        }
    }

    /// <summary>The <see cref="ChunkCount"/> chunks of a sentence of <paramref name="sentenceFrames"/> frames.</summary>
    /// <param name="sentenceFrames">L, at least 1.</param>
    /// <returns>A new array of <see cref="ChunkCount"/> spans.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sentenceFrames"/> is below 1.</exception>
    public ChunkSpan[] Plan(int sentenceFrames)
    {
        var result = new ChunkSpan[ChunkCount];
        Plan(sentenceFrames, result);
        return result;
    }

    /// <summary>Length of the materialised chunks for <paramref name="binCount"/> values per frame: N * m * bins.</summary>
    /// <param name="binCount">Values per frame, at least 1.</param>
    /// <returns>The number of floats <see cref="Materialize"/> writes.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="binCount"/> is below 1.</exception>
    /// <exception cref="OverflowException">The size exceeds <see cref="int.MaxValue"/>.</exception>
    public int MaterializedLength(int binCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(binCount, 1);
        return checked(ChunkCount * ChunkFrames * binCount);
    }

    /// <summary>
    /// Copies the chunks of a [L, bins] row-major frame matrix into <paramref name="destination"/> as
    /// [N, m, bins] row-major, filling frames past the end of a short sentence with <paramref name="padValue"/>.
    /// </summary>
    /// <param name="frames">The sentence, L * bins values (L at least 1).</param>
    /// <param name="binCount">Values per frame, at least 1.</param>
    /// <param name="padValue">Value of pad frames: the (normalised) log-mel value of silence.</param>
    /// <param name="destination">Receives <see cref="MaterializedLength"/>(bins) values; may be longer.</param>
    /// <returns>The number of sentence frames L.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="binCount"/> is below 1.</exception>
    /// <exception cref="ArgumentException">The frames are empty or not a whole number of frames, or the destination is too short.</exception>
    public int Materialize(ReadOnlySpan<float> frames, int binCount, float padValue, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(binCount, 1);
        if (frames.IsEmpty || frames.Length % binCount != 0)
        {
            throw new ArgumentException($"Expected a non-empty [L, {binCount}] frame matrix, got {frames.Length} values.", nameof(frames));
        }

        var sentenceFrames = frames.Length / binCount;
        var chunkValues = ChunkFrames * binCount;
        var total = MaterializedLength(binCount);
        if (destination.Length < total)
        {
            throw new ArgumentException($"{ChunkCount} chunks of {ChunkFrames} x {binCount} need {total} values but the destination holds {destination.Length}.", nameof(destination));
        }

        var step = Step(sentenceFrames);
        var realFrames = Math.Min(ChunkFrames, sentenceFrames);
        for (var i = 0; i < ChunkCount; i++)
        {
            var chunk = destination.Slice(i * chunkValues, chunkValues);
            frames.Slice(i * step * binCount, realFrames * binCount).CopyTo(chunk);
            chunk[(realFrames * binCount)..].Fill(padValue);
        }

        return sentenceFrames;
    }
}
