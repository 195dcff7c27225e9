using System.Globalization;
using System.Text;
using SerSsl.Core.Faces;

namespace SerSsl.Synthesis;

/// <summary>
/// Writes an <see cref="OpenFaceTrack"/> as the CSV that OpenFace 2.x <c>FeatureExtraction -2Dfp -aus</c> writes for a
/// video: <c>frame, face_id, timestamp, confidence, success, x_0 .. x_67, y_0 .. y_67, AU01_r .. AU45_r,
/// AU01_c .. AU45_c</c>, separated by ", ", with OpenFace's fixed-point precisions (timestamp 3 decimals, confidence 2,
/// success 0, landmarks 1, AU intensities 2, AU presence 1). Frames are numbered from 1; face_id is 0.
/// </summary>
internal static class OpenFaceCsvWriter
{
    private static readonly double[] s_powers = [1, 10, 100, 1000, 10000];

    /// <summary>The AUs OpenFace 2.x estimates intensities for (<c>AUxx_r</c>), in column order.</summary>
    public static IReadOnlyList<int> IntensityActionUnits { get; } = [1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 25, 26, 45];

    /// <summary>The AUs OpenFace 2.x detects presence of (<c>AUxx_c</c>, with AU28 and without intensity), in column order.</summary>
    public static IReadOnlyList<int> PresenceActionUnits { get; } = [1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 25, 26, 28, 45];

    /// <summary>The header row, without the line end.</summary>
    public static string Header { get; } = BuildHeader();

    /// <summary>Writes <paramref name="track"/> to <paramref name="path"/>, replacing any file there.</summary>
    /// <param name="path">The CSV file to write.</param>
    /// <param name="track">The frames; AUs it lacks are written as 0.</param>
    public static void Write(string path, OpenFaceTrack track)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(track);
        File.WriteAllText(path, Format(track), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }

    /// <summary>The whole CSV text of <paramref name="track"/>, header included, each line ending in '\n'.</summary>
    public static string Format(OpenFaceTrack track)
    {
        ArgumentNullException.ThrowIfNull(track);
        var n = track.FrameCount;
        var intensity = IntensityActionUnits.Select(au => track.AuIntensity.GetValueOrDefault(au)).ToArray();
        var presence = PresenceActionUnits.Select(au => track.AuPresence.GetValueOrDefault(au)).ToArray();
        var builder = new StringBuilder(Header.Length + 2 + (n * 1100));
        builder.Append(Header).Append('\n');
        Span<char> buffer = stackalloc char[32];
        for (var f = 0; f < n; f++)
        {
            builder.Append((f + 1).ToString(CultureInfo.InvariantCulture)).Append(", 0, ");
            AppendFixed(builder, buffer, track.Timestamps[f], 3);
            builder.Append(", ");
            AppendFixed(builder, buffer, track.Confidence[f], 2);
            builder.Append(track.Success[f] ? ", 1" : ", 0");
            var row = f * OpenFaceTrack.LandmarkCount;
            for (var i = 0; i < OpenFaceTrack.LandmarkCount; i++)
            {
                builder.Append(", ");
                AppendFixed(builder, buffer, track.LandmarksX[row + i], 1);
            }

            for (var i = 0; i < OpenFaceTrack.LandmarkCount; i++)
            {
                builder.Append(", ");
                AppendFixed(builder, buffer, track.LandmarksY[row + i], 1);
            }

            foreach (var values in intensity)
            {
                builder.Append(", ");
                AppendFixed(builder, buffer, values is null ? 0 : values[f], 2);
            }

            foreach (var values in presence)
            {
                builder.Append(values is not null && values[f] >= 0.5f ? ", 1.0" : ", 0.0");
            }

            builder.Append('\n');
        }

        return builder.ToString();
    }

    /// <summary>Appends <paramref name="value"/> rounded to <paramref name="decimals"/> decimals, like C++ <c>std::fixed</c>.</summary>
    internal static void AppendFixed(StringBuilder builder, Span<char> buffer, double value, int decimals)
    {
        var scaled = Math.Round(value * s_powers[decimals], MidpointRounding.AwayFromZero);
        if (double.IsNaN(scaled) || Math.Abs(scaled) >= 1e15)
        {
            builder.Append(value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
            return;
        }

        var units = (long)scaled;
        var negative = units < 0;
        var magnitude = negative ? -units : units;
        var pos = buffer.Length;
        for (var d = 0; d < decimals; d++)
        {
            buffer[--pos] = (char)('0' + (magnitude % 10));
            magnitude /= 10;
        }

        if (decimals > 0)
        {
            buffer[--pos] = '.';
        }

        do
        {
            buffer[--pos] = (char)('0' + (magnitude % 10));
            magnitude /= 10;
        }
        while (magnitude > 0);

        if (negative)
        {
            buffer[--pos] = '-';
        }

        builder.Append(buffer[pos..]);
    }

    private static string BuildHeader()
    {
        var builder = new StringBuilder("frame, face_id, timestamp, confidence, success");
        for (var i = 0; i < OpenFaceTrack.LandmarkCount; i++)
        {
            builder.Append(", x_").Append(i.ToString(CultureInfo.InvariantCulture));
        }

        for (var i = 0; i < OpenFaceTrack.LandmarkCount; i++)
        {
            builder.Append(", y_").Append(i.ToString(CultureInfo.InvariantCulture));
        }

        foreach (var au in IntensityActionUnits)
        {
            builder.Append(", AU").Append(au.ToString("D2", CultureInfo.InvariantCulture)).Append("_r");
        }

        foreach (var au in PresenceActionUnits)
        {
            builder.Append(", AU").Append(au.ToString("D2", CultureInfo.InvariantCulture)).Append("_c");
        }

        return builder.ToString();
    }
}
