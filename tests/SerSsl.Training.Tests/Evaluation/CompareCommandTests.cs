using System.CommandLine;
using SerSsl.Core.Evaluation;
using SerSsl.TestSupport;
using SerSsl.Training.Evaluation;
using SerSsl.Training.Tests.Synthesis;
using SerSsl.Training.Tests.Training;

namespace SerSsl.Training.Tests.Evaluation;

/// <summary><c>sers-train compare</c> on results files written the way reproduce writes them.</summary>
public sealed class CompareCommandTests : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("compare");

    public void Dispose() => SynthTestSupport.DeleteQuietly(_dir);

    [Fact]
    public void Compare_TwoRuns_PairsTheirSharedFoldsAgainstTheFirst()
    {
        // Two classes, 10 clips each; "right" clips of each class are classified correctly, the rest as the other class.
        var baseline = WriteRun("baseline", ("none", [("fold-1", 6), ("fold-2", 7), ("fold-3", 8)]));
        var better = WriteRun("better", ("none", [("fold-1", 8), ("fold-2", 8), ("fold-3", 10)]), ("energy", [("fold-1", 9), ("fold-2", 9)]));
        var markdown = Path.Combine(_dir, "compare.md");

        var printed = TrainCli.Run("compare", baseline, better, better + "@energy", "--out", markdown);

        // With symmetric errors F1 equals accuracy: baseline 60, 70, 80; better 80, 80, 100; energy (folds 1-2 only) 90, 90.
        Assert.Contains("over the 2 shared splits (fold-1, fold-2)", printed, StringComparison.Ordinal);
        Assert.Contains("| baseline@none | 65.0 ± 7.1 | 65.0 ± 7.1 | 65.0 ± 7.1 | 65.0 ± 7.1 | reference |", printed, StringComparison.Ordinal);
        Assert.Contains("| better@none | 80.0 ± 0.0 | 80.0 ± 0.0 | 80.0 ± 0.0 | 80.0 ± 0.0 | +15.0 ± 7.1 | t = 3.00 (1), p = 0.205 |", printed, StringComparison.Ordinal);
        Assert.Contains("| better@energy | 90.0 ± 0.0 | 90.0 ± 0.0 | 90.0 ± 0.0 | 90.0 ± 0.0 | +25.0 ± 7.1 | t = 5.00 (1), p = 0.126 |", printed, StringComparison.Ordinal);
        Assert.Contains("| better@energy | 90.0 | 90.0 |", printed, StringComparison.Ordinal); // the per-split table
        Assert.Equal(printed.Split("wrote")[0], File.ReadAllText(markdown));
    }

    [Fact]
    public void Compare_RunInProgress_UsesTheSplitsItHasFinished()
    {
        var baseline = WriteRun("baseline", ("none", [("fold-1", 6), ("fold-2", 7), ("fold-3", 8)]));
        var running = Path.Combine(_dir, "running");
        foreach (var (split, right) in (ValueTuple<string, int>[])[("fold-1", 9), ("fold-2", 8)])
        {
            Directory.CreateDirectory(Path.Combine(running, "finetune", "none", split));
            File.WriteAllText(Path.Combine(running, "finetune", "none", split, global::SerSsl.Training.Training.Experiment.TestResultFile), ResultsJson.Serialize(PartitionResult.Create(split, Matrix(right))));
        }

        Directory.CreateDirectory(Path.Combine(running, "finetune", "none", "fold-3")); // started, not finished

        var printed = TrainCli.Run("compare", baseline, running);

        Assert.Contains("over the 2 shared splits (fold-1, fold-2)", printed, StringComparison.Ordinal);
        Assert.Contains("| running@none | 85.0 ± 7.1 |", printed, StringComparison.Ordinal);
        Assert.Contains("| +20.0 ± 14.1 |", printed, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_ConditionAddedToAFinishedRun_UsesItsFinishedSplits()
    {
        // A finished run (results.json has only none), resumed with one more condition that has finished one split.
        var run = WriteRun("run", ("none", [("fold-1", 6), ("fold-2", 7)]));
        var split = Path.Combine(run, "finetune", "energy", "fold-1");
        Directory.CreateDirectory(split);
        File.WriteAllText(Path.Combine(split, global::SerSsl.Training.Training.Experiment.TestResultFile), ResultsJson.Serialize(PartitionResult.Create("fold-1", Matrix(9))));

        var printed = TrainCli.Run("compare", run + "@none", run + "@energy");

        Assert.Contains("over the 1 shared split (fold-1)", printed, StringComparison.Ordinal);
        Assert.Contains("| run@energy | 90.0 |", printed, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_MissingCondition_ExitsWithTwoListingTheRunsConditions()
    {
        var run = WriteRun("run", ("none", [("fold-1", 6)]), ("energy", [("fold-1", 7)]));
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = TrainCommandLine.Build().Parse(["compare", run, run + "@face"]).Invoke(new InvocationConfiguration { Output = output, Error = error });

        Assert.Equal(2, exit);
        Assert.Contains("has no condition 'face'; it has: none, energy", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_FolderWithoutResults_ExitsWithTwo()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = TrainCommandLine.Build().Parse(["compare", _dir, _dir]).Invoke(new InvocationConfiguration { Output = output, Error = error });

        Assert.Equal(2, exit);
        Assert.Contains("is not a reproduce --out folder or a results.json", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("finetune", error.ToString(), StringComparison.Ordinal);
    }

    private string WriteRun(string name, params (string Condition, (string Split, int Right)[] Splits)[] conditions)
    {
        var dir = Path.Combine(_dir, name);
        var results = conditions.Select(c => ConditionResult.Create(c.Condition, [.. c.Splits.Select(s => PartitionResult.Create(s.Split, Matrix(s.Right)))])).ToArray();
        ResultsJson.Write(Path.Combine(dir, "results.json"), new EvaluationReport("CREMA-D", false, ["A", "B"], "none", results));
        return dir;
    }

    private static ConfusionMatrix Matrix(int right)
    {
        var matrix = new ConfusionMatrix(2);
        matrix.Add(0, 0, right);
        matrix.Add(0, 1, 10 - right);
        matrix.Add(1, 1, right);
        matrix.Add(1, 0, 10 - right);
        return matrix;
    }
}
