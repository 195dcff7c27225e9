namespace SerSsl.Training.Data.CremaD;

/// <summary>A clip's vote vectors per rating modality, from <c>tabulatedVotes.csv</c>; a modality without a row is null.</summary>
/// <param name="Voice">Votes of raters who heard the audio only (row ids 1xxxxx).</param>
/// <param name="Face">Votes of raters who saw the video only (row ids 2xxxxx).</param>
/// <param name="Audiovisual">Votes of raters who saw and heard the clip (row ids 3xxxxx).</param>
internal sealed record CremaDVotes(VoteCounts? Voice, VoteCounts? Face, VoteCounts? Audiovisual)
{
    /// <summary>The votes of one modality, or null when the table has no row for it.</summary>
    /// <param name="modality">The modality.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="modality"/> is not defined.</exception>
    public VoteCounts? Get(VoteModality modality) => modality switch
    {
        VoteModality.Voice => Voice,
        VoteModality.Face => Face,
        VoteModality.Audiovisual => Audiovisual,
        _ => throw new ArgumentOutOfRangeException(nameof(modality), modality, "Unknown vote modality."),
    };
}
