using SerSsl.Core.Chunking;

namespace SerSsl.Training.Training;

/// <summary>
/// Turns a clip's log-mel frames into the model's input: the dynamic chunker's K chunks of m frames, padded with the
/// silence floor where the clip is shorter than m, then normalised. One instance serves a whole corpus (K is fixed by
/// the longest clip the chunker was built for).
/// </summary>
internal sealed class ChunkMaterializer
{
    private readonly DynamicChunker _chunker;
    private readonly FeatureNormalizer _normalizer;
    private readonly float _silence;

    /// <summary>Creates a materialiser.</summary>
    /// <param name="chunker">The dynamic chunker (Tmax, m, scale).</param>
    /// <param name="normalizer">Per-bin statistics applied after chunking.</param>
    /// <param name="silenceLevel">The raw log-mel value of silence, used to pad clips shorter than m frames.</param>
    public ChunkMaterializer(DynamicChunker chunker, FeatureNormalizer normalizer, float silenceLevel)
    {
        ArgumentNullException.ThrowIfNull(chunker);
        ArgumentNullException.ThrowIfNull(normalizer);
        _chunker = chunker;
        _normalizer = normalizer;
        _silence = silenceLevel;
    }

    /// <summary>K, chunks per clip.</summary>
    public int ChunkCount => _chunker.ChunkCount;

    /// <summary>m, frames per chunk.</summary>
    public int ChunkFrames => _chunker.ChunkFrames;

    /// <summary>Values per frame.</summary>
    public int BinCount => _normalizer.BinCount;

    /// <summary>Values per clip: K * m * bins.</summary>
    public int ValuesPerClip => _chunker.MaterializedLength(BinCount);

    /// <summary>The chunk plan of a clip of <paramref name="frameCount"/> frames.</summary>
    public ChunkSpan[] Plan(int frameCount) => _chunker.Plan(frameCount);

    /// <summary>Materialises and normalises the chunks of one clip.</summary>
    /// <param name="logMel">Row-major [T, bins] raw log-mel frames, T at least 1.</param>
    /// <returns>Row-major [K, m, bins] normalised chunks.</returns>
    public float[] Materialize(ReadOnlySpan<float> logMel)
    {
        var chunks = new float[ValuesPerClip];
        _chunker.Materialize(logMel, BinCount, _silence, chunks);
        _normalizer.ApplyInPlace(chunks);
        return chunks;
    }
}
