using SerSsl.Core.Evaluation;
using SerSsl.Core.Labels;
using SerSsl.Plots;
using SerSsl.TestSupport;
using SerSsl.Training.Evaluation;
using SerSsl.Training.Plots;

namespace SerSsl.Training.Tests.Plots;

public sealed class PlotTests : IDisposable
{
    private readonly string _directory = RepoPaths.NewTempDirectory("plots");

    public void Dispose()
    {
        // SERSSL_KEEP_PLOTS=1 keeps the images for a look.
        if (Environment.GetEnvironmentVariable("SERSSL_KEEP_PLOTS") != "1")
        {
            Directory.Delete(_directory, recursive: true);
        }
        else
        {
            TestContext.Current.SendDiagnosticMessage($"plots kept in {_directory}");
        }
    }

    [Fact]
    public void ConfusionMatrixPlot_SixClasses_WritesPngOfRequestedSize()
    {
        var matrix = SampleConfusionMatrix();
        var path = Path.Combine(_directory, "confusion.png");

        ConfusionMatrixPlot.Save(path, matrix, CremaDEmotion.Codes, "Test set, partition 1", width: 820, height: 700);

        PngAssert.IsPng(path, 820, 700);
    }

    [Fact]
    public void ConfusionMatrixPlot_WrongLabelCount_Throws()
    {
        var matrix = new ConfusionMatrix(3);

        Assert.Throws<ArgumentException>(() => ConfusionMatrixPlot.Save(Path.Combine(_directory, "x.png"), matrix, ["a", "b"]));
    }

    [Fact]
    public void TrainingCurvesPlot_TwoRunsWithDevF1_WritesPngOfRequestedSize()
    {
        var runs = new[] { SampleHistory("baseline", 0.0), SampleHistory("pre-trained (all tasks)", 0.15) };
        var path = Path.Combine(_directory, "curves.png");

        TrainingCurvesPlot.Save(path, runs, "Fine-tuning, partition 1", width: 1000, height: 750);

        PngAssert.IsPng(path, 1000, 750);
    }

    [Fact]
    public void TrainingCurvesPlot_LossOnly_WritesPngOfRequestedSize()
    {
        var run = new TrainingHistory("pre-training", [.. Enumerable.Range(1, 40).Select(e => new EpochRecord(e, 2.0 / Math.Sqrt(e)))]);
        var path = Path.Combine(_directory, "pretraining.png");

        TrainingCurvesPlot.Save(path, [run], width: 640, height: 400);

        PngAssert.IsPng(path, 640, 400);
    }

    [Fact]
    public void ConditionMetricsPlot_ThreeConditions_WritesPngOfRequestedSize()
    {
        var conditions = new[]
        {
            Summary("no pre-training", 0.58, 0.57, 0.56),
            Summary("energy variation", 0.60, 0.59, 0.59),
            Summary("pre-trained with all three pretext tasks (energy, face, AU)", 0.63, 0.615, 0.61),
        };
        var path = Path.Combine(_directory, "conditions.png");

        ConditionMetricsPlot.Save(path, conditions, "CREMA-D (synthetic), 5 partitions", width: 1000, height: 600);

        PngAssert.IsPng(path, 1000, 600);
    }

    private static ConfusionMatrix SampleConfusionMatrix()
    {
        long[][] rows =
        [
            [180, 25, 8, 5, 10, 2],
            [30, 120, 15, 6, 30, 20],
            [10, 20, 110, 5, 25, 60],
            [12, 5, 6, 190, 15, 2],
            [8, 20, 15, 10, 160, 40],
            [2, 15, 40, 1, 35, 140],
        ];
        return ConfusionMatrix.FromRows(rows);
    }

    private static TrainingHistory SampleHistory(string name, double improvement)
    {
        var epochs = Enumerable.Range(1, 25)
            .Select(e => new EpochRecord(
                e,
                TrainLoss: (1.2 * Math.Exp(-e / 8.0)) + 0.5 - improvement,
                DevLoss: (1.0 * Math.Exp(-e / 10.0)) + 0.8 - improvement + (e > 18 ? 0.01 * (e - 18) : 0),
                DevMacroF1: 0.3 + ((0.3 + improvement) * (1 - Math.Exp(-e / 6.0)))))
            .ToArray();
        return new TrainingHistory(name, epochs);
    }

    private static ConditionSummary Summary(string name, double precision, double recall, double f1)
    {
        var perClass = Enumerable.Repeat(new MetricSummary(f1, 0.03, 5), 6).ToArray();
        return new ConditionSummary(
            name,
            new MetricSummary(recall, 0.02, 5),
            new MetricSummary(precision, 0.021, 5),
            new MetricSummary(recall, 0.018, 5),
            new MetricSummary(f1, 0.024, 5),
            perClass);
    }
}
