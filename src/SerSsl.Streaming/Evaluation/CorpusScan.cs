namespace SerSsl.Streaming.Evaluation;

/// <summary>Why a file of a corpus was not evaluated.</summary>
internal enum SkipReason
{
    /// <summary>The file name (or CSV row) does not follow the layout's naming convention.</summary>
    UnparseableName,

    /// <summary>A RAVDESS file of the audio-video or video-only modality.</summary>
    NotAudioOnly,

    /// <summary>The same clip again: another extension of the same name in the same folder, or a repeated CSV row.</summary>
    Duplicate,

    /// <summary>A CSV row names a file that does not exist.</summary>
    MissingFile,

    /// <summary>The clip's label has no counterpart among the model's labels (and no <c>--map</c> entry).</summary>
    LabelNotInModel,

    /// <summary>A <c>--map LABEL=drop</c> entry leaves the clip's label out.</summary>
    DroppedByMap,

    /// <summary>The file cannot be read as audio (another format under a .wav name, damaged, an unsupported encoding).</summary>
    UnreadableAudio,

    /// <summary>The file holds too little audio for a single estimate.</summary>
    NoEstimates,
}

/// <summary>Names of <see cref="SkipReason"/> values as reports write them.</summary>
internal static class SkipReasons
{
    /// <summary>Every reason, in report order.</summary>
    public static IReadOnlyList<SkipReason> All { get; } = Enum.GetValues<SkipReason>();

    /// <summary>The kebab-case name, e.g. <c>unreadable-audio</c>.</summary>
    public static string Name(this SkipReason reason) => reason switch
    {
        SkipReason.UnparseableName => "unparseable-name",
        SkipReason.NotAudioOnly => "not-audio-only",
        SkipReason.Duplicate => "duplicate",
        SkipReason.MissingFile => "missing-file",
        SkipReason.LabelNotInModel => "label-not-in-model",
        SkipReason.DroppedByMap => "dropped-by-map",
        SkipReason.UnreadableAudio => "unreadable-audio",
        SkipReason.NoEstimates => "no-estimates",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "Unknown skip reason."),
    };
}

/// <summary>A labelled audio file of a corpus.</summary>
/// <param name="Path">The file's full path.</param>
/// <param name="RelativePath">The path relative to the corpus (forward slashes), as reports show it.</param>
/// <param name="Label">The corpus label in <see cref="EmotionVocabulary"/>'s canonical form (e.g. <c>anger</c>, <c>calm</c>).</param>
/// <param name="Speaker">The speaker as the corpus names them (actor id, speaker code), or null when unknown.</param>
internal sealed record CorpusClip(string Path, string RelativePath, string Label, string? Speaker);

/// <summary>A corpus file that was not evaluated, and why.</summary>
/// <param name="RelativePath">The path relative to the corpus (forward slashes).</param>
/// <param name="Reason">Why.</param>
/// <param name="Detail">What exactly was wrong, for a person to act on.</param>
/// <param name="Label">The corpus label, when the name could be read.</param>
internal sealed record SkippedClip(string RelativePath, SkipReason Reason, string Detail, string? Label = null);

/// <summary>What a layout found in a corpus.</summary>
/// <param name="Root">The folder the clips' relative paths start from.</param>
/// <param name="FilesFound">Audio files (or CSV rows) looked at.</param>
/// <param name="Clips">The labelled clips, ordered by relative path.</param>
/// <param name="Skipped">What was left out at this stage, ordered by relative path.</param>
/// <param name="Selection">The fold set the clips were restricted to (<c>--fold-list</c>), or null for the whole corpus.</param>
internal sealed record CorpusScan(string Root, int FilesFound, IReadOnlyList<CorpusClip> Clips, IReadOnlyList<SkippedClip> Skipped, FoldSelection? Selection = null);
