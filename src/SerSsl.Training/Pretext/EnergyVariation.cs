using SerSsl.Core.Chunking;
using SerSsl.Core.Features;

namespace SerSsl.Training.Pretext;

/// <summary>Settings of the energy-variation pretext task (task 1, audio only).</summary>
internal sealed record EnergyVariationOptions
{
    /// <summary>The defaults: at least 10 real frames (0.1 s) per chunk.</summary>
    public static EnergyVariationOptions Default { get; } = new();

    /// <summary>
    /// Fewest real (unpadded) frames a chunk needs for its standard deviation to be used; chunks with fewer are
    /// masked (value NaN). Default 10 (0.1 s at a 10 ms hop); at least 1.
    /// </summary>
    public int MinRealFrames { get; init; } = 10;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        if (MinRealFrames < 1)
        {
            throw new ArgumentException($"{nameof(MinRealFrames)} must be at least 1 (got {MinRealFrames}).", nameof(MinRealFrames));
        }
    }
}

/// <summary>
/// Task 1, energy variation: the chunk value is the standard deviation of the frame log-energy in dB
/// (<see cref="FrameEnergy"/>) over the chunk's real frames; labels come from a <see cref="MedianSplitLabeler"/>
/// fitted on the pre-training corpus (high at or above the median).
/// </summary>
/// <remarks>
/// The standard deviation is the population one, sqrt(sum((E_t - mean)^2) / n) over the n = <see cref="ChunkSpan.RealFrames"/>
/// frames [Start, Start + n), computed in double precision in two passes. Padded frames (past the end of a sentence
/// shorter than the chunk) are excluded. A gain g shifts every E_t by 20 log10 g, so the value is gain-invariant
/// while the signal stays well above the energy floor.
/// </remarks>
internal static class EnergyVariation
{
    /// <summary>The standard deviation of the frame energies of one chunk.</summary>
    /// <param name="frameDecibels">The clip's frame energies in dB, one per log-mel frame.</param>
    /// <param name="chunk">The chunk; its real frames must lie inside <paramref name="frameDecibels"/>.</param>
    /// <param name="options">Settings; <see cref="EnergyVariationOptions.Default"/> when null.</param>
    /// <returns>The standard deviation in dB, or NaN when the chunk has fewer than <see cref="EnergyVariationOptions.MinRealFrames"/> real frames.</returns>
    /// <exception cref="ArgumentException">The chunk lies outside the energies, or the options are invalid.</exception>
    public static float ChunkValue(ReadOnlySpan<float> frameDecibels, ChunkSpan chunk, EnergyVariationOptions? options = null)
    {
        options ??= EnergyVariationOptions.Default;
        options.Validate();
        return Compute(frameDecibels, chunk, options);
    }

    /// <summary>The standard deviation of the frame energies of every chunk of a clip.</summary>
    /// <param name="frameDecibels">The clip's frame energies in dB, one per log-mel frame.</param>
    /// <param name="chunks">The clip's chunks (from <see cref="DynamicChunker"/> or <see cref="SlidingChunker"/> positions).</param>
    /// <param name="options">Settings; <see cref="EnergyVariationOptions.Default"/> when null.</param>
    /// <returns>One value per chunk, NaN for chunks with too few real frames.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="chunks"/> is null.</exception>
    /// <exception cref="ArgumentException">A chunk lies outside the energies, or the options are invalid.</exception>
    public static float[] ChunkValues(ReadOnlySpan<float> frameDecibels, IReadOnlyList<ChunkSpan> chunks, EnergyVariationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        options ??= EnergyVariationOptions.Default;
        options.Validate();
        var values = new float[chunks.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Compute(frameDecibels, chunks[i], options);
        }

        return values;
    }

    private static float Compute(ReadOnlySpan<float> frameDecibels, ChunkSpan chunk, EnergyVariationOptions options)
    {
        var n = chunk.RealFrames;
        if (chunk.Start < 0 || n < 0 || chunk.PaddedFrames < 0 || chunk.Start + n > frameDecibels.Length)
        {
            throw new ArgumentException($"Chunk {chunk} needs real frames [{chunk.Start}, {chunk.Start + n}) but the clip has {frameDecibels.Length} frame energies.", nameof(chunk));
        }

        if (n < options.MinRealFrames)
        {
            return float.NaN;
        }

        var frames = frameDecibels.Slice(chunk.Start, n);
        double sum = 0;
        foreach (var e in frames)
        {
            sum += e;
        }

        var mean = sum / n;
        double squares = 0;
        foreach (var e in frames)
        {
            var d = e - mean;
            squares += d * d;
        }

        return (float)Math.Sqrt(squares / n);
    }
}
