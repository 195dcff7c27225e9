using SerSsl.Core.Faces;
using SerSsl.Training.Data;

namespace SerSsl.Training.Pretext;

/// <summary>Which OpenFace frames the face pretext tasks trust.</summary>
internal static class FaceFrameValidity
{
    /// <summary>The default confidence threshold of the face tasks: 0.8.</summary>
    /// <remarks>
    /// OpenFace 2.x reports a tracking confidence in [0, 1]; below about 0.75-0.8 its landmarks and action units are
    /// commonly treated as unreliable. 0.8 errs on the side of skipping frames, which the tasks handle by masking.
    /// </remarks>
    public const float DefaultMinConfidence = 0.8f;

    /// <summary>Whether frame <paramref name="frame"/> is valid: OpenFace marked it successful and its confidence is at least <paramref name="minConfidence"/>.</summary>
    /// <param name="track">The track.</param>
    /// <param name="frame">Frame index.</param>
    /// <param name="minConfidence">The confidence threshold.</param>
    public static bool IsValid(OpenFaceTrack track, int frame, float minConfidence) =>
        track.Success[frame] && track.Confidence[frame] >= minConfidence;

    /// <summary>Checks a confidence threshold option.</summary>
    /// <exception cref="ArgumentException">The threshold is not in [0, 1].</exception>
    public static void ValidateMinConfidence(float minConfidence, string name)
    {
        if (!(minConfidence >= 0f && minConfidence <= 1f))
        {
            throw new ArgumentException($"{name} must be in [0, 1] (got {minConfidence}).", name);
        }
    }

    /// <summary>Checks the two minimum-evidence options shared by the face tasks.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public static void ValidateMinimums(int minCount, string countName, double minShare, string shareName)
    {
        if (minCount < 1)
        {
            throw new ArgumentException($"{countName} must be at least 1 (got {minCount}).", countName);
        }

        if (!(minShare >= 0.0 && minShare <= 1.0))
        {
            throw new ArgumentException($"{shareName} must be in [0, 1] (got {minShare}).", shareName);
        }
    }
}
