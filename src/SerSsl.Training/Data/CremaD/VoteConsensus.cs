namespace SerSsl.Training.Data.CremaD;

/// <summary>
/// The consensus label of a vote vector: an emotion wins by <b>strict majority</b> when its count is more than half
/// of all responses (2 · top &gt; total). With fewer than half, or a tie for the top, there is no consensus and the
/// clip is dropped from consensus-labelled sets.
/// </summary>
/// <remarks>
/// A strict majority implies a unique top count, so ties never win. The outcome distinguishes why there is no
/// consensus so that loaders can report it: <see cref="ConsensusOutcome.TiedTop"/> (two or more emotions share the
/// highest count) and <see cref="ConsensusOutcome.BelowMajority"/> (one emotion leads but holds at most half the votes).
/// </remarks>
internal static class VoteConsensus
{
    /// <summary>Decides the consensus of <paramref name="votes"/>.</summary>
    /// <param name="votes">The votes, or null when the clip has no row for the modality.</param>
    /// <param name="emotion">The winning class index, or -1 without a consensus.</param>
    /// <returns>Whether there is a consensus, and if not, why.</returns>
    public static ConsensusOutcome Decide(VoteCounts? votes, out int emotion)
    {
        emotion = -1;
        if (votes is null || votes.Total == 0)
        {
            return ConsensusOutcome.NoVotes;
        }

        var counts = votes.Counts;
        var top = 0;
        for (var i = 1; i < counts.Length; i++)
        {
            if (counts[i] > counts[top])
            {
                top = i;
            }
        }

        if (2L * counts[top] > votes.Total)
        {
            emotion = top;
            return ConsensusOutcome.Majority;
        }

        for (var i = 0; i < counts.Length; i++)
        {
            if (i != top && counts[i] == counts[top])
            {
                return ConsensusOutcome.TiedTop;
            }
        }

        return ConsensusOutcome.BelowMajority;
    }
}

/// <summary>The result of <see cref="VoteConsensus.Decide"/>.</summary>
internal enum ConsensusOutcome
{
    /// <summary>One emotion has more than half of the votes.</summary>
    Majority,

    /// <summary>Two or more emotions share the highest count.</summary>
    TiedTop,

    /// <summary>One emotion leads but has at most half of the votes.</summary>
    BelowMajority,

    /// <summary>No vote row for the modality, or zero responses.</summary>
    NoVotes,
}
