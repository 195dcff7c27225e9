using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using SerSsl.Core.Labels;
using SerSsl.TestSupport;
using SerSsl.Training.Evaluation;
using SerSsl.Training.Tests.Synthesis;
using SerSsl.Training.Training;

namespace SerSsl.Training.Tests.Training;

/// <summary>
/// The whole training path through the real command line, on small synthetic corpora: synth speech and synth av,
/// pretrain on all three pretext tasks, finetune from the pre-trained encoder with early stopping, evaluate.
/// </summary>
public sealed class TrainingChainTests : IDisposable
{
    private const double Chance = 1.0 / 6;
    private readonly string _dir = RepoPaths.NewTempDirectory("chain");

    public void Dispose() => SynthTestSupport.DeleteQuietly(_dir);

    [Fact]
    public void SynthPretrainFinetuneEvaluate_SmallSyntheticCorpora_ReachesMacroF1WellAboveChance()
    {
        SynthTestSupport.RequireEspeak();
        var speech = Path.Combine(_dir, "speech");
        var av = Path.Combine(_dir, "av");
        var pre = Path.Combine(_dir, "pre");
        var ft = Path.Combine(_dir, "ft");
        var cache = Path.Combine(_dir, "cache");
        string[] model = ["--channels", "8,16,32", "--embedding-dim", "64", "--seed", "3"];

        TrainCli.Run("synth", "speech", "--out", speech, "--actors", "12", "--sentences", "IEO,TIE,IOM,IWW", "--seed", "1");
        TrainCli.Run("synth", "av", "--out", av, "--hours", "0.1", "--seed", "1");
        TrainCli.Run(["pretrain", "--unlabeled", av, "--tasks", "energy,face,au", "--out", pre, "--epochs", "3", "--cache", cache, .. model]);
        TrainCli.Run(["finetune", "--crema-d", speech, "--init", pre, "--out", ft, "--epochs", "20", "--patience", "6", "--cache", cache, .. model]);
        var predictions = Path.Combine(_dir, "eval", "predictions.csv");
        var evaluation = TrainCli.Run("evaluate", "--checkpoint", ft, "--crema-d", speech, "--cache", cache, "--plot", Path.Combine(_dir, "confusion.png"), "--predictions", predictions);

        var pretrained = Checkpoint.ReadState(pre);
        Assert.True(pretrained.Complete);
        Assert.Equal(3, pretrained.History.Count);
        Assert.True(pretrained.History[^1].TrainLoss < pretrained.History[0].TrainLoss, "the pretext loss should fall");
        var result = ResultsJson.Deserialize<PartitionResult>(File.ReadAllText(Path.Combine(ft, Experiment.TestResultFile)));
        // So small a run's trajectory depends on the CPU's floating point (three seeds here: macro-F1 39-44 %,
        // accuracy 46-50 %), so the claim is statistical: far more clips right than guessing gets, and a macro-F1
        // (which punishes ignored classes) well above chance.
        var clips = (int)result.Metrics.Support.Sum();
        var correct = (int)Math.Round(result.Metrics.Accuracy * clips);
        var pValue = BinomialUpperTail(clips, correct, Chance);
        Assert.True(pValue < 1e-4, $"{correct} of {clips} test clips right (accuracy {result.Metrics.Accuracy:P1}): guessing does as well with probability {pValue:G2}");
        Assert.True(result.Metrics.MacroF1 > 1.5 * Chance, $"test macro F1 {result.Metrics.MacroF1:P1} is not well above chance ({Chance:P1})");
        Assert.Contains($"macro F1 {result.Metrics.MacroF1:P1}", evaluation, StringComparison.Ordinal);
        Assert.Contains("synthetic", evaluation, StringComparison.Ordinal);
        Assert.True(new FileInfo(Path.Combine(ft, "curves.png")).Length > 1000);
        Assert.True(new FileInfo(Path.Combine(_dir, "confusion.png")).Length > 1000);
        AssertPredictionsMatchReport(predictions, evaluation);
    }

    [Fact]
    public void Finetune_MissingCremaDFolder_ExitsWithTwoAndAClearMessage()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = TrainCommandLine.Build()
            .Parse(["finetune", "--crema-d", Path.Combine(_dir, "nowhere"), "--out", Path.Combine(_dir, "ft")])
            .Invoke(new InvocationConfiguration { Output = output, Error = error });

        Assert.Equal(2, exitCode);
        Assert.StartsWith("error: ", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The <c>--predictions</c> CSV of <c>sers-train evaluate</c>: one row per evaluated clip, probabilities that sum to 1,
    /// the arg-max as the prediction, and targets and predictions that give the confusion matrix and accuracy printed.
    /// </summary>
    private static void AssertPredictionsMatchReport(string path, string evaluation)
    {
        var lines = File.ReadAllLines(path);
        Assert.Equal("clip,target,predicted,p_ANG,p_DIS,p_FEA,p_HAP,p_NEU,p_SAD", lines[0]);
        var clips = Regex.Match(evaluation, @"^test set of .*: (\d+) clips", RegexOptions.Multiline);
        Assert.True(clips.Success, evaluation);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal(int.Parse(clips.Groups[1].Value, CultureInfo.InvariantCulture), rows.Length);
        Assert.Equal(rows.Length, rows.Select(r => r[0]).Distinct(StringComparer.Ordinal).Count());
        var matrix = new long[CremaDEmotion.Count, CremaDEmotion.Count];
        foreach (var row in rows)
        {
            Assert.Equal(3 + CremaDEmotion.Count, row.Length);
            var p = row[3..].Select(v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
            Assert.All(p, v => Assert.InRange(v, 0.0, 1.0));
            Assert.Equal(1.0, p.Sum(), 1e-5);
            var target = CremaDEmotion.IndexOfCode(row[1]);
            var predicted = CremaDEmotion.IndexOfCode(row[2]);
            Assert.True(target >= 0, $"target '{row[1]}' of {row[0]} is not a class code");
            Assert.Equal(Array.IndexOf(p, p.Max()), predicted);
            matrix[target, predicted]++;
        }

        var printed = Enumerable.Range(0, CremaDEmotion.Count).Select(t => string.Join(' ', Enumerable.Range(0, CremaDEmotion.Count).Select(k => matrix[t, k])));
        Assert.Contains("confusion (rows true, columns predicted): " + string.Join(" | ", printed) + Environment.NewLine, evaluation, StringComparison.Ordinal);
        var accuracy = (double)Enumerable.Range(0, CremaDEmotion.Count).Sum(k => matrix[k, k]) / rows.Length;
        Assert.Contains($"accuracy {accuracy:P1}  ", evaluation, StringComparison.Ordinal);
    }

    /// <summary>P(X ≥ k) for X ~ Binomial(n, p), summed in log space.</summary>
    private static double BinomialUpperTail(int n, int k, double p)
    {
        var tail = 0.0;
        for (var i = k; i <= n; i++)
        {
            tail += Math.Exp(LogChoose(n, i) + (i * Math.Log(p)) + ((n - i) * Math.Log(1 - p)));
        }

        return tail;
    }

    private static double LogChoose(int n, int k)
    {
        var sum = 0.0;
        for (var i = 1; i <= k; i++)
        {
            sum += Math.Log(n - k + i) - Math.Log(i);
        }

        return sum;
    }
}
