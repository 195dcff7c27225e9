namespace SerSsl.Core.Faces;

/// <summary>
/// The per-frame facial data of one clip as OpenFace 2.x writes it (68 2D landmarks in the standard layout, action
/// units), held column-wise. Produced by the OpenFace CSV reader; consumed by the face and AU pretext labelers.
/// </summary>
public sealed class OpenFaceTrack
{
    /// <summary>Number of landmarks per frame in the OpenFace 68-point layout.</summary>
    public const int LandmarkCount = 68;

    /// <summary>Creates a track; arrays are taken as they are, not copied.</summary>
    /// <param name="timestamps">Seconds from the clip start, one per frame, non-decreasing.</param>
    /// <param name="confidence">OpenFace's tracking confidence in [0, 1], one per frame.</param>
    /// <param name="success">OpenFace's success flag, one per frame.</param>
    /// <param name="landmarksX">[frames, 68] row-major x coordinates (pixels), columns <c>x_0..x_67</c>.</param>
    /// <param name="landmarksY">[frames, 68] row-major y coordinates (pixels), columns <c>y_0..y_67</c>.</param>
    /// <param name="auIntensity">Per AU number (e.g. 12 for <c>AU12_r</c>), its intensity per frame (0..5).</param>
    /// <param name="auPresence">Per AU number (e.g. 12 for <c>AU12_c</c>), its presence per frame (0 or 1).</param>
    public OpenFaceTrack(
        double[] timestamps,
        float[] confidence,
        bool[] success,
        float[] landmarksX,
        float[] landmarksY,
        IReadOnlyDictionary<int, float[]> auIntensity,
        IReadOnlyDictionary<int, float[]> auPresence)
    {
        ArgumentNullException.ThrowIfNull(timestamps);
        ArgumentNullException.ThrowIfNull(confidence);
        ArgumentNullException.ThrowIfNull(success);
        ArgumentNullException.ThrowIfNull(landmarksX);
        ArgumentNullException.ThrowIfNull(landmarksY);
        ArgumentNullException.ThrowIfNull(auIntensity);
        ArgumentNullException.ThrowIfNull(auPresence);
        var n = timestamps.Length;
        if (confidence.Length != n || success.Length != n || landmarksX.Length != n * LandmarkCount || landmarksY.Length != n * LandmarkCount)
        {
            throw new ArgumentException($"Column lengths disagree: {n} timestamps, {confidence.Length} confidences, {success.Length} success flags, {landmarksX.Length} and {landmarksY.Length} landmark values (expected {n * LandmarkCount} each).");
        }

        foreach (var (au, values) in auIntensity.Concat(auPresence))
        {
            if (values.Length != n)
            {
                throw new ArgumentException($"AU{au:D2} has {values.Length} values for {n} frames.");
            }
        }

        Timestamps = timestamps;
        Confidence = confidence;
        Success = success;
        LandmarksX = landmarksX;
        LandmarksY = landmarksY;
        AuIntensity = auIntensity;
        AuPresence = auPresence;
    }

    /// <summary>Number of video frames.</summary>
    public int FrameCount => Timestamps.Length;

    /// <summary>Seconds from the clip start, one per frame.</summary>
    public double[] Timestamps { get; }

    /// <summary>Tracking confidence per frame, in [0, 1].</summary>
    public float[] Confidence { get; }

    /// <summary>OpenFace's success flag per frame.</summary>
    public bool[] Success { get; }

    /// <summary>[frames, 68] row-major landmark x coordinates.</summary>
    public float[] LandmarksX { get; }

    /// <summary>[frames, 68] row-major landmark y coordinates.</summary>
    public float[] LandmarksY { get; }

    /// <summary>AU intensities (<c>AUxx_r</c>) by AU number; AUs absent from the CSV are absent here.</summary>
    public IReadOnlyDictionary<int, float[]> AuIntensity { get; }

    /// <summary>AU presence (<c>AUxx_c</c>, 0 or 1) by AU number; AUs absent from the CSV are absent here.</summary>
    public IReadOnlyDictionary<int, float[]> AuPresence { get; }

    /// <summary>Duration covered by the frames: the last timestamp plus one frame interval, 0 when empty.</summary>
    public double DurationSeconds => FrameCount switch
    {
        0 => 0,
        1 => Timestamps[0],
        _ => Timestamps[^1] + ((Timestamps[^1] - Timestamps[0]) / (FrameCount - 1)),
    };
}
