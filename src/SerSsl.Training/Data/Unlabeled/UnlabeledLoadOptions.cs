using SerSsl.Core.Faces;

namespace SerSsl.Training.Data.Unlabeled;

/// <summary>How <see cref="UnlabeledCorpus.Load"/> checks and keeps clips.</summary>
internal sealed record UnlabeledLoadOptions
{
    /// <summary>The defaults: 0.5 s tolerance, tracks kept, up to 4 clips read at once.</summary>
    public static UnlabeledLoadOptions Default { get; } = new();

    /// <summary>
    /// The largest allowed |audio duration - video duration| in seconds; clips beyond it are skipped as
    /// <see cref="ClipSkipReason.DurationMismatch"/>. Default 0.5.
    /// </summary>
    public double MaxDurationMismatchSeconds { get; init; } = 0.5;

    /// <summary>
    /// Whether loaded clips keep their parsed <see cref="OpenFaceTrack"/> (about 0.7 KB per video frame, ~75 MB per
    /// hour at 30 fps). False keeps only durations; read a track again with <see cref="UnlabeledClip.ReadTrack"/>.
    /// Default true.
    /// </summary>
    public bool KeepTracks { get; init; } = true;

    /// <summary>The most clips read concurrently. Default 4.</summary>
    public int MaxDegreeOfParallelism { get; init; } = 4;
}
