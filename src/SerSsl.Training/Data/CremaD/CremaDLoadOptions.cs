namespace SerSsl.Training.Data.CremaD;

/// <summary>How <see cref="CremaDDataset"/> labels and locates a CREMA-D copy.</summary>
internal sealed record CremaDLoadOptions
{
    /// <summary>The options used when none are given: intended labels, audiovisual votes for consensus.</summary>
    public static CremaDLoadOptions Default { get; } = new();

    /// <summary>Where labels come from. Default <see cref="LabelSource.Intended"/>.</summary>
    public LabelSource LabelSource { get; init; } = LabelSource.Intended;

    /// <summary>
    /// The vote rows used for <see cref="LabelSource.VoteConsensus"/>. Default <see cref="VoteModality.Audiovisual"/>
    /// (the design's "consensus of the audiovisual votes").
    /// </summary>
    public VoteModality ConsensusModality { get; init; } = VoteModality.Audiovisual;

    /// <summary>
    /// A folder holding the metadata CSVs, overriding the search in the dataset folder (its top, then
    /// <c>metadata/</c>, then <c>processedResults/</c>). Null to search. Lets tests pair metadata with any audio.
    /// </summary>
    public string? MetadataDirectory { get; init; }
}
