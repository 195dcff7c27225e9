namespace SerSsl.Core.Chunking;

/// <summary>
/// Streaming chunker: frames arrive incrementally and a chunk of m frames is emitted every h frames. Chunk k covers
/// stream frames [k * h, k * h + m); the first chunk appears once m frames exist, the next after h more, and so on.
/// </summary>
/// <remarks>
/// Keeps one linear buffer of m frames (bounded memory, nothing allocated per frame or chunk). After chunk k is
/// emitted the buffer is shifted lazily, on the next call, so the chunk view stays valid until then. When h &gt; m
/// the frames between chunks are skipped. Not thread-safe.
/// </remarks>
public sealed class SlidingChunker
{
    private readonly float[] _buffer;
    private int _buffered;
    private bool _shiftPending;
    private long _skip;

    /// <summary>Creates a chunker.</summary>
    /// <param name="binCount">Values per frame (e.g. 64 mel bins), at least 1.</param>
    /// <param name="chunkFrames">m, frames per chunk, at least 1 (default 100 = 1 s at a 10 ms hop).</param>
    /// <param name="hopFrames">h, frames between chunk starts, at least 1 (default 25 = 250 ms).</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is below 1, or m * bins exceeds <see cref="int.MaxValue"/>.</exception>
    public SlidingChunker(int binCount, int chunkFrames = 100, int hopFrames = 25)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(binCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkFrames, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hopFrames, 1);
        if ((long)binCount * chunkFrames > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(chunkFrames), chunkFrames, "The chunk size in values is too large.");
        }

        BinCount = binCount;
        ChunkFrames = chunkFrames;
        HopFrames = hopFrames;
        _buffer = new float[binCount * chunkFrames];
    }

    /// <summary>Values per frame.</summary>
    public int BinCount { get; }

    /// <summary>m, frames per chunk.</summary>
    public int ChunkFrames { get; }

    /// <summary>h, frames between chunk starts.</summary>
    public int HopFrames { get; }

    /// <summary>Values per chunk: m * bins.</summary>
    public int ChunkLength => _buffer.Length;

    /// <summary>Frames received since construction or <see cref="Reset"/>.</summary>
    public long FramesReceived { get; private set; }

    /// <summary>Chunks emitted since construction or <see cref="Reset"/>; chunk k starts at stream frame k * h.</summary>
    public long ChunksEmitted { get; private set; }

    /// <summary>The number of chunks that <paramref name="frameCount"/> more frames complete.</summary>
    /// <param name="frameCount">Number of frames to be added, not negative.</param>
    /// <returns>Chunks emitted by adding them.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="frameCount"/> is negative.</exception>
    public int ChunkCountFor(int frameCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frameCount);
        return (int)(CompletedBy(FramesReceived + frameCount) - ChunksEmitted);
    }

    /// <summary>Adds one frame.</summary>
    /// <param name="frame">Exactly <see cref="BinCount"/> values.</param>
    /// <param name="chunk">When a chunk completes, a [m, bins] row-major view of it, valid until the next call that
    /// changes this chunker; otherwise empty.</param>
    /// <returns>True when this frame completed a chunk.</returns>
    /// <exception cref="ArgumentException"><paramref name="frame"/> does not hold exactly <see cref="BinCount"/> values.</exception>
    public bool TryAddFrame(ReadOnlySpan<float> frame, out ReadOnlySpan<float> chunk)
    {
        if (frame.Length != BinCount)
        {
            throw new ArgumentException($"A frame has {BinCount} values, got {frame.Length}.", nameof(frame));
        }

        chunk = [];
        if (_shiftPending)
        {
            ShiftAfterChunk();
        }

        FramesReceived++;
        if (_skip > 0)
        {
            _skip--;
            return false;
        }

        frame.CopyTo(_buffer.AsSpan(_buffered * BinCount));
        _buffered++;
        if (_buffered < ChunkFrames)
        {
            return false;
        }

        ChunksEmitted++;
        _shiftPending = true;
        chunk = _buffer;
        return true;
    }

    /// <summary>Adds frames and copies every chunk they complete into <paramref name="chunks"/>.</summary>
    /// <param name="frames">[k, bins] row-major frames, k at least 0.</param>
    /// <param name="chunks">Receives [c, m, bins] row-major, c = <see cref="ChunkCountFor"/>(k); may be longer.</param>
    /// <returns>The number of chunks written.</returns>
    /// <exception cref="ArgumentException"><paramref name="frames"/> is not a whole number of frames, or
    /// <paramref name="chunks"/> is too short; the state is then unchanged.</exception>
    public int AddFrames(ReadOnlySpan<float> frames, Span<float> chunks)
    {
        if (frames.Length % BinCount != 0)
        {
            throw new ArgumentException($"Expected whole frames of {BinCount} values, got {frames.Length} values.", nameof(frames));
        }

        var frameCount = frames.Length / BinCount;
        var expected = ChunkCountFor(frameCount);
        if (chunks.Length < (long)expected * ChunkLength)
        {
            throw new ArgumentException($"These frames complete {expected} chunks of {ChunkLength} values but the destination holds {chunks.Length}.", nameof(chunks));
        }

        var written = 0;
        for (var f = 0; f < frameCount; f++)
        {
            if (TryAddFrame(frames.Slice(f * BinCount, BinCount), out var chunk))
            {
                chunk.CopyTo(chunks.Slice(written * ChunkLength, ChunkLength));
                written++;
            }
        }

        return written;
    }

    /// <summary>Forgets all frames and counters, as if newly created.</summary>
    public void Reset()
    {
        _buffered = 0;
        _shiftPending = false;
        _skip = 0;
        FramesReceived = 0;
        ChunksEmitted = 0;
    }

    private long CompletedBy(long frames) => frames < ChunkFrames ? 0 : 1 + ((frames - ChunkFrames) / HopFrames);

    private void ShiftAfterChunk()
    {
        _shiftPending = false;
        if (HopFrames >= ChunkFrames)
        {
            _buffered = 0;
            _skip = HopFrames - ChunkFrames;
            return;
        }

        var keep = ChunkFrames - HopFrames;
        _buffer.AsSpan(HopFrames * BinCount, keep * BinCount).CopyTo(_buffer);
        _buffered = keep;
    }
}
