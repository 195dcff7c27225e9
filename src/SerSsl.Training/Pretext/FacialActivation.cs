using SerSsl.Core.Chunking;
using SerSsl.Core.Faces;
using SerSsl.Core.Features;
using SerSsl.Training.Data;

namespace SerSsl.Training.Pretext;

/// <summary>The per-frame point subtracted from every landmark to remove head translation.</summary>
internal enum TranslationReference
{
    /// <summary>The mean of the nose-bridge landmarks 27-30: rigid with the skull, so expressions do not move it (default).</summary>
    NoseBridge,

    /// <summary>The mean of all 68 landmarks: also shifts when the jaw or mouth moves, leaking mouth motion into brows and eyes.</summary>
    LandmarkMean,
}

/// <summary>Settings of the facial-activation pretext task (task 2).</summary>
internal sealed record FacialActivationOptions
{
    /// <summary>The brow (17-26), eye (36-47) and mouth (48-67) landmarks of the OpenFace 68-point layout: 42 points.</summary>
    public static IReadOnlyList<int> BrowEyeMouthLandmarks { get; } =
        [.. Enumerable.Range(17, 10), .. Enumerable.Range(36, 12), .. Enumerable.Range(48, 20)];

    /// <summary>The defaults documented on each property (declared after the landmark list they use).</summary>
    public static FacialActivationOptions Default { get; } = new();

    /// <summary>Frames with a lower OpenFace confidence are skipped. Default <see cref="FaceFrameValidity.DefaultMinConfidence"/> (0.8).</summary>
    public float MinConfidence { get; init; } = FaceFrameValidity.DefaultMinConfidence;

    /// <summary>How head translation is removed. Default <see cref="TranslationReference.NoseBridge"/>.</summary>
    public TranslationReference Reference { get; init; } = TranslationReference.NoseBridge;

    /// <summary>The landmarks whose displacement is averaged, each with equal weight. Default <see cref="BrowEyeMouthLandmarks"/>.</summary>
    public IReadOnlyList<int> Landmarks { get; init; } = BrowEyeMouthLandmarks;

    /// <summary>
    /// Fewest valid displacements (pairs of consecutive valid frames) a chunk needs; fewer masks it. Default 10
    /// (a third of a 1 s chunk at 30 fps).
    /// </summary>
    public int MinValidDisplacements { get; init; } = 10;

    /// <summary>
    /// Fewest valid displacements as a share of the video frames inside the chunk's time span; fewer masks it.
    /// Default 0.5, so a chunk whose face was lost for half of its time is not labelled from the other half.
    /// </summary>
    public double MinValidShare { get; init; } = 0.5;

    /// <summary>
    /// When true, each displacement is divided by the time between its two frames (units: inter-ocular distances
    /// per second), which makes corpora with different frame rates comparable. Default false: the plain
    /// frame-to-frame displacement of the design, fine for a corpus with one frame rate.
    /// </summary>
    public bool PerSecond { get; init; }

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        FaceFrameValidity.ValidateMinConfidence(MinConfidence, nameof(MinConfidence));
        FaceFrameValidity.ValidateMinimums(MinValidDisplacements, nameof(MinValidDisplacements), MinValidShare, nameof(MinValidShare));
        if (!Enum.IsDefined(Reference))
        {
            throw new ArgumentException($"{nameof(Reference)} {Reference} is not a known reference.", nameof(Reference));
        }

        if (Landmarks is null || Landmarks.Count == 0)
        {
            throw new ArgumentException($"{nameof(Landmarks)} must name at least one landmark.", nameof(Landmarks));
        }

        foreach (var landmark in Landmarks)
        {
            if (landmark is < 0 or >= OpenFaceTrack.LandmarkCount)
            {
                throw new ArgumentException($"{nameof(Landmarks)} holds {landmark}; landmarks are 0..{OpenFaceTrack.LandmarkCount - 1}.", nameof(Landmarks));
            }
        }
    }
}

/// <summary>
/// Task 2, facial activation: how much the brows, eyes and mouth move, per audio chunk, measured from OpenFace
/// landmarks; labels come from a <see cref="MedianSplitLabeler"/> fitted on the pre-training corpus.
/// </summary>
/// <remarks>
/// <para>
/// Per valid frame t (OpenFace success and confidence at least <see cref="FacialActivationOptions.MinConfidence"/>),
/// every landmark p_i(t) is normalised as q_i(t) = (p_i(t) - r(t)) / s(t): r(t) is the translation reference
/// (<see cref="FacialActivationOptions.Reference"/>), s(t) the inter-ocular distance, the distance between the
/// eye centres (means of landmarks 36-41 and 42-47). A frame whose inter-ocular distance is not positive and finite
/// is invalid. Rotation is not removed.
/// </para>
/// <para>
/// The displacement of frame t &gt; 0 is the mean over the chosen landmarks of the Euclidean distance |q_i(t) - q_i(t-1)|;
/// it exists only when frames t - 1 and t are both valid (consecutive frames of the track), and it belongs to the
/// time of frame t.
/// </para>
/// <para>
/// The audio chunk [Start, Start + n) of n real frames (padding excluded) spans the seconds
/// [Start * hop / rate, ((Start + n - 1) * hop + window) / rate], the samples its log-mel frames read (with the
/// defaults [Start * 0.01, (Start + n - 1) * 0.01 + 0.025]). The chunk activation is the mean of the displacements
/// of the video frames whose timestamps lie in that closed interval. It is NaN (masked) when there are fewer than
/// <see cref="FacialActivationOptions.MinValidDisplacements"/> displacements or fewer than
/// <see cref="FacialActivationOptions.MinValidShare"/> of the video frames in the span.
/// </para>
/// </remarks>
internal sealed class FacialActivation
{
    private const int NoseBridgeFirst = 27;
    private const int NoseBridgeCount = 4;
    private const int LeftEyeFirst = 36;
    private const int RightEyeFirst = 42;
    private const int EyeCount = 6;

    private readonly int[] _landmarks;
    private readonly LogMelSettings _settings;

    /// <summary>Creates the measure.</summary>
    /// <param name="options">Settings; <see cref="FacialActivationOptions.Default"/> when null.</param>
    /// <param name="settings">The audio framing that chunk frames refer to; <see cref="LogMelSettings.Default"/> when null.</param>
    /// <exception cref="ArgumentException">The options or settings are invalid.</exception>
    public FacialActivation(FacialActivationOptions? options = null, LogMelSettings? settings = null)
    {
        Options = options ?? FacialActivationOptions.Default;
        Options.Validate();
        _settings = settings ?? LogMelSettings.Default;
        _settings.Validate();
        _landmarks = [.. Options.Landmarks];
    }

    /// <summary>The settings in use.</summary>
    public FacialActivationOptions Options { get; }

    /// <summary>The audio time span of a chunk in seconds (closed interval), padding excluded.</summary>
    /// <param name="chunk">The chunk, in audio frames.</param>
    /// <returns>The first and last second covered by the chunk's real frames.</returns>
    public (double Start, double End) ChunkTimeSpan(ChunkSpan chunk)
    {
        var rate = (double)_settings.SampleRate;
        var lastFrame = chunk.Start + Math.Max(chunk.RealFrames, 1) - 1;
        return (chunk.Start * (double)_settings.HopLength / rate, ((lastFrame * (double)_settings.HopLength) + _settings.WindowLength) / rate);
    }

    /// <summary>The displacement of every video frame.</summary>
    /// <param name="track">The clip's OpenFace track.</param>
    /// <returns>One value per video frame in inter-ocular distances (per second with <see cref="FacialActivationOptions.PerSecond"/>); NaN for frame 0 and wherever frame t or t - 1 is invalid.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="track"/> is null.</exception>
    public float[] FrameDisplacements(OpenFaceTrack track)
    {
        ArgumentNullException.ThrowIfNull(track);
        var frames = track.FrameCount;
        var result = new float[frames];
        Array.Fill(result, float.NaN);
        var count = _landmarks.Length;
        var previous = new double[2 * count];
        var current = new double[2 * count];
        var previousValid = false;
        for (var t = 0; t < frames; t++)
        {
            var valid = FaceFrameValidity.IsValid(track, t, Options.MinConfidence) && Normalise(track, t, current);
            if (valid && previousValid)
            {
                double sum = 0;
                for (var i = 0; i < count; i++)
                {
                    var dx = current[2 * i] - previous[2 * i];
                    var dy = current[(2 * i) + 1] - previous[(2 * i) + 1];
                    sum += Math.Sqrt((dx * dx) + (dy * dy));
                }

                var displacement = sum / count;
                if (Options.PerSecond)
                {
                    var dt = track.Timestamps[t] - track.Timestamps[t - 1];
                    displacement = dt > 0 ? displacement / dt : double.NaN;
                }

                result[t] = (float)displacement;
            }

            (previous, current) = (current, previous);
            previousValid = valid;
        }

        return result;
    }

    /// <summary>The activation of every chunk of a clip.</summary>
    /// <param name="track">The clip's OpenFace track.</param>
    /// <param name="chunks">The clip's chunks, in audio frames.</param>
    /// <returns>One value per chunk; NaN (masked) where a chunk has too few valid displacements.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public float[] ChunkValues(OpenFaceTrack track, IReadOnlyList<ChunkSpan> chunks)
    {
        ArgumentNullException.ThrowIfNull(track);
        ArgumentNullException.ThrowIfNull(chunks);
        var displacements = FrameDisplacements(track);
        var values = new float[chunks.Count];
        for (var c = 0; c < values.Length; c++)
        {
            var (start, end) = ChunkTimeSpan(chunks[c]);
            var first = LowerBound(track.Timestamps, start);
            var inSpan = 0;
            var valid = 0;
            double sum = 0;
            for (var t = first; t < track.FrameCount && track.Timestamps[t] <= end; t++)
            {
                inSpan++;
                if (!float.IsNaN(displacements[t]))
                {
                    valid++;
                    sum += displacements[t];
                }
            }

            var enough = valid >= Options.MinValidDisplacements && valid >= Options.MinValidShare * inSpan;
            values[c] = enough ? (float)(sum / valid) : float.NaN;
        }

        return values;
    }

    /// <summary>Writes the normalised coordinates (x, y interleaved) of the chosen landmarks of frame t; false when the frame is degenerate.</summary>
    private bool Normalise(OpenFaceTrack track, int t, double[] destination)
    {
        var xs = track.LandmarksX.AsSpan(t * OpenFaceTrack.LandmarkCount, OpenFaceTrack.LandmarkCount);
        var ys = track.LandmarksY.AsSpan(t * OpenFaceTrack.LandmarkCount, OpenFaceTrack.LandmarkCount);
        var (refX, refY) = Options.Reference == TranslationReference.NoseBridge
            ? Mean(xs, ys, NoseBridgeFirst, NoseBridgeCount)
            : Mean(xs, ys, 0, OpenFaceTrack.LandmarkCount);
        var (leftX, leftY) = Mean(xs, ys, LeftEyeFirst, EyeCount);
        var (rightX, rightY) = Mean(xs, ys, RightEyeFirst, EyeCount);
        var scale = Math.Sqrt(((rightX - leftX) * (rightX - leftX)) + ((rightY - leftY) * (rightY - leftY)));
        if (!(scale > 0) || !double.IsFinite(scale) || !double.IsFinite(refX) || !double.IsFinite(refY))
        {
            return false;
        }

        for (var i = 0; i < _landmarks.Length; i++)
        {
            var x = (xs[_landmarks[i]] - refX) / scale;
            var y = (ys[_landmarks[i]] - refY) / scale;
            if (!double.IsFinite(x) || !double.IsFinite(y))
            {
                return false;
            }

            destination[2 * i] = x;
            destination[(2 * i) + 1] = y;
        }

        return true;
    }

    private static (double X, double Y) Mean(ReadOnlySpan<float> xs, ReadOnlySpan<float> ys, int first, int count)
    {
        double x = 0, y = 0;
        for (var i = first; i < first + count; i++)
        {
            x += xs[i];
            y += ys[i];
        }

        return (x / count, y / count);
    }

    /// <summary>The first index whose timestamp is at least <paramref name="value"/> (timestamps are non-decreasing).</summary>
    private static int LowerBound(double[] timestamps, double value)
    {
        int lo = 0, hi = timestamps.Length;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) / 2);
            if (timestamps[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
