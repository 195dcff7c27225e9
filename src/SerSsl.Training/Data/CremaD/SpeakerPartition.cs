namespace SerSsl.Training.Data.CremaD;

/// <summary>One speaker-independent partition: disjoint train, development and test sets of actors.</summary>
/// <param name="Index">The partition's index, 0-based.</param>
/// <param name="Seed">The seed it was drawn with (base seed + index).</param>
/// <param name="TrainActors">Training actor ids, ascending.</param>
/// <param name="DevActors">Development actor ids, ascending.</param>
/// <param name="TestActors">Test actor ids, ascending.</param>
/// <param name="Label">How results name the partition; null for <c>partition-INDEX</c> (a VAVL fold says <c>fold-N</c>).</param>
internal sealed record SpeakerPartition(int Index, long Seed, IReadOnlyList<int> TrainActors, IReadOnlyList<int> DevActors, IReadOnlyList<int> TestActors, string? Label = null)
{
    /// <summary>The partition's name in results and folder names: <c>partition-0</c> or <c>fold-1</c>.</summary>
    public string Name => Label ?? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"partition-{Index}");

    /// <summary>A short form for log lines: <c>p0</c> or <c>fold1</c>.</summary>
    public string ShortName => Label is null ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"p{Index}") : Label.Replace("-", string.Empty, StringComparison.Ordinal);

    /// <summary>The actor ids of one set.</summary>
    /// <param name="split">Which set.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="split"/> is not defined.</exception>
    public IReadOnlyList<int> ActorsOf(DataSplit split) => split switch
    {
        DataSplit.Train => TrainActors,
        DataSplit.Dev => DevActors,
        DataSplit.Test => TestActors,
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "Unknown split."),
    };

    /// <summary>The set an actor belongs to, or null when the partition does not contain the actor.</summary>
    /// <param name="actorId">An actor id.</param>
    public DataSplit? SplitOf(int actorId) =>
        Contains(TrainActors, actorId) ? DataSplit.Train
        : Contains(DevActors, actorId) ? DataSplit.Dev
        : Contains(TestActors, actorId) ? DataSplit.Test
        : null;

    private static bool Contains(IReadOnlyList<int> sorted, int id)
    {
        int lo = 0, hi = sorted.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] == id)
            {
                return true;
            }

            if (sorted[mid] < id)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return false;
    }
}
