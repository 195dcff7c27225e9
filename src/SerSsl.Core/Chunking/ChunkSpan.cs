namespace SerSsl.Core.Chunking;

/// <summary>
/// One chunk of a sentence: <see cref="Length"/> frames starting at frame <see cref="Start"/>, of which the last
/// <see cref="PaddedFrames"/> lie past the end of the sentence and are filled with the pad value.
/// </summary>
/// <param name="Start">Index of the first frame of the chunk in the sentence.</param>
/// <param name="Length">Chunk length m in frames.</param>
/// <param name="PaddedFrames">Frames at the end of the chunk beyond the sentence (0 unless the sentence is shorter than m).</param>
public readonly record struct ChunkSpan(int Start, int Length, int PaddedFrames)
{
    /// <summary>Frames of the chunk taken from the sentence: <see cref="Length"/> - <see cref="PaddedFrames"/>.</summary>
    public int RealFrames => Length - PaddedFrames;
}
