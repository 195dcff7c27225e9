using System.CommandLine;
using SerSsl.TestSupport;
using SerSsl.Training.Commands;
using SerSsl.Training.Tests.Synthesis;
using SerSsl.Training.Training;

namespace SerSsl.Training.Tests.Training;

/// <summary>The fine-tuning recipe's options through the real command line, on a small synthetic corpus.</summary>
public sealed class RecipeCommandTests : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("recipe");

    public void Dispose() => SynthTestSupport.DeleteQuietly(_dir);

    [Fact]
    public void Finetune_EveryRecipeOption_TrainsSavesTheAverageAndResumesFromIt()
    {
        SynthTestSupport.RequireEspeak();
        var speech = Path.Combine(_dir, "speech");
        var ft = Path.Combine(_dir, "ft");
        string[] common =
        [
            "finetune", "--crema-d", speech, "--out", ft, "--cache", Path.Combine(_dir, "cache"),
            "--channels", "4,8,16", "--embedding-dim", "16", "--patience", "10",
            "--lr-schedule", "cosine", "--warmup-epochs", "0.5", "--spec-augment", "2,6,2,10", "--mixup", "0.3",
            "--label-smoothing", "0.1", "--balanced-sampling", "--train-chunks", "1-2", "--ema", "0.99",
        ];
        TrainCli.Run("synth", "speech", "--out", speech, "--actors", "9", "--sentences", "IEO,TIE", "--seed", "2");

        var first = TrainCli.Run([.. common, "--epochs", "2"]);
        var averageAfterTwo = File.ReadAllBytes(Path.Combine(ft, FineTuner.AverageFile));

        // Leave the folder as a run stopped during epoch 3 of 3 leaves it, and run again.
        Checkpoint.WriteState(ft, Checkpoint.ReadState(ft) with { Complete = false });
        File.Delete(Path.Combine(ft, Experiment.TestResultFile));
        var second = TrainCli.Run([.. common, "--epochs", "3"]);

        Assert.Contains("recipe: warm-up 0.5 epochs, cosine learning rate, SpecAugment 2 x 6 bins, 2 x 10 frames, mixup α 0.3, label smoothing 0.1, class-balanced sampling, 1-2 chunks per clip per step, weight average 0.99, batch norm recalibrated on 50 batches", first, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(ft, FineTuner.AverageFile)), "the averaged weights should be saved with the checkpoint");
        var state = Checkpoint.ReadState(ft);
        Assert.Equal(3, state.History.Count); // the second run resumed after epoch 2
        Assert.Equal(new SpecAugment(2, 6, 2, 10), state.Settings.SpecAugment);
        Assert.Equal(LearningRateScheduleKind.Cosine, state.Settings.Schedule);
        Assert.Equal(0.99, state.Settings.EmaDecay);
        Assert.Equal(new TrainChunks(1, 2), state.Settings.TrainChunks);
        Assert.Contains("epoch 3/3", second, StringComparison.Ordinal);
        Assert.NotEqual(averageAfterTwo, File.ReadAllBytes(Path.Combine(ft, FineTuner.AverageFile)));
        Assert.DoesNotContain("epoch 1/3", second, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(ft, Experiment.TestResultFile)));
    }

    [Theory]
    [InlineData("--spec-augment", "2,8", "--spec-augment")]
    [InlineData("--label-smoothing", "1", "label smoothing")]
    [InlineData("--warmup-epochs", "40", "warm-up")]
    [InlineData("--lr-schedule", "linear", "'cosine'")]
    [InlineData("--train-chunks", "0", "at least 1 chunk per clip")]
    [InlineData("--train-chunks", "4-2", "from the smaller count")]
    [InlineData("--train-chunks", "two", "a range LO-HI")]
    public void Finetune_BadRecipeValue_ExitsWithTwoAndSaysWhich(string option, string value, string named)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = TrainCommandLine.Build()
            .Parse(["finetune", "--crema-d", _dir, "--out", Path.Combine(_dir, "ft"), option, value])
            .Invoke(new InvocationConfiguration { Output = output, Error = error });

        Assert.NotEqual(0, exitCode);
        Assert.Contains(named, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--ema", "0.99" }, 50)]
    [InlineData(new[] { "--ema", "0.99", "--bn-recalibrate", "0" }, 0)]
    [InlineData(new[] { "--ema", "0.99", "--bn-recalibrate", "20" }, 20)]
    [InlineData(new string[0], 0)]
    public void Apply_WeightAverage_RecalibratesBatchNormUnlessTold(string[] args, int expected)
    {
        var recipe = new RecipeOptions();
        var command = new RootCommand();
        recipe.AddTo(command);

        var settings = recipe.Apply(new TrainingSettings(), command.Parse(args));

        Assert.Equal(expected, settings.BatchNormRecalibrationBatches);
    }

    [Fact]
    public void Describe_DefaultSettings_SaysDefaultRecipe() =>
        Assert.Equal("default recipe", RecipeOptions.Describe(new TrainingSettings()));
}
