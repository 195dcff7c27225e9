namespace SerSsl.Training.Pretext;

/// <summary>
/// The chunk-level targets of a binary pretext task (energy variation, facial activation) for one clip: one entry
/// per chunk, in chunk order, ready to become the <c>[K]</c> row of a <c>[B, K]</c> target and mask tensor.
/// </summary>
/// <param name="Values">The measured chunk values; <see cref="float.NaN"/> where a chunk could not be measured.</param>
/// <param name="Targets">1 for high (value at or above the threshold), 0 for low; 0 where masked.</param>
/// <param name="Mask">1 where the chunk takes part in the loss, 0 where it is masked (its value is NaN).</param>
internal sealed record BinaryChunkLabels(float[] Values, float[] Targets, float[] Mask)
{
    /// <summary>Number of chunks.</summary>
    public int Count => Values.Length;

    /// <summary>Number of chunks that take part in the loss (mask 1).</summary>
    public int ValidCount => Mask.Count(m => m > 0f);
}
