using ScottPlot;
using SerSsl.Plots;
using SerSsl.Training.Evaluation;

namespace SerSsl.Training.Plots;

/// <summary>Draws the reproduction summary: macro precision, recall and F1 per condition as grouped bars.</summary>
internal static class ConditionMetricsPlot
{
    private static readonly string[] s_metricNames = ["Macro precision", "Macro recall", "Macro F1"];

    /// <summary>
    /// Writes a grouped bar chart: one group per condition, one bar each for macro precision, recall and F1 (mean over
    /// partitions, in percent), with error bars of ± one sample standard deviation. Bars start at 0.
    /// </summary>
    /// <param name="path">PNG file to write; its folder is created.</param>
    /// <param name="conditions">At least one condition summary, in display order.</param>
    /// <param name="title">Plot title, or null for none.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <exception cref="ArgumentException">No conditions, or an empty path.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The size is below <see cref="PlotFiles.MinimumSize"/>.</exception>
    public static void Save(string path, IReadOnlyList<ConditionSummary> conditions, string? title = null, int width = 1000, int height = 600)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        if (conditions.Count == 0)
        {
            throw new ArgumentException("The bar chart needs at least one condition.", nameof(conditions));
        }

        PlotFiles.Prepare(path, width, height);
        const double GroupWidth = 4.0;
        var palette = new ScottPlot.Palettes.Category10();
        using var plot = new Plot();
        var top = 0.0;
        for (var m = 0; m < s_metricNames.Length; m++)
        {
            var color = palette.GetColor(m);
            var bars = new List<Bar>();
            for (var c = 0; c < conditions.Count; c++)
            {
                var summary = Metric(conditions[c], m);
                bars.Add(new Bar
                {
                    Position = (c * GroupWidth) + m,
                    Value = summary.Mean * 100,
                    Error = summary.Std * 100,
                    FillColor = color,
                    Size = 0.9,
                });
                top = Math.Max(top, (summary.Mean + summary.Std) * 100);
            }

            var barPlot = plot.Add.Bars(bars);
            barPlot.LegendText = s_metricNames[m];
        }

        var positions = Enumerable.Range(0, conditions.Count).Select(c => (c * GroupWidth) + 1).ToArray();
        plot.Axes.Bottom.SetTicks(positions, [.. conditions.Select(c => Wrap(c.Condition, 20))]);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Bottom.TickLabelStyle.FontSize = 13;

        plot.YLabel("Percent (mean ± std over partitions)");
        if (!string.IsNullOrWhiteSpace(title))
        {
            plot.Title(title);
        }

        plot.Axes.SetLimits(-1, ((conditions.Count - 1) * GroupWidth) + 3, 0, Math.Min(100, Math.Max(top * 1.1, 1)));
        plot.ShowLegend(Edge.Top);
        plot.HideGrid();
        plot.Grid.YAxisStyle.MajorLineStyle.Width = 1;
        PlotFiles.ApplyFont(plot);
        plot.SavePng(path, width, height);
    }

    /// <summary>Breaks <paramref name="text"/> at spaces into lines of at most about <paramref name="width"/> characters.</summary>
    internal static string Wrap(string text, int width)
    {
        var lines = new List<string>();
        var line = string.Empty;
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line);
                line = word;
            }
            else
            {
                line = line.Length == 0 ? word : $"{line} {word}";
            }
        }

        lines.Add(line);
        return string.Join('\n', lines);
    }

    private static MetricSummary Metric(ConditionSummary summary, int metric) => metric switch
    {
        0 => summary.MacroPrecision,
        1 => summary.MacroRecall,
        _ => summary.MacroF1,
    };
}
