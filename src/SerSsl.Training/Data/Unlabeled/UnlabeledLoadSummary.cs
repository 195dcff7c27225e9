namespace SerSsl.Training.Data.Unlabeled;

/// <summary>Why a manifest entry was not loaded.</summary>
internal enum ClipSkipReason
{
    /// <summary>The WAV file or the OpenFace CSV does not exist.</summary>
    MissingFiles,

    /// <summary>The audio and video durations differ by more than <see cref="UnlabeledLoadOptions.MaxDurationMismatchSeconds"/>.</summary>
    DurationMismatch,

    /// <summary>The WAV file or the OpenFace CSV could not be read or parsed.</summary>
    Unreadable,
}

/// <summary>A manifest entry that was not loaded.</summary>
/// <param name="Id">The clip id.</param>
/// <param name="Reason">Why.</param>
/// <param name="Detail">The specifics: which files are missing, both durations, or the reader's error message.</param>
internal sealed record SkippedClip(string Id, ClipSkipReason Reason, string Detail);

/// <summary>What an unlabeled-corpus load found.</summary>
/// <param name="Listed">Entries in the manifest.</param>
/// <param name="Loaded">Clips loaded.</param>
/// <param name="AudioSeconds">Total audio duration of the loaded clips.</param>
/// <param name="Skipped">The skipped entries in manifest order, with reasons.</param>
internal sealed record UnlabeledLoadSummary(int Listed, int Loaded, double AudioSeconds, IReadOnlyList<SkippedClip> Skipped)
{
    /// <summary>Entries skipped because a file is missing.</summary>
    public int MissingFiles => Count(ClipSkipReason.MissingFiles);

    /// <summary>Entries skipped because audio and video durations disagree.</summary>
    public int DurationMismatch => Count(ClipSkipReason.DurationMismatch);

    /// <summary>Entries skipped because a file could not be read.</summary>
    public int Unreadable => Count(ClipSkipReason.Unreadable);

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Loaded} of {Listed} clips ({AudioSeconds / 3600:F2} h of audio); skipped: {MissingFiles} missing files, " +
        $"{DurationMismatch} duration mismatch, {Unreadable} unreadable";

    private int Count(ClipSkipReason reason) => Skipped.Count(s => s.Reason == reason);
}
