using System.Globalization;
using System.Text;

namespace SerSsl.Training.Evaluation;

/// <summary>
/// Writes the reproduction summary table: one row per condition, columns macro precision, macro recall and macro F1
/// as "mean ± std" in percent with one decimal, each followed by its change against a baseline condition.
/// </summary>
internal static class MetricsMarkdown
{
    /// <summary>
    /// Formats a Markdown table. With a baseline, each metric column is followed by a change column: the absolute
    /// change in percentage points and the relative change in percent, e.g. <c>+2.3 pts (+4.1 %)</c>; the baseline's
    /// own change cells read <c>baseline</c>, and a relative change against a zero baseline reads <c>n/a</c>.
    /// </summary>
    /// <param name="rows">Condition summaries in display order; metric values are fractions in [0, 1].</param>
    /// <param name="baseline">Name of the baseline condition (one of <paramref name="rows"/>), or null for no change columns.</param>
    /// <returns>The table, lines ending in <c>\n</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="baseline"/> names no row.</exception>
    public static string Table(IReadOnlyList<ConditionSummary> rows, string? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ConditionSummary? reference = null;
        if (baseline is not null)
        {
            reference = rows.FirstOrDefault(r => r.Condition == baseline)
                ?? throw new ArgumentException($"Baseline '{baseline}' is not one of the conditions: {string.Join(", ", rows.Select(r => r.Condition))}.", nameof(baseline));
        }

        var builder = new StringBuilder();
        if (reference is null)
        {
            builder.Append("| Condition | N | Macro precision (%) | Macro recall (%) | Macro F1 (%) |\n");
            builder.Append("| --- | ---: | ---: | ---: | ---: |\n");
        }
        else
        {
            builder.Append("| Condition | N | Macro precision (%) | Δ precision | Macro recall (%) | Δ recall | Macro F1 (%) | Δ F1 |\n");
            builder.Append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        }

        foreach (var row in rows)
        {
            builder.Append("| ").Append(Escape(row.Condition)).Append(" | ")
                .Append(row.MacroF1.N.ToString(CultureInfo.InvariantCulture)).Append(" |");
            AppendMetric(builder, row.MacroPrecision, reference?.MacroPrecision, ReferenceEquals(row, reference));
            AppendMetric(builder, row.MacroRecall, reference?.MacroRecall, ReferenceEquals(row, reference));
            AppendMetric(builder, row.MacroF1, reference?.MacroF1, ReferenceEquals(row, reference));
            builder.Append('\n');
        }

        return builder.ToString();
    }

    /// <summary>"mean ± std" of a fraction in percent with one decimal, e.g. <c>62.3 ± 1.5</c>.</summary>
    public static string FormatMeanStd(MetricSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return $"{Fixed(summary.Mean * 100)} ± {Fixed(summary.Std * 100)}";
    }

    /// <summary>A change of fractions as <c>+2.3 pts (+4.1 %)</c>; <c>n/a</c> replaces the relative part when undefined.</summary>
    public static string FormatDelta(MetricDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        var relative = delta.Relative is { } r ? $"{Signed(r * 100)} %" : "n/a";
        return $"{Signed(delta.Absolute * 100)} pts ({relative})";
    }

    private static void AppendMetric(StringBuilder builder, MetricSummary value, MetricSummary? reference, bool isReference)
    {
        builder.Append(' ').Append(FormatMeanStd(value)).Append(" |");
        if (reference is not null)
        {
            builder.Append(' ').Append(isReference ? "baseline" : FormatDelta(value.Delta(reference))).Append(" |");
        }
    }

    private static string Fixed(double value)
    {
        var text = value.ToString("F1", CultureInfo.InvariantCulture);
        return text == "-0.0" ? "0.0" : text;
    }

    private static string Signed(double value)
    {
        var text = Fixed(value);
        return text.StartsWith('-') ? text : "+" + text;
    }

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
