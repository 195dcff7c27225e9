using SerSsl.Core.Faces;
using SerSsl.Training.Data;

namespace SerSsl.Training.Tests.Pretext;

/// <summary>Builds OpenFace tracks of a schematic 68-point face for the face pretext tests.</summary>
internal static class FaceTracks
{
    /// <summary>Distance between the eye centres of the template, in pixels.</summary>
    public const float InterOcular = 60f;

    /// <summary>The mouth landmarks 48-67.</summary>
    public static readonly int[] Mouth = [.. Enumerable.Range(48, 20)];

    private static readonly (float X, float Y)[] s_template = BuildTemplate();

    /// <summary>
    /// A track of <paramref name="frames"/> frames at <paramref name="fps"/>. Each landmark is the template point,
    /// its mouth points moved down by <paramref name="mouthOffset"/>(t) pixels, then scaled by
    /// <paramref name="scale"/> about the origin and shifted by <paramref name="translation"/>(t).
    /// </summary>
    public static OpenFaceTrack Face(
        int frames,
        double fps = 30,
        Func<int, float>? mouthOffset = null,
        Func<int, (float X, float Y)>? translation = null,
        float scale = 1f,
        Func<int, bool>? success = null,
        Func<int, float>? confidence = null)
    {
        var timestamps = new double[frames];
        var conf = new float[frames];
        var ok = new bool[frames];
        var xs = new float[frames * OpenFaceTrack.LandmarkCount];
        var ys = new float[frames * OpenFaceTrack.LandmarkCount];
        for (var t = 0; t < frames; t++)
        {
            timestamps[t] = t / fps;
            conf[t] = confidence?.Invoke(t) ?? 0.98f;
            ok[t] = success?.Invoke(t) ?? true;
            var mouth = mouthOffset?.Invoke(t) ?? 0f;
            var (tx, ty) = translation?.Invoke(t) ?? (0f, 0f);
            for (var i = 0; i < OpenFaceTrack.LandmarkCount; i++)
            {
                var (x, y) = s_template[i];
                if (i >= 48)
                {
                    y += mouth;
                }

                xs[(t * OpenFaceTrack.LandmarkCount) + i] = (x * scale) + tx;
                ys[(t * OpenFaceTrack.LandmarkCount) + i] = (y * scale) + ty;
            }
        }

        return new OpenFaceTrack(timestamps, conf, ok, xs, ys, new Dictionary<int, float[]>(), new Dictionary<int, float[]>());
    }

    /// <summary>A track whose landmarks are the template and whose AUs are the given columns.</summary>
    public static OpenFaceTrack WithAus(
        int frames,
        IReadOnlyDictionary<int, float[]>? presence = null,
        IReadOnlyDictionary<int, float[]>? intensity = null,
        Func<int, bool>? success = null,
        Func<int, float>? confidence = null)
    {
        var face = Face(frames, success: success, confidence: confidence);
        return new OpenFaceTrack(
            face.Timestamps,
            face.Confidence,
            face.Success,
            face.LandmarksX,
            face.LandmarksY,
            intensity ?? new Dictionary<int, float[]>(),
            presence ?? new Dictionary<int, float[]>());
    }

    /// <summary>A column of <paramref name="frames"/> values, <paramref name="on"/> where <paramref name="when"/> holds, else 0.</summary>
    public static float[] Column(int frames, Func<int, bool> when, float on = 1f) =>
        [.. Enumerable.Range(0, frames).Select(t => when(t) ? on : 0f)];

    /// <summary>Presence columns (<c>AUxx_c</c>) for every AU in <paramref name="aus"/>, present where <paramref name="when"/> holds.</summary>
    public static Dictionary<int, float[]> Presence(int frames, Func<int, bool> when, params int[] aus)
    {
        var result = new Dictionary<int, float[]>();
        foreach (var au in aus)
        {
            result[au] = Column(frames, when);
        }

        return result;
    }

    private static (float X, float Y)[] BuildTemplate()
    {
        var points = new (float X, float Y)[OpenFaceTrack.LandmarkCount];
        for (var i = 0; i <= 16; i++)
        {
            points[i] = (-60f + (7.5f * i), 40f + (20f * MathF.Sin(MathF.PI * i / 16f)));   // jaw
        }

        for (var i = 17; i <= 26; i++)
        {
            points[i] = (-50f + (11f * (i - 17)), -25f);                                       // brows
        }

        for (var i = 27; i <= 35; i++)
        {
            points[i] = i <= 30 ? (0f, -10f + (8f * (i - 27))) : (-8f + (4f * (i - 31)), 25f); // nose
        }

        for (var i = 0; i < 6; i++)
        {
            var angle = MathF.PI * i / 3f;
            points[36 + i] = (-30f + (8f * MathF.Cos(angle)), 4f * MathF.Sin(angle));         // left eye, centre (-30, 0)
            points[42 + i] = (30f + (8f * MathF.Cos(angle)), 4f * MathF.Sin(angle));          // right eye, centre (30, 0)
        }

        for (var i = 48; i <= 67; i++)
        {
            var angle = 2f * MathF.PI * (i - 48) / 20f;
            points[i] = (18f * MathF.Cos(angle), 45f + (6f * MathF.Sin(angle)));              // mouth
        }

        return points;
    }
}
