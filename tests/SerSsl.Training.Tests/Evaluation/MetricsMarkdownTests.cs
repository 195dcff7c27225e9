using SerSsl.Training.Evaluation;

namespace SerSsl.Training.Tests.Evaluation;

public sealed class MetricsMarkdownTests
{
    [Fact]
    public void Table_WithBaseline_ExactText()
    {
        var rows = new[]
        {
            Row("baseline", (0.600, 0.020), (0.580, 0.010), (0.590, 0.015)),
            Row("pre-trained", (0.623, 0.012), (0.571, 0.020), (0.6136, 0.0104)),
        };

        var table = MetricsMarkdown.Table(rows, baseline: "baseline");

        const string Expected =
            "| Condition | N | Macro precision (%) | Δ precision | Macro recall (%) | Δ recall | Macro F1 (%) | Δ F1 |\n" +
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n" +
            "| baseline | 5 | 60.0 ± 2.0 | baseline | 58.0 ± 1.0 | baseline | 59.0 ± 1.5 | baseline |\n" +
            "| pre-trained | 5 | 62.3 ± 1.2 | +2.3 pts (+3.8 %) | 57.1 ± 2.0 | -0.9 pts (-1.6 %) | 61.4 ± 1.0 | +2.4 pts (+4.0 %) |\n";
        Assert.Equal(Expected, table);
    }

    [Fact]
    public void Table_WithoutBaseline_NoChangeColumns()
    {
        var table = MetricsMarkdown.Table([Row("a|b", (0.5, 0.0), (0.25, 0.0), (0.125, 0.0))]);

        const string Expected =
            "| Condition | N | Macro precision (%) | Macro recall (%) | Macro F1 (%) |\n" +
            "| --- | ---: | ---: | ---: | ---: |\n" +
            "| a\\|b | 5 | 50.0 ± 0.0 | 25.0 ± 0.0 | 12.5 ± 0.0 |\n";
        Assert.Equal(Expected, table);
    }

    [Fact]
    public void Table_UnknownBaseline_Throws() =>
        Assert.Throws<ArgumentException>(() => MetricsMarkdown.Table([Row("a", (0.5, 0), (0.5, 0), (0.5, 0))], "b"));

    [Fact]
    public void FormatDelta_ZeroBaselineAndTinyNegative_NoNegativeZero()
    {
        Assert.Equal("+1.0 pts (n/a)", MetricsMarkdown.FormatDelta(new MetricDelta(0.01, null)));
        Assert.Equal("+0.0 pts (+0.0 %)", MetricsMarkdown.FormatDelta(new MetricDelta(-0.0001, -0.0002)));
    }

    private static ConditionSummary Row(string name, (double Mean, double Std) precision, (double Mean, double Std) recall, (double Mean, double Std) f1) =>
        new(
            name,
            new MetricSummary(recall.Mean, recall.Std, 5),
            new MetricSummary(precision.Mean, precision.Std, 5),
            new MetricSummary(recall.Mean, recall.Std, 5),
            new MetricSummary(f1.Mean, f1.Std, 5),
            []);
}
