using System.Globalization;
using System.Text;

namespace SerSsl.Training.Tests.Data.Unlabeled;

/// <summary>
/// Writes CSVs shaped like OpenFace 2.2 FeatureExtraction output (714 columns, ", " separators) with values that are a
/// known function of row and column, so that readers can be checked exactly.
/// </summary>
internal static class OpenFaceCsvText
{
    public static readonly int[] IntensityAus = [1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 25, 26, 45];
    public static readonly int[] PresenceAus = [1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 25, 26, 28, 45];

    /// <summary>The full OpenFace 2.2 header, in OpenFace's order.</summary>
    public static List<string> FullHeader()
    {
        var header = new List<string> { "frame", "face_id", "timestamp", "confidence", "success" };
        header.AddRange(["gaze_0_x", "gaze_0_y", "gaze_0_z", "gaze_1_x", "gaze_1_y", "gaze_1_z", "gaze_angle_x", "gaze_angle_y"]);
        foreach (var axis in new[] { "x", "y", "X", "Y", "Z" })
        {
            header.AddRange(Enumerable.Range(0, 56).Select(i => $"eye_lmk_{axis}_{i}"));
        }

        header.AddRange(["pose_Tx", "pose_Ty", "pose_Tz", "pose_Rx", "pose_Ry", "pose_Rz"]);
        foreach (var axis in new[] { "x", "y", "X", "Y", "Z" })
        {
            header.AddRange(Enumerable.Range(0, 68).Select(i => $"{axis}_{i}"));
        }

        header.AddRange(["p_scale", "p_rx", "p_ry", "p_rz", "p_tx", "p_ty"]);
        header.AddRange(Enumerable.Range(0, 34).Select(static i => $"p_{i}"));
        header.AddRange(IntensityAus.Select(static au => $"AU{au:D2}_r"));
        header.AddRange(PresenceAus.Select(static au => $"AU{au:D2}_c"));
        return header;
    }

    /// <summary>The value every generator writes for <paramref name="column"/> at <paramref name="row"/>.</summary>
    public static double Value(string column, int row, double fps = 30) => column switch
    {
        "frame" => row + 1,
        "face_id" => 0,
        "timestamp" => Math.Round(row / fps, 3),
        "confidence" => 0.98,
        "success" => row % 7 == 6 ? 0 : 1,
        _ when column.StartsWith("x_", StringComparison.Ordinal) => 300 + (2 * Index(column)) + (0.25 * (row % 5)),
        _ when column.StartsWith("y_", StringComparison.Ordinal) => 200 + Index(column) - (0.5 * (row % 3)),
        _ when column.EndsWith("_r", StringComparison.Ordinal) => Math.Round(((row + Index(column)) % 50) / 10.0, 2),
        _ when column.EndsWith("_c", StringComparison.Ordinal) => (row + Index(column)) % 2,
        _ => -1.234567,
    };

    /// <summary>Writes <paramref name="rows"/> rows with the given header order to <paramref name="output"/>.</summary>
    public static void Write(TextWriter output, IReadOnlyList<string> header, int rows, double fps = 30, string separator = ", ")
    {
        output.Write(string.Join(separator, header));
        output.Write('\n');
        var line = new StringBuilder(8192);
        for (var r = 0; r < rows; r++)
        {
            line.Clear();
            for (var c = 0; c < header.Count; c++)
            {
                if (c > 0)
                {
                    line.Append(separator);
                }

                line.Append(Value(header[c], r, fps).ToString(header[c] == "timestamp" ? "0.###" : "0.######", CultureInfo.InvariantCulture));
            }

            line.Append('\n');
            output.Write(line);
        }
    }

    /// <summary>A CSV as a string.</summary>
    public static string Text(IReadOnlyList<string> header, int rows, double fps = 30, string separator = ", ")
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        Write(writer, header, rows, fps, separator);
        return writer.ToString();
    }

    /// <summary>A CSV file.</summary>
    public static void WriteFile(string path, IReadOnlyList<string> header, int rows, double fps = 30)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 16);
        Write(writer, header, rows, fps);
    }

    private static int Index(string column)
    {
        var digits = new string(column.Where(char.IsAsciiDigit).ToArray());
        return int.Parse(digits, CultureInfo.InvariantCulture);
    }
}
