namespace SerSsl.Training.Data.CremaD;

/// <summary>The rating modality of a CREMA-D vote row; the first digit of the row id in <c>tabulatedVotes.csv</c>.</summary>
internal enum VoteModality
{
    /// <summary>Raters heard the audio only (row ids 1xxxxx).</summary>
    Voice = 1,

    /// <summary>Raters saw the video only (row ids 2xxxxx).</summary>
    Face = 2,

    /// <summary>Raters saw and heard the clip (row ids 3xxxxx).</summary>
    Audiovisual = 3,
}
