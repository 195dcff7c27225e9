namespace SerSsl.Training.Data.CremaD;

/// <summary>A listed clip left out of a consensus-labelled dataset, kept for its votes (e.g. co-occurrence counts).</summary>
/// <param name="Name">The parsed clip name.</param>
/// <param name="AudioPath">The full path of the clip's audio file (WAV or Ogg Opus), or null when only the metadata was loaded.</param>
/// <param name="Votes">The clip's vote vectors, or null when it has none.</param>
/// <param name="Reason">Why there was no consensus: <see cref="ConsensusOutcome.TiedTop"/>,
/// <see cref="ConsensusOutcome.BelowMajority"/> or <see cref="ConsensusOutcome.NoVotes"/>.</param>
internal sealed record CremaDDroppedClip(CremaDClipName Name, string? AudioPath, CremaDVotes? Votes, ConsensusOutcome Reason);
