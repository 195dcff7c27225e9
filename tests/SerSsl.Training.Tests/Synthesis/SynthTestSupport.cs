using System.Globalization;
using SerSsl.Synthesis;

namespace SerSsl.Training.Tests.Synthesis;

/// <summary>Helpers shared by the synthesis tests.</summary>
internal static class SynthTestSupport
{
    private static readonly Lazy<string?> s_espeakMissing = new(() =>
    {
        try
        {
            _ = new EspeakSynthesizer().GetVersion();
            return null;
        }
        catch (EspeakNotFoundException ex)
        {
            return $"espeak-ng is not installed, so no speech can be synthesised ({ex.Message}).";
        }
    });

    /// <summary>Why tests that need espeak-ng cannot run here; null when it is installed.</summary>
    public static string? EspeakMissingReason => s_espeakMissing.Value;

    /// <summary>Skips the calling test when espeak-ng is not installed.</summary>
    public static void RequireEspeak()
    {
        if (EspeakMissingReason is string reason)
        {
            Assert.Skip(reason);
        }
    }

    /// <summary>Deletes a test folder, ignoring failures (a test's cleanup never hides its result).</summary>
    public static void DeleteQuietly(string? directory)
    {
        if (directory is null)
        {
            return;
        }

        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Reads an OpenFace CSV as OpenFace writes it (", " separators): the header and numeric rows.</summary>
    public static (string[] Header, double[][] Rows) ReadOpenFaceCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(", ");
        var rows = lines.Skip(1)
            .Select(line => line.Split(", ").Select(v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray())
            .ToArray();
        return (header, rows);
    }

    /// <summary>Pearson correlation of two equally long series.</summary>
    public static double Correlation(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        var n = a.Count;
        var meanA = a.Average();
        var meanB = b.Average();
        double sab = 0, saa = 0, sbb = 0;
        for (var i = 0; i < n; i++)
        {
            sab += (a[i] - meanA) * (b[i] - meanB);
            saa += (a[i] - meanA) * (a[i] - meanA);
            sbb += (b[i] - meanB) * (b[i] - meanB);
        }

        return sab / Math.Sqrt(saa * sbb);
    }
}
