using ScottPlot;
using SerSsl.Plots;
using SerSsl.Training.Evaluation;

namespace SerSsl.Training.Plots;

/// <summary>Draws training curves (loss and dev macro F1 per epoch) as a PNG.</summary>
internal static class TrainingCurvesPlot
{
    /// <summary>
    /// Writes the curves of one or more runs: a loss panel (train solid, dev dashed, one colour per run) and, when
    /// any run has a dev macro F1, a panel below with dev macro F1 in percent (dashed, as a dev measure). Missing
    /// values (null) are skipped; the legend sits in the upper right of the loss panel.
    /// </summary>
    /// <param name="path">PNG file to write; its folder is created.</param>
    /// <param name="runs">At least one run, each with at least one epoch.</param>
    /// <param name="title">Title above the loss panel, or null for none.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <exception cref="ArgumentException">No runs, a run without epochs, or an empty path.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The size is below <see cref="PlotFiles.MinimumSize"/>.</exception>
    public static void Save(string path, IReadOnlyList<TrainingHistory> runs, string? title = null, int width = 1000, int height = 750)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0 || runs.Any(r => r.Epochs.Count == 0))
        {
            throw new ArgumentException("Training curves need at least one run, each with at least one epoch.", nameof(runs));
        }

        PlotFiles.Prepare(path, width, height);
        var palette = new ScottPlot.Palettes.Category10();
        var showF1 = runs.Any(r => r.Epochs.Any(e => e.DevMacroF1 is not null));

        var multiplot = new Multiplot();
        multiplot.AddPlots(showF1 ? 2 : 1);
        var lossPlot = multiplot.GetPlot(0);
        for (var r = 0; r < runs.Count; r++)
        {
            var color = palette.GetColor(r);
            AddSeries(lossPlot, runs[r].Epochs, e => e.TrainLoss, color, LinePattern.Solid);
            AddSeries(lossPlot, runs[r].Epochs, e => e.DevLoss, color, LinePattern.Dashed);
        }

        lossPlot.YLabel("Loss");
        if (!string.IsNullOrWhiteSpace(title))
        {
            lossPlot.Title(title);
        }

        // One legend for both panels: a colour per run, then the line styles of train and dev.
        var legend = runs.Select((run, r) => Item(run.Name, palette.GetColor(r), LinePattern.Solid)).ToList();
        legend.Add(Item("train", Colors.Gray, LinePattern.Solid));
        if (runs.Any(r => r.Epochs.Any(e => e.DevLoss is not null)))
        {
            legend.Add(Item("dev", Colors.Gray, LinePattern.Dashed));
        }

        lossPlot.ShowLegend(legend, Alignment.UpperRight);
        var plots = new List<Plot> { lossPlot };
        if (showF1)
        {
            var f1Plot = multiplot.GetPlot(1);
            for (var r = 0; r < runs.Count; r++)
            {
                AddSeries(f1Plot, runs[r].Epochs, e => e.DevMacroF1 * 100, palette.GetColor(r), LinePattern.Dashed);
            }

            f1Plot.YLabel("Dev macro F1 (%)");
            plots.Add(f1Plot);
        }

        plots[^1].XLabel("Epoch");
        multiplot.SharedAxes.ShareX(plots);
        foreach (var plot in plots)
        {
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
            PlotFiles.ApplyFont(plot);
        }

        // The same fixed margins in every panel keep their epoch axes aligned.
        var top = string.IsNullOrWhiteSpace(title) ? 15 : 45;
        for (var i = 0; i < plots.Count; i++)
        {
            plots[i].Layout.Fixed(new PixelPadding(left: 80, right: 25, bottom: i == plots.Count - 1 ? 55 : 30, top: i == 0 ? top : 15));
        }

        multiplot.SavePng(path, width, height);
        foreach (var plot in plots)
        {
            plot.Dispose();
        }
    }

    private static LegendItem Item(string label, Color color, LinePattern pattern) => new()
    {
        LabelText = label,
        LineColor = color,
        LineWidth = 2,
        LinePattern = pattern,
    };

    private static void AddSeries(Plot plot, IReadOnlyList<EpochRecord> epochs, Func<EpochRecord, double?> value, Color color, LinePattern pattern)
    {
        var points = epochs
            .Select(e => (Epoch: (double)e.Epoch, Value: value(e)))
            .Where(p => p.Value is { } v && double.IsFinite(v))
            .ToArray();
        if (points.Length == 0)
        {
            return;
        }

        var scatter = plot.Add.ScatterLine(points.Select(p => p.Epoch).ToArray(), points.Select(p => p.Value!.Value).ToArray(), color);
        scatter.LinePattern = pattern;
        scatter.LineWidth = 2;
        scatter.MarkerSize = points.Length <= 30 ? 5 : 0;
    }
}
