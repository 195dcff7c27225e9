namespace SerSsl.Training.Data.CremaD;

/// <summary>One labelled CREMA-D clip.</summary>
/// <param name="Name">The parsed clip name (actor, sentence, intended emotion, level).</param>
/// <param name="Label">The training label as a class index in <see cref="SerSsl.Core.Labels.CremaDEmotion"/> order:
/// the intended emotion or the vote consensus, per <see cref="CremaDLoadOptions.LabelSource"/>.</param>
/// <param name="AudioPath">The full path of the clip's audio file (WAV or Ogg Opus), or null when only the metadata was loaded.</param>
/// <param name="Votes">The clip's vote vectors per modality, or null when <c>tabulatedVotes.csv</c> was not read or
/// has no row for the clip.</param>
/// <param name="Distribution">A soft label (a distribution over the classes in <see cref="SerSsl.Core.Labels.CremaDEmotion"/>
/// order) where the labels carry one (the VAVL folds), else null.</param>
internal sealed record CremaDClip(CremaDClipName Name, int Label, string? AudioPath, CremaDVotes? Votes, float[]? Distribution = null)
{
    /// <summary>The clip id: its name without extension (e.g. <c>1001_IEO_HAP_HI</c>).</summary>
    public string Id => Name.Name;

    /// <summary>The actor who speaks in the clip.</summary>
    public int ActorId => Name.ActorId;

    /// <summary>The emotion the actor was asked to portray.</summary>
    public int IntendedEmotion => Name.Emotion;
}
