using SerSsl.Core.Evaluation;

namespace SerSsl.Core.Tests.Evaluation;

public sealed class ClassificationMetricsTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void From_ClassNeverPredicted_MatchesHandComputedValues()
    {
        // Rows are true classes, columns predictions; class 2 is never predicted.
        var matrix = ConfusionMatrix.FromRows(
        [
            [3, 1, 0],
            [1, 2, 0],
            [1, 1, 0],
        ]);

        var metrics = ClassificationMetrics.From(matrix);

        // TP = 3, 2, 0; column sums 5, 4, 0; row sums 4, 3, 2.
        Assert.Equal(5.0 / 9, metrics.Accuracy, Tolerance);
        AssertValues([3.0 / 5, 2.0 / 4, 0.0], metrics.Precision);
        AssertValues([3.0 / 4, 2.0 / 3, 0.0], metrics.Recall);
        AssertValues([6.0 / 9, 4.0 / 7, 0.0], metrics.F1); // 2TP / (2TP + FP + FN)
        Assert.Equal([4L, 3L, 2L], metrics.Support);
        Assert.Equal((0.6 + 0.5 + 0.0) / 3, metrics.MacroPrecision, Tolerance);
        Assert.Equal((0.75 + (2.0 / 3) + 0.0) / 3, metrics.MacroRecall, Tolerance);
        Assert.Equal(((6.0 / 9) + (4.0 / 7) + 0.0) / 3, metrics.MacroF1, Tolerance);
        Assert.Equal(metrics.MacroRecall, metrics.UnweightedAverageRecall);
    }

    [Fact]
    public void From_MacroF1_IsMeanOfClassF1NotF1OfMacroAverages()
    {
        var matrix = ConfusionMatrix.FromRows([[8, 2], [0, 5]]);

        var metrics = ClassificationMetrics.From(matrix);

        // Class F1: 16/18 and 10/12, mean 0.8611. Macro precision (1 + 5/7) / 2 and recall (0.8 + 1) / 2 would give 0.8780.
        var f1OfMacros = 2 * metrics.MacroPrecision * metrics.MacroRecall / (metrics.MacroPrecision + metrics.MacroRecall);
        Assert.Equal(((16.0 / 18) + (10.0 / 12)) / 2, metrics.MacroF1, Tolerance);
        Assert.Equal(0.8780, f1OfMacros, 1e-4);
    }

    [Fact]
    public void From_PerfectClassifier_AllOnes()
    {
        var matrix = new ConfusionMatrix(4);
        matrix.AddRange([0, 1, 2, 3, 3, 2, 1, 0, 0], [0, 1, 2, 3, 3, 2, 1, 0, 0]);

        var metrics = ClassificationMetrics.From(matrix);

        Assert.Equal(1.0, metrics.Accuracy);
        Assert.All(metrics.Precision, p => Assert.Equal(1.0, p));
        Assert.All(metrics.Recall, r => Assert.Equal(1.0, r));
        Assert.All(metrics.F1, f => Assert.Equal(1.0, f));
        Assert.Equal(1.0, metrics.MacroPrecision);
        Assert.Equal(1.0, metrics.MacroRecall);
        Assert.Equal(1.0, metrics.MacroF1);
    }

    [Fact]
    public void From_EverythingPredictedAsOneClass_ZeroForUnpredictedClasses()
    {
        var matrix = new ConfusionMatrix(3);
        matrix.AddRange([0, 0, 1, 1, 2, 2], [0, 0, 0, 0, 0, 0]);

        var metrics = ClassificationMetrics.From(matrix);

        Assert.Equal(1.0 / 3, metrics.Accuracy, Tolerance);
        AssertValues([2.0 / 6, 0.0, 0.0], metrics.Precision);
        AssertValues([1.0, 0.0, 0.0], metrics.Recall);
        AssertValues([4.0 / 8, 0.0, 0.0], metrics.F1);
        Assert.Equal(1.0 / 9, metrics.MacroPrecision, Tolerance);
        Assert.Equal(1.0 / 3, metrics.MacroRecall, Tolerance);
        Assert.Equal(1.0 / 6, metrics.MacroF1, Tolerance);
    }

    [Fact]
    public void From_AllItemsOfOneTrueClassPredictedRight_AbsentClassesCountAsZeroInMacro()
    {
        var matrix = new ConfusionMatrix(3);
        matrix.Add(1, 1, 5);

        var metrics = ClassificationMetrics.From(matrix);

        Assert.Equal(1.0, metrics.Accuracy);
        AssertValues([0.0, 1.0, 0.0], metrics.F1);
        Assert.Equal(1.0 / 3, metrics.MacroPrecision, Tolerance);
        Assert.Equal(1.0 / 3, metrics.MacroRecall, Tolerance);
        Assert.Equal(1.0 / 3, metrics.MacroF1, Tolerance);
    }

    [Fact]
    public void From_EmptyMatrix_AllZeroWithoutNaN()
    {
        var metrics = ClassificationMetrics.From(new ConfusionMatrix(2));

        Assert.Equal(0.0, metrics.Accuracy);
        Assert.Equal(0.0, metrics.MacroPrecision);
        Assert.Equal(0.0, metrics.MacroRecall);
        Assert.Equal(0.0, metrics.MacroF1);
    }

    [Fact]
    public void Add_ClassOutOfRange_Throws()
    {
        var matrix = new ConfusionMatrix(3);

        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Add(3, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Add(0, -1));
    }

    [Fact]
    public void ToRows_FromRows_RoundTrips()
    {
        long[][] rows = [[1, 2], [3, 4]];

        var matrix = ConfusionMatrix.FromRows(rows);

        Assert.Equal(rows, matrix.ToRows());
        Assert.Equal(10, matrix.Total);
        Assert.Equal(3, matrix.RowTotal(0));
        Assert.Equal(6, matrix.ColumnTotal(1));
    }

    private static void AssertValues(double[] expected, IReadOnlyList<double> actual)
    {
        Assert.Equal(expected.Length, actual.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], Tolerance);
        }
    }
}
