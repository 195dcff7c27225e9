using System.Globalization;
using System.Text;
using SerSsl.Core.Faces;
using SerSsl.TestSupport;
using SerSsl.Training.Data;
using SerSsl.Training.Data.Unlabeled;

namespace SerSsl.Training.Tests.Data.Unlabeled;

public sealed class OpenFaceCsvReaderTests
{
    [Fact]
    public void Read_FullOpenFaceHeader_ReadsEveryRequiredColumnAndEveryAu()
    {
        var header = OpenFaceCsvText.FullHeader();

        var track = Read(OpenFaceCsvText.Text(header, rows: 40));

        Assert.Equal(714, header.Count);
        Assert.Equal(40, track.FrameCount);
        AssertMatches(track, rows: 40);
        Assert.Equal(OpenFaceCsvText.IntensityAus, track.AuIntensity.Keys.Order());
        Assert.Equal(OpenFaceCsvText.PresenceAus, track.AuPresence.Keys.Order());
        Assert.Equal(40 / 30.0, track.DurationSeconds, 3);
    }

    [Fact]
    public void Read_ShuffledColumnsNoSpacesCrLf_SameTrack()
    {
        var header = OpenFaceCsvText.FullHeader();
        var shuffled = header.OrderBy(static h => h.GetHashCode(StringComparison.Ordinal)).ToList();
        var text = OpenFaceCsvText.Text(shuffled, rows: 12, separator: ",").Replace("\n", "\r\n", StringComparison.Ordinal);

        var track = Read("\uFEFF" + text + "\r\n\r\n");

        AssertMatches(track, rows: 12);
    }

    [Fact]
    public void Read_OnlyRequiredColumnsAndOneAu_Works()
    {
        List<string> header = ["timestamp", "success", "confidence", .. Enumerable.Range(0, 68).Select(static i => $"y_{i}"), .. Enumerable.Range(0, 68).Select(static i => $"x_{i}"), "AU12_c"];

        var track = Read(OpenFaceCsvText.Text(header, rows: 3));

        AssertMatches(track, rows: 3);
        Assert.Empty(track.AuIntensity);
        Assert.Equal([12], track.AuPresence.Keys);
    }

    [Fact]
    public void Read_MissingColumns_ErrorNamesFileAndColumns()
    {
        var header = OpenFaceCsvText.FullHeader().Where(static h => h is not "confidence" and not "x_5" and not "x_6" and not "x_7" && !h.StartsWith("y_", StringComparison.Ordinal)).ToList();

        var error = Assert.Throws<InvalidDataException>(() => Read(OpenFaceCsvText.Text(header, rows: 2)));

        Assert.StartsWith("clip.csv: required OpenFace column(s) missing: confidence, x_5..x_7, y_0..y_67.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NoActionUnits_ErrorSaysSo()
    {
        var header = OpenFaceCsvText.FullHeader().Where(static h => !h.StartsWith("AU", StringComparison.Ordinal)).ToList();

        var error = Assert.Throws<InvalidDataException>(() => Read(OpenFaceCsvText.Text(header, rows: 2)));

        Assert.Contains("clip.csv: no action-unit column (AUxx_r or AUxx_c)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MalformedNumber_ErrorNamesFileLineAndColumn()
    {
        var lines = OpenFaceCsvText.Text(OpenFaceCsvText.FullHeader(), rows: 5).Split('\n');
        var fields = lines[3].Split(", ");
        fields[OpenFaceCsvText.FullHeader().IndexOf("y_17")] = "1;5";
        lines[3] = string.Join(", ", fields);

        var error = Assert.Throws<InvalidDataException>(() => Read(string.Join('\n', lines)));

        Assert.Equal("clip.csv: line 4, column 'y_17': '1;5' is not a number.", error.Message);
    }

    [Fact]
    public void Read_CommaDecimalSeparator_IsRejectedNotMisread()
    {
        List<string> header = ["timestamp", "confidence", "success", .. Enumerable.Range(0, 68).Select(static i => $"x_{i}"), .. Enumerable.Range(0, 68).Select(static i => $"y_{i}"), "AU12_r"];
        var text = string.Join(",", header) + "\n0,0.9,1," + string.Join(',', Enumerable.Repeat("1", 136)) + ",\"2,5\"\n";

        var error = Assert.Throws<InvalidDataException>(() => Read(text));

        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("-0.25")]
    [InlineData("+3")]
    [InlineData(".5")]
    [InlineData("5.")]
    [InlineData("1e3")]
    [InlineData("1E-2")]
    [InlineData("2.5e+1")]
    [InlineData("   -1.234567")]
    [InlineData("1.5   ")]
    [InlineData("\t2")]
    [InlineData("0.1000000000000000055511151231257827")]
    [InlineData("3.4028235e38")]
    [InlineData("1e39")]
    [InlineData("1e-50")]
    [InlineData("NaN")]
    [InlineData("nan")]
    [InlineData("-nan")]
    [InlineData("Infinity")]
    [InlineData("-infinity")]
    [InlineData("inf")]
    [InlineData("-inf")]
    [InlineData("1;5")]
    [InlineData("1.5x")]
    [InlineData("1.5.3")]
    [InlineData("1-5")]
    [InlineData("1+2")]
    [InlineData("1e5e5")]
    [InlineData("1e")]
    [InlineData("e5")]
    [InlineData("-")]
    [InlineData(".")]
    [InlineData("--1")]
    [InlineData("1 5")]
    [InlineData("0x10")]
    [InlineData("")]
    [InlineData("   ")]
    public void Read_Value_AcceptedExactlyAsFloatTryParseWithInvariantCultureAccepts(string field)
    {
        List<string> header = ["timestamp", "confidence", "success", .. Enumerable.Range(0, 68).Select(static i => $"x_{i}"), .. Enumerable.Range(0, 68).Select(static i => $"y_{i}"), "AU12_r"];
        var text = $"{string.Join(", ", header)}\n0, 0.9, 1, {string.Join(", ", Enumerable.Repeat("1", 136))},{field}\n";
        var accepted = float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var expected);

        var thrown = Record.Exception(() => Read(text));

        if (accepted)
        {
            Assert.Null(thrown);
            Assert.Equal(expected, Read(text).AuIntensity[12][0]);
        }
        else
        {
            var error = Assert.IsType<InvalidDataException>(thrown);
            Assert.Equal($"clip.csv: line 2, column 'AU12_r': '{field.Trim()}' is not a number.", error.Message);
        }
    }

    [Fact]
    public void Read_ShortRow_ErrorNamesLineAndCounts()
    {
        var text = OpenFaceCsvText.Text(OpenFaceCsvText.FullHeader(), rows: 3);
        var lines = text.Split('\n');
        lines[2] = lines[2][..lines[2].LastIndexOf(',')];

        var error = Assert.Throws<InvalidDataException>(() => Read(string.Join('\n', lines)));

        Assert.Equal("clip.csv: line 3 has 713 fields but the header has 714.", error.Message);
    }

    [Fact]
    public void Read_DecreasingTimestamp_ErrorNamesLine()
    {
        List<string> header = ["timestamp", "confidence", "success", .. Enumerable.Range(0, 68).Select(static i => $"x_{i}"), .. Enumerable.Range(0, 68).Select(static i => $"y_{i}"), "AU12_r"];
        var row = string.Join(", ", Enumerable.Repeat("1", 139));

        var error = Assert.Throws<InvalidDataException>(() => Read($"{string.Join(", ", header)}\n0.1, {row}\n0.0, {row}\n"));

        Assert.Contains("line 3: timestamp 0 is earlier than the previous row's 0.1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DuplicateColumn_ErrorNamesIt()
    {
        List<string> header = [.. OpenFaceCsvText.FullHeader(), "x_3"];

        var error = Assert.Throws<InvalidDataException>(() => Read(OpenFaceCsvText.Text(header, rows: 2)));

        Assert.Equal("clip.csv: column 'x_3' appears twice in the header.", error.Message);
    }

    [Fact]
    public void Read_BlankAndSpaceOnlyLines_AreSkippedButCountInLineNumbers()
    {
        var lines = OpenFaceCsvText.Text(OpenFaceCsvText.FullHeader(), rows: 3).Split('\n').ToList();
        lines.Insert(2, "");
        lines.Insert(3, "   ");
        var text = string.Join('\n', lines);
        var badLines = lines.ToList();
        var fields = badLines[5].Split(", ");
        fields[OpenFaceCsvText.FullHeader().IndexOf("AU45_c")] = "x";
        badLines[5] = string.Join(", ", fields);

        var track = Read(text);
        var error = Assert.Throws<InvalidDataException>(() => Read(string.Join('\n', badLines)));

        AssertMatches(track, rows: 3);
        Assert.Equal("clip.csv: line 6, column 'AU45_c': 'x' is not a number.", error.Message);
    }

    [Fact]
    public void Read_FileOfTenThousandRows_ReadsEveryRow()
    {
        // Many read buffers' worth of rows (about 68 MB), so rows straddle buffer boundaries and the arrays grow.
        // How fast this reads is measured by OpenFaceCsvBenchmarks, not here.
        var path = Path.Combine(RepoPaths.NewTempDirectory("openface-long"), "long.csv");
        const int Rows = 10_000;
        OpenFaceCsvText.WriteFile(path, OpenFaceCsvText.FullHeader(), Rows);
        try
        {
            var track = OpenFaceCsvReader.Read(path);

            Assert.Equal(Rows, track.FrameCount);
            for (var r = 0; r < Rows; r++)
            {
                Assert.Equal(OpenFaceCsvText.Value("timestamp", r), track.Timestamps[r], 9);
                Assert.Equal(OpenFaceCsvText.Value("success", r) != 0, track.Success[r]);
            }

            foreach (var r in (int[])[0, 1, 1023, 1024, 4_999, 8_191, 8_192, Rows - 1])
            {
                AssertRowMatches(track, r);
            }
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    private static OpenFaceTrack Read(string text)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        return OpenFaceCsvReader.Read(stream, "clip.csv");
    }

    private static void AssertMatches(OpenFaceTrack track, int rows)
    {
        Assert.Equal(rows, track.FrameCount);
        for (var r = 0; r < rows; r++)
        {
            AssertRowMatches(track, r);
        }
    }

    private static void AssertRowMatches(OpenFaceTrack track, int r)
    {
        Assert.Equal(OpenFaceCsvText.Value("timestamp", r), track.Timestamps[r], 9);
        Assert.Equal((float)OpenFaceCsvText.Value("confidence", r), track.Confidence[r]);
        Assert.Equal(OpenFaceCsvText.Value("success", r) != 0, track.Success[r]);
        for (var i = 0; i < OpenFaceTrack.LandmarkCount; i++)
        {
            Assert.Equal((float)OpenFaceCsvText.Value($"x_{i}", r), track.LandmarksX[(r * OpenFaceTrack.LandmarkCount) + i]);
            Assert.Equal((float)OpenFaceCsvText.Value($"y_{i}", r), track.LandmarksY[(r * OpenFaceTrack.LandmarkCount) + i]);
        }

        foreach (var (au, values) in track.AuIntensity)
        {
            Assert.Equal((float)OpenFaceCsvText.Value($"AU{au:D2}_r", r), values[r]);
        }

        foreach (var (au, values) in track.AuPresence)
        {
            Assert.Equal((float)OpenFaceCsvText.Value($"AU{au:D2}_c", r), values[r]);
        }
    }
}
