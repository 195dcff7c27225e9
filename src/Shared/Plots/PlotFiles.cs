using ScottPlot;

namespace SerSsl.Plots;

/// <summary>Checks and styling shared by the PNG writers.</summary>
internal static class PlotFiles
{
    // ScottPlot's "Sans" falls back to the system default face, which is DejaVu Serif on a bare Debian with only
    // fonts-dejavu-core; name common sans-serif families explicitly.
    private static readonly string[] s_sansFamilies = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica"];
    private static readonly Lazy<string> s_font = new(() => s_sansFamilies.FirstOrDefault(Installed) ?? Fonts.Default);

    /// <summary>Smallest width or height accepted, in pixels.</summary>
    public const int MinimumSize = 200;

    /// <summary>Validates a PNG path and size and creates the file's folder.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The width or height is below <see cref="MinimumSize"/>.</exception>
    public static void Prepare(string path, int width, int height)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, MinimumSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, MinimumSize);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
    }

    private static bool Installed(string family) =>
        Fonts.GetTypeface(family, bold: false, italic: false) is { } face && face.FamilyName == family;

    /// <summary>The font family every plot uses: the first installed of a few sans-serif families, else ScottPlot's default.</summary>
    public static string FontName => s_font.Value;

    /// <summary>Applies the shared font to every label of <paramref name="plot"/>, legend included; call after adding all plottables.</summary>
    public static void ApplyFont(Plot plot)
    {
        ArgumentNullException.ThrowIfNull(plot);
        plot.Font.Set(FontName);
        plot.Legend.FontName = FontName;
        foreach (var item in plot.Legend.ManualItems)
        {
            item.LabelFontName = FontName;
        }
    }
}
