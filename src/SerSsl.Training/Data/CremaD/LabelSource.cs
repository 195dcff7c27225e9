namespace SerSsl.Training.Data.CremaD;

/// <summary>Where a CREMA-D clip's training label comes from.</summary>
internal enum LabelSource
{
    /// <summary>The emotion the actor was asked to portray, from the file name.</summary>
    Intended,

    /// <summary>The strict-majority consensus of the raters' votes in one modality (see <see cref="VoteConsensus"/>).</summary>
    VoteConsensus,

    /// <summary>A VAVL fold's consensus labels (<see cref="VavlFold"/>): the top class of each clip's distribution.</summary>
    VavlConsensus,
}
