namespace SerSsl.Training.Data.CremaD;

/// <summary>How many speaker-independent partitions to make and how many actors go to each set.</summary>
internal sealed record PartitionOptions
{
    /// <summary>Five partitions with CREMA-D's 63 / 14 / 14 proportions.</summary>
    public static PartitionOptions Default { get; } = new();

    /// <summary>Number of partitions. Default 5.</summary>
    public int PartitionCount { get; init; } = 5;

    /// <summary>
    /// Actors in each development set; null for round(actors · 14 / 91), at least 1 (14 for CREMA-D's 91 actors).
    /// </summary>
    public int? DevActorCount { get; init; }

    /// <summary>Actors in each test set; null for round(actors · 14 / 91), at least 1.</summary>
    public int? TestActorCount { get; init; }
}
