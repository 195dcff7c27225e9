using SerSsl.Core.Evaluation;
using SerSsl.Training.Evaluation;

namespace SerSsl.Training.Tests.Evaluation;

public sealed class MetricSummaryTests
{
    [Fact]
    public void FromValues_ThreePartitions_MeanAndSampleStd()
    {
        var summary = MetricSummary.FromValues([0.60, 0.65, 0.70]);

        Assert.Equal(0.65, summary.Mean, 1e-12);
        Assert.Equal(0.05, summary.Std, 1e-12); // sqrt((0.05² + 0 + 0.05²) / (3 - 1))
        Assert.Equal(3, summary.N);
    }

    [Fact]
    public void FromValues_FourValues_DividesByNMinusOne()
    {
        var summary = MetricSummary.FromValues([1.0, 2.0, 3.0, 4.0]);

        Assert.Equal(2.5, summary.Mean, 1e-12);
        Assert.Equal(Math.Sqrt(5.0 / 3.0), summary.Std, 1e-12);
    }

    [Fact]
    public void FromValues_OneValue_StdZero()
    {
        var summary = MetricSummary.FromValues([0.42]);

        Assert.Equal(new MetricSummary(0.42, 0.0, 1), summary);
    }

    [Fact]
    public void FromValues_Empty_Throws() =>
        Assert.Throws<ArgumentException>(() => MetricSummary.FromValues([]));

    [Fact]
    public void Delta_AgainstBaseline_AbsoluteAndRelative()
    {
        var baseline = new MetricSummary(0.60, 0.02, 5);
        var condition = new MetricSummary(0.63, 0.01, 5);

        var delta = condition.Delta(baseline);

        Assert.Equal(0.03, delta.Absolute, 1e-12);
        Assert.Equal(0.05, delta.Relative!.Value, 1e-12);
    }

    [Fact]
    public void Delta_ZeroBaseline_RelativeNull()
    {
        var delta = new MetricSummary(0.1, 0, 1).Delta(new MetricSummary(0.0, 0, 1));

        Assert.Equal(0.1, delta.Absolute, 1e-12);
        Assert.Null(delta.Relative);
    }

    [Fact]
    public void ConditionSummary_FromPartitions_SummarisesEachMetric()
    {
        var first = ClassificationMetrics.From(ConfusionMatrix.FromRows([[2, 0], [0, 2]]));
        var second = ClassificationMetrics.From(ConfusionMatrix.FromRows([[1, 1], [0, 2]]));

        var summary = ConditionSummary.FromPartitions("baseline", [first, second]);

        // Second partition: precision 1 and 2/3, recall 1/2 and 1, F1 2/3 and 4/5, accuracy 3/4.
        Assert.Equal((1.0 + 0.75) / 2, summary.Accuracy.Mean, 1e-12);
        Assert.Equal((1.0 + ((1.0 + (2.0 / 3)) / 2)) / 2, summary.MacroPrecision.Mean, 1e-12);
        Assert.Equal((1.0 + 0.75) / 2, summary.MacroRecall.Mean, 1e-12);
        Assert.Equal(Math.Abs(1.0 - 0.75) / Math.Sqrt(2), summary.MacroRecall.Std, 1e-12);
        Assert.Equal(2, summary.MacroF1.N);
        Assert.Equal((1.0 + (2.0 / 3)) / 2, summary.ClassF1[0].Mean, 1e-12);
    }
}
