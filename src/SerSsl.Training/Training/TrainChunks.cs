using System.Globalization;

namespace SerSsl.Training.Training;

/// <summary>
/// How many of a clip's K chunks a training step encodes: a count drawn uniformly from <see cref="Min"/> to
/// <see cref="Max"/> (inclusive) per step, the same for every clip of the batch, each clip's chunks drawn at random
/// and kept in time order (<see cref="ChunkTensors.DrawChunks"/>). A range trains the aggregator on the short windows
/// a live session starts with (one chunk, then two, ...); a fixed count only makes a step cheaper.
/// </summary>
/// <param name="Min">Fewest chunks per step, at least 1.</param>
/// <param name="Max">Most chunks per step, at least <paramref name="Min"/>.</param>
internal sealed record TrainChunks(int Min, int Max)
{
    /// <summary>Parses <c>N</c> (always N) or <c>LO-HI</c> (drawn per step).</summary>
    /// <exception cref="ArgumentException">The text is neither form, or the counts are not 1 ≤ LO ≤ HI.</exception>
    public static TrainChunks Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('-', StringSplitOptions.TrimEntries);
        var values = new int[parts.Length];
        if (parts.Length is < 1 or > 2 || !parts.Select((p, i) => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out values[i])).All(ok => ok))
        {
            throw new ArgumentException($"--train-chunks: expected a whole number of chunks such as 3, or a range LO-HI such as 1-5; got '{text}'.");
        }

        var chunks = new TrainChunks(values[0], values[^1]);
        chunks.Validate();
        return chunks;
    }

    /// <summary>Checks 1 ≤ Min ≤ Max.</summary>
    /// <exception cref="ArgumentException">They are not.</exception>
    public void Validate()
    {
        if (Min < 1 || Max < Min)
        {
            throw new ArgumentException($"--train-chunks: a training step needs at least 1 chunk per clip, and a range must run from the smaller count to the larger; got {this}.");
        }
    }

    /// <summary>The count for one step.</summary>
    /// <param name="random">The epoch's seeded generator.</param>
    public int Draw(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return Min == Max ? Min : random.Next(Min, Max + 1);
    }

    /// <inheritdoc />
    public override string ToString() => Min == Max
        ? Min.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{Min}-{Max}");
}
