using SerSsl.Core.Faces;
using SerSsl.Training.Data;

namespace SerSsl.Training.Pretext;

/// <summary>How a frame that matches several emotions is counted.</summary>
internal enum MultiMatchRule
{
    /// <summary>
    /// For the matched emotion(s) with the most present AUs of their combination only, each of them on a tie (default).
    /// A full fear frame (1+2+4+5+7+20+26) also holds all of surprise (1+2+5+26); this rule counts it as fear, so the
    /// more specific combination is not shadowed by its subset.
    /// </summary>
    MostSpecific,

    /// <summary>For every matched emotion.</summary>
    CountEach,
}

/// <summary>Settings of the AU-derived emotion pretext task (task 3).</summary>
internal sealed record AuEmotionOptions
{
    /// <summary>The defaults documented on each property.</summary>
    public static AuEmotionOptions Default { get; } = new();

    /// <summary>An <c>AUxx_c</c> value at or above this counts as present (OpenFace writes 0 or 1). Fixed at 0.5.</summary>
    public const float PresenceThreshold = 0.5f;

    /// <summary>Frames with a lower OpenFace confidence are skipped. Default <see cref="FaceFrameValidity.DefaultMinConfidence"/> (0.8).</summary>
    public float MinConfidence { get; init; } = FaceFrameValidity.DefaultMinConfidence;

    /// <summary>
    /// When an AU has no presence column (<c>AUxx_c</c>) but an intensity (<c>AUxx_r</c>, 0..5), it is present at or
    /// above this intensity. Default 1.0 (FACS "A", a trace, sits below; OpenFace's own presence classifier fires
    /// near this level). An AU with neither column is never present.
    /// </summary>
    public float IntensityThreshold { get; init; } = 1.0f;

    /// <summary>
    /// A frame matches an emotion when at least this share of its combination's AUs is present. Default 1.0 (the whole
    /// combination); e.g. 0.75 is the partial-match option (3 of 4 for surprise and anger, 6 of 7 for fear, 3 of 3
    /// for sadness, 2 of 2 for the pairs). In (0, 1].
    /// </summary>
    public double MinMatchShare { get; init; } = 1.0;

    /// <summary>How a frame matching several emotions is counted. Default <see cref="MultiMatchRule.MostSpecific"/>.</summary>
    public MultiMatchRule MultiMatch { get; init; } = MultiMatchRule.MostSpecific;

    /// <summary>
    /// The sequence label is the emotion matched on the most valid frames when it is matched on at least this share
    /// of the valid frames, else neutral. Default 0.2. In [0, 1]; an emotion matched on no frame never wins.
    /// </summary>
    public double MinEmotionShare { get; init; } = 0.2;

    /// <summary>Fewest valid frames a sequence needs; fewer masks it. Default 10 (a third of a second at 30 fps).</summary>
    public int MinValidFrames { get; init; } = 10;

    /// <summary>Fewest valid frames as a share of all frames of the sequence; fewer masks it. Default 0.5.</summary>
    public double MinValidShare { get; init; } = 0.5;

    /// <summary>The combination of each emotion (neutral excluded). Default <see cref="EmfacsCombinations.Default"/>.</summary>
    public IReadOnlyDictionary<AuEmotion, IReadOnlyList<int>> Combinations { get; init; } = EmfacsCombinations.Default;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        FaceFrameValidity.ValidateMinConfidence(MinConfidence, nameof(MinConfidence));
        FaceFrameValidity.ValidateMinimums(MinValidFrames, nameof(MinValidFrames), MinValidShare, nameof(MinValidShare));
        if (!float.IsFinite(IntensityThreshold))
        {
            throw new ArgumentException($"{nameof(IntensityThreshold)} must be finite (got {IntensityThreshold}).", nameof(IntensityThreshold));
        }

        if (!(MinMatchShare > 0.0 && MinMatchShare <= 1.0))
        {
            throw new ArgumentException($"{nameof(MinMatchShare)} must be in (0, 1] (got {MinMatchShare}).", nameof(MinMatchShare));
        }

        if (!(MinEmotionShare >= 0.0 && MinEmotionShare <= 1.0))
        {
            throw new ArgumentException($"{nameof(MinEmotionShare)} must be in [0, 1] (got {MinEmotionShare}).", nameof(MinEmotionShare));
        }

        if (!Enum.IsDefined(MultiMatch))
        {
            throw new ArgumentException($"{nameof(MultiMatch)} {MultiMatch} is not a known rule.", nameof(MultiMatch));
        }

        if (Combinations is null || Combinations.Count == 0)
        {
            throw new ArgumentException($"{nameof(Combinations)} must define at least one emotion.", nameof(Combinations));
        }

        foreach (var (emotion, aus) in Combinations)
        {
            if (emotion == AuEmotion.Neutral || !Enum.IsDefined(emotion))
            {
                throw new ArgumentException($"{nameof(Combinations)} may not define {emotion}: neutral is what no combination matches.", nameof(Combinations));
            }

            if (aus is null || aus.Count == 0 || aus.Distinct().Count() != aus.Count)
            {
                throw new ArgumentException($"{nameof(Combinations)}: {emotion} needs at least one action unit, each once.", nameof(Combinations));
            }
        }
    }
}

/// <summary>The AU-derived emotion of one sequence (clip).</summary>
/// <param name="Emotion">The label; <see cref="AuEmotion.Neutral"/> when masked.</param>
/// <param name="Valid">False when the sequence had too few valid frames: it is masked out of the loss.</param>
/// <param name="ValidFrames">Frames that passed the success and confidence checks.</param>
/// <param name="TotalFrames">All frames of the sequence.</param>
/// <param name="MatchCounts">Valid frames counted for each class, indexed by <see cref="AuEmotion"/> (index 0, neutral, is always 0).</param>
internal sealed record AuEmotionLabel(AuEmotion Emotion, bool Valid, int ValidFrames, int TotalFrames, IReadOnlyList<int> MatchCounts)
{
    /// <summary>The class index of <see cref="Emotion"/> (0..7), the target of the sequence-level head.</summary>
    public int ClassIndex => (int)Emotion;

    /// <summary>1 when <see cref="Valid"/>, else 0: the sequence's loss weight.</summary>
    public float Mask => Valid ? 1f : 0f;
}

/// <summary>
/// Task 3, AU-derived emotion: a sequence-level label from OpenFace action units, counted frame by frame.
/// </summary>
/// <remarks>
/// <para>
/// Per valid frame (OpenFace success and confidence at least <see cref="AuEmotionOptions.MinConfidence"/>), an AU is
/// present when its <c>AUxx_c</c> is at least 0.5, or, for an AU without a <c>_c</c> column, when its
/// <c>AUxx_r</c> is at least <see cref="AuEmotionOptions.IntensityThreshold"/>; an AU with neither is absent. An
/// emotion matches the frame when at least <see cref="AuEmotionOptions.MinMatchShare"/> of its combination is present;
/// several matches are counted per <see cref="AuEmotionOptions.MultiMatch"/>. Invalid frames count for nothing.
/// </para>
/// <para>
/// The sequence label is the emotion with the highest count (ties go to the earlier class in <see cref="AuEmotion"/>
/// order) when that count is positive and at least <see cref="AuEmotionOptions.MinEmotionShare"/> of the valid frames,
/// else <see cref="AuEmotion.Neutral"/>. A sequence with fewer than <see cref="AuEmotionOptions.MinValidFrames"/> valid
/// frames, or fewer than <see cref="AuEmotionOptions.MinValidShare"/> of its frames, is masked, never guessed.
/// </para>
/// </remarks>
internal sealed class AuEmotionLabeler
{
    private readonly (AuEmotion Emotion, int[] Aus)[] _combinations;

    /// <summary>Creates the labeler.</summary>
    /// <param name="options">Settings; <see cref="AuEmotionOptions.Default"/> when null.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public AuEmotionLabeler(AuEmotionOptions? options = null)
    {
        Options = options ?? AuEmotionOptions.Default;
        Options.Validate();
        _combinations = [.. Options.Combinations.OrderBy(c => c.Key).Select(c => (c.Key, c.Value.ToArray()))];
    }

    /// <summary>The settings in use.</summary>
    public AuEmotionOptions Options { get; }

    /// <summary>Whether action unit <paramref name="au"/> is present on frame <paramref name="frame"/> (validity not checked).</summary>
    /// <param name="track">The track.</param>
    /// <param name="au">AU number, e.g. 12.</param>
    /// <param name="frame">Frame index.</param>
    public bool IsPresent(OpenFaceTrack track, int au, int frame)
    {
        ArgumentNullException.ThrowIfNull(track);
        if (track.AuPresence.TryGetValue(au, out var presence))
        {
            return presence[frame] >= AuEmotionOptions.PresenceThreshold;
        }

        return track.AuIntensity.TryGetValue(au, out var intensity) && intensity[frame] >= Options.IntensityThreshold;
    }

    /// <summary>The emotions frame <paramref name="frame"/> counts for (empty for an invalid frame or no match).</summary>
    /// <param name="track">The track.</param>
    /// <param name="frame">Frame index.</param>
    /// <returns>The counted emotions in class order.</returns>
    public IReadOnlyList<AuEmotion> FrameMatches(OpenFaceTrack track, int frame)
    {
        ArgumentNullException.ThrowIfNull(track);
        ArgumentOutOfRangeException.ThrowIfNegative(frame);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(frame, track.FrameCount);
        if (!FaceFrameValidity.IsValid(track, frame, Options.MinConfidence))
        {
            return [];
        }

        Span<int> present = stackalloc int[_combinations.Length];
        var best = MatchFrame(track, frame, present);
        var result = new List<AuEmotion>();
        for (var e = 0; e < _combinations.Length; e++)
        {
            if (Counts(present[e], best))
            {
                result.Add(_combinations[e].Emotion);
            }
        }

        return result;
    }

    /// <summary>The sequence label of a whole track.</summary>
    /// <param name="track">The clip's OpenFace track.</param>
    /// <returns>The label, its mask and the counts behind it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="track"/> is null.</exception>
    public AuEmotionLabel Label(OpenFaceTrack track)
    {
        ArgumentNullException.ThrowIfNull(track);
        var counts = new int[EmfacsCombinations.ClassCount];
        Span<int> present = stackalloc int[_combinations.Length];
        var valid = 0;
        for (var t = 0; t < track.FrameCount; t++)
        {
            if (!FaceFrameValidity.IsValid(track, t, Options.MinConfidence))
            {
                continue;
            }

            valid++;
            var frameBest = MatchFrame(track, t, present);
            for (var e = 0; e < _combinations.Length; e++)
            {
                if (Counts(present[e], frameBest))
                {
                    counts[(int)_combinations[e].Emotion]++;
                }
            }
        }

        if (valid < Options.MinValidFrames || valid < Options.MinValidShare * track.FrameCount)
        {
            return new AuEmotionLabel(AuEmotion.Neutral, false, valid, track.FrameCount, counts);
        }

        var best = 1;
        for (var c = 2; c < counts.Length; c++)
        {
            if (counts[c] > counts[best])
            {
                best = c;
            }
        }

        var emotionWins = counts[best] > 0 && counts[best] >= Options.MinEmotionShare * valid;
        return new AuEmotionLabel(emotionWins ? (AuEmotion)best : AuEmotion.Neutral, true, valid, track.FrameCount, counts);
    }

    /// <summary>
    /// Writes, per combination, the number of its AUs present on the frame when it matches (else 0), and returns the
    /// largest of them.
    /// </summary>
    private int MatchFrame(OpenFaceTrack track, int frame, Span<int> present)
    {
        var best = 0;
        for (var e = 0; e < _combinations.Length; e++)
        {
            var aus = _combinations[e].Aus;
            var count = 0;
            foreach (var au in aus)
            {
                if (IsPresent(track, au, frame))
                {
                    count++;
                }
            }

            // A small tolerance so that, e.g., 0.75 * 4 = 3 present AUs match despite rounding.
            var matched = count > 0 && count >= (Options.MinMatchShare * aus.Length) - 1e-9;
            present[e] = matched ? count : 0;
            best = Math.Max(best, present[e]);
        }

        return best;
    }

    /// <summary>Whether a combination with <paramref name="present"/> matched AUs is counted, given the frame's best.</summary>
    private bool Counts(int present, int best) =>
        present > 0 && (Options.MultiMatch == MultiMatchRule.CountEach || present == best);
}
