using ScottPlot;
using SerSsl.Protos.V1;

namespace SerSsl.Streaming.Analysis;

/// <summary>A PNG of an emotion timeline: probability of every label over time, speech shaded, the top label on top.</summary>
internal static class TimelinePlot
{
    private static readonly Color[] s_palette =
    [
        Color.FromHex("#d62728"), Color.FromHex("#8c564b"), Color.FromHex("#9467bd"),
        Color.FromHex("#ff7f0e"), Color.FromHex("#7f7f7f"), Color.FromHex("#1f77b4"),
        Color.FromHex("#2ca02c"), Color.FromHex("#e377c2"), Color.FromHex("#17becf"), Color.FromHex("#bcbd22"),
    ];

    /// <summary>Writes the plot.</summary>
    /// <param name="analysis">The timeline.</param>
    /// <param name="path">The PNG to write.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    public static void Save(RecordingAnalysis analysis, string path, int width = 1200, int height = 500)
    {
        var plot = new Plot();
        var times = analysis.Estimates.Select(e => e.EndSeconds).ToArray();
        foreach (var (start, end) in SpeechRuns(analysis.Estimates))
        {
            var span = plot.Add.HorizontalSpan(start, end);
            span.FillStyle.Color = Color.FromHex("#000000").WithAlpha(0.07);
            span.LineStyle.Width = 0;
        }

        for (var label = 0; label < analysis.Labels.Count; label++)
        {
            var values = analysis.Estimates.Select(e => (double)e.Probabilities[label].Probability).ToArray();
            var line = plot.Add.Scatter(times, values);
            line.LegendText = analysis.Labels[label];
            line.Color = s_palette[label % s_palette.Length];
            line.LineWidth = 2;
            line.MarkerSize = 0;
        }

        plot.Title($"Emotion timeline: {Path.GetFileName(analysis.Source)}");
        plot.XLabel("time (s, end of the 1 s chunk); shaded: speech");
        plot.YLabel("probability");
        plot.Axes.SetLimitsY(0, 1);
        if (times.Length > 0)
        {
            plot.Axes.SetLimitsX(0, Math.Max(times[^1], 1.0));
        }

        plot.ShowLegend(Alignment.UpperRight);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        plot.SavePng(path, width, height);
    }

    /// <summary>Runs of consecutive speech estimates as (first end time, last end time) spans.</summary>
    private static IEnumerable<(double Start, double End)> SpeechRuns(IReadOnlyList<EmotionEstimate> estimates)
    {
        double? start = null;
        var last = 0.0;
        foreach (var estimate in estimates)
        {
            if (estimate.Speech)
            {
                start ??= estimate.EndSeconds;
                last = estimate.EndSeconds;
            }
            else if (start is { } s)
            {
                yield return (s, last);
                start = null;
            }
        }

        if (start is { } open)
        {
            yield return (open, last);
        }
    }
}
