using System.Text.Json;
using SerSsl.Core.Evaluation;
using SerSsl.TestSupport;
using SerSsl.Training.Evaluation;

namespace SerSsl.Training.Tests.Evaluation;

public sealed class ResultsJsonTests
{
    [Fact]
    public void Serialize_Report_CamelCaseNamesAndNoNulls()
    {
        var report = SampleReport();

        var json = ResultsJson.Serialize(report);

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.True(root.GetProperty("synthetic").GetBoolean());
        var condition = root.GetProperty("conditions")[0];
        Assert.Equal("baseline", condition.GetProperty("name").GetString());
        var partition = condition.GetProperty("partitions")[1];
        Assert.Equal(1, partition.GetProperty("confusionMatrix")[1][0].GetInt64());
        Assert.Equal(0.75, partition.GetProperty("metrics").GetProperty("accuracy").GetDouble(), 1e-12);
        Assert.False(partition.TryGetProperty("history", out _));
        Assert.True(condition.GetProperty("summary").GetProperty("macroF1").TryGetProperty("std", out _));
    }

    [Fact]
    public void WriteRead_Report_RoundTripsValues()
    {
        var report = SampleReport();
        var directory = RepoPaths.NewTempDirectory("results-json");
        var path = Path.Combine(directory, "nested", "results.json");

        try
        {
            ResultsJson.Write(path, report);
            var read = ResultsJson.Read(path);

            Assert.Equal(report.Dataset, read.Dataset);
            Assert.Equal(report.Labels, read.Labels);
            var expected = report.Conditions[0];
            var actual = read.Conditions[0];
            Assert.Equal(expected.Summary.MacroF1, actual.Summary.MacroF1);
            Assert.Equal(expected.Partitions[1].Metrics.F1, actual.Partitions[1].Metrics.F1);
            Assert.Equal(expected.Partitions[1].ConfusionMatrix.Select(r => r.ToArray()), actual.Partitions[1].ConfusionMatrix.Select(r => r.ToArray()));
            Assert.Equal(expected.Partitions[0].History!.Epochs, actual.Partitions[0].History!.Epochs);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static EvaluationReport SampleReport()
    {
        var history = new TrainingHistory("baseline p1", [new EpochRecord(1, 1.2, 1.3, 0.4), new EpochRecord(2, 0.9, null, 0.5)]);
        var partitions = new[]
        {
            PartitionResult.Create("1", ConfusionMatrix.FromRows([[1, 1], [0, 2]]), history),
            PartitionResult.Create("2", ConfusionMatrix.FromRows([[2, 0], [1, 1]])),
        };
        return new EvaluationReport("synthetic-crema-d", Synthetic: true, ["ANG", "HAP"], "baseline", [ConditionResult.Create("baseline", partitions)]);
    }
}
