namespace SerSsl.Training.Data.CremaD;

/// <summary>What a CREMA-D load found and why clips were left out.</summary>
/// <param name="ClipsListed">Clip names in <c>SentenceFilenames.csv</c>.</param>
/// <param name="ClipsLoaded">Clips in the dataset after labelling.</param>
/// <param name="ActorCount">Actors with at least one listed clip.</param>
/// <param name="DroppedTiedTop">Consensus labelling only: clips whose top vote count is shared by two or more emotions.</param>
/// <param name="DroppedBelowMajority">Consensus labelling only: clips whose leading emotion has at most half the votes.</param>
/// <param name="DroppedNoVotes">Consensus labelling only: clips without a vote row (or with zero responses) in the modality.</param>
/// <param name="ConsensusDiffersFromIntended">Consensus labelling only: kept clips whose consensus is not the intended emotion.</param>
/// <param name="UnlistedWavFiles">Audio files in <c>AudioWAV/</c> (or <c>AudioOpus/</c>) whose names are not in <c>SentenceFilenames.csv</c> (ignored).</param>
/// <param name="VoteRowsForUnlistedClips">Rows of <c>tabulatedVotes.csv</c> for clips not in <c>SentenceFilenames.csv</c> (ignored).</param>
internal sealed record CremaDLoadSummary(
    int ClipsListed,
    int ClipsLoaded,
    int ActorCount,
    int DroppedTiedTop,
    int DroppedBelowMajority,
    int DroppedNoVotes,
    int ConsensusDiffersFromIntended,
    int UnlistedWavFiles,
    int VoteRowsForUnlistedClips)
{
    /// <summary>All clips dropped for want of a consensus.</summary>
    public int DroppedByConsensus => DroppedTiedTop + DroppedBelowMajority + DroppedNoVotes;

    /// <inheritdoc/>
    public override string ToString() =>
        $"{ClipsLoaded} of {ClipsListed} clips from {ActorCount} actors; dropped for no consensus: {DroppedByConsensus} " +
        $"(tied top {DroppedTiedTop}, below majority {DroppedBelowMajority}, no votes {DroppedNoVotes}); " +
        $"consensus differs from intended on {ConsensusDiffersFromIntended}; unlisted audio files {UnlistedWavFiles}; " +
        $"vote rows for unlisted clips {VoteRowsForUnlistedClips}";
}
