using System.Globalization;
using ScottPlot;
using SerSsl.Core.Evaluation;

namespace SerSsl.Plots;

/// <summary>Draws a confusion matrix as a heatmap PNG (shared source: compiled into sers-train and sers alike).</summary>
internal static class ConfusionMatrixPlot
{
    /// <summary>
    /// Writes a heatmap of <paramref name="matrix"/>: rows are true classes (first class at the top), columns
    /// predicted classes; a cell's colour is its share of the true class's items (row-normalised, so the diagonal
    /// reads as per-class recall) and its text the count and that share in percent.
    /// </summary>
    /// <param name="path">PNG file to write; its folder is created.</param>
    /// <param name="matrix">The counts.</param>
    /// <param name="labels">K class labels, e.g. <c>ANG</c> ... <c>SAD</c>.</param>
    /// <param name="title">Plot title, or null for none.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <exception cref="ArgumentException">The number of labels is not K, or the path is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The size is below <see cref="PlotFiles.MinimumSize"/>.</exception>
    public static void Save(string path, ConfusionMatrix matrix, IReadOnlyList<string> labels, string? title = null, int width = 800, int height = 700)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(labels);
        var k = matrix.ClassCount;
        if (labels.Count != k)
        {
            throw new ArgumentException($"{labels.Count} labels for a {k}-class confusion matrix.", nameof(labels));
        }

        PlotFiles.Prepare(path, width, height);
        var percent = new double[k, k];
        for (var t = 0; t < k; t++)
        {
            var support = matrix.RowTotal(t);
            for (var p = 0; p < k; p++)
            {
                percent[t, p] = support == 0 ? 0.0 : 100.0 * matrix[t, p] / support;
            }
        }

        using var plot = new Plot();
        var heatmap = plot.Add.Heatmap(percent);
        heatmap.Colormap = new ScottPlot.Colormaps.Reversed(new ScottPlot.Colormaps.Blues());
        heatmap.ManualRange = new ScottPlot.Range(0, 100);
        // Rectangle sets the heat map's outer edges, so that cell (t, p) is centred on its labels' ticks; Extent would
        // set the outer cells' centres and leave every cell half a cell off.
        heatmap.Rectangle = new CoordinateRect(-0.5, k - 0.5, -0.5, k - 0.5);
        var colorBar = plot.Add.ColorBar(heatmap);
        colorBar.Label = "% of true class";
        colorBar.LabelStyle.FontName = PlotFiles.FontName;
        colorBar.Axis.TickLabelStyle.FontName = PlotFiles.FontName;

        var fontSize = Math.Clamp(Math.Min(width, height) / (float)(k * 7), 8f, 18f);
        for (var t = 0; t < k; t++)
        {
            for (var p = 0; p < k; p++)
            {
                var text = plot.Add.Text(
                    string.Create(CultureInfo.InvariantCulture, $"{matrix[t, p]}\n{percent[t, p]:F1}%"),
                    p,
                    k - 1 - t);
                text.Alignment = Alignment.MiddleCenter;
                text.LabelFontSize = fontSize;
                text.LabelFontName = PlotFiles.FontName;
                text.LabelStyle.LineSpacing = fontSize * 1.35f;
                text.LabelFontColor = percent[t, p] > 50 ? Colors.White : Colors.Black;
            }
        }

        var positions = Enumerable.Range(0, k).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(positions, [.. labels]);
        plot.Axes.Left.SetTicks([.. positions.Reverse()], [.. labels]);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Left.MajorTickStyle.Length = 0;
        plot.Axes.Bottom.TickLabelStyle.FontSize = 14;
        plot.Axes.Left.TickLabelStyle.FontSize = 14;
        plot.XLabel("Predicted class");
        plot.YLabel("True class");
        if (!string.IsNullOrWhiteSpace(title))
        {
            plot.Title(title);
        }

        plot.Axes.SetLimits(-0.5, k - 0.5, -0.5, k - 0.5);
        plot.HideGrid();
        PlotFiles.ApplyFont(plot);
        plot.SavePng(path, width, height);
    }
}
