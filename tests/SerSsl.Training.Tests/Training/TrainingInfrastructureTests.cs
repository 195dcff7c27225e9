using SerSsl.TestSupport;
using SerSsl.Training.Models;
using SerSsl.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SerSsl.Training.Tests.Training;

public sealed class TrainingInfrastructureTests : IDisposable
{
    private static readonly ModelOptions s_tiny = new() { Channels = [4, 8], EmbeddingDim = 16, AttentionDim = 8, AttentionHeads = 2, Dropout = 0.1 };
    private readonly string _dir = RepoPaths.NewTempDirectory("training");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void FeatureNormalizer_Fit_GivesPerBinMeanAndStdAndNormalisesToZeroMeanUnitVariance()
    {
        // Two clips, 2 bins: bin 0 takes 1, 3, 5, 7 (mean 4, std sqrt(5)); bin 1 is constant 2 (std floored).
        var normalizer = FeatureNormalizer.Fit([[1, 2, 3, 2], [5, 2, 7, 2]], binCount: 2);

        Assert.Equal(4f, normalizer.Mean[0], 5);
        Assert.Equal(MathF.Sqrt(5), normalizer.Std[0], 5);
        Assert.Equal(2f, normalizer.Mean[1], 5);
        Assert.Equal(FeatureNormalizer.MinStd, normalizer.Std[1]);
        float[] frames = [1, 2, 7, 2];
        normalizer.ApplyInPlace(frames);
        Assert.Equal(-3 / MathF.Sqrt(5), frames[0], 5);
        Assert.Equal(0f, frames[1], 5);
        Assert.Equal(3 / MathF.Sqrt(5), frames[2], 5);
    }

    [Fact]
    public void FeatureNormalizer_NoFrames_ThrowsWithAReason()
    {
        var ex = Assert.Throws<ArgumentException>(() => FeatureNormalizer.Fit([[]], binCount: 64));
        Assert.Contains("no frames", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("energy", 1)]
    [InlineData("energy,face,au", 7)]
    [InlineData("all", 7)]
    [InlineData(" au , face ", 6)]
    [InlineData("none", 0)]
    public void PretextTaskNames_Parse_AcceptsTheCommandLineForms(string text, int expected) =>
        Assert.Equal((PretextTasks)expected, PretextTaskNames.Parse(text));

    [Fact]
    public void PretextTaskNames_UnknownTask_NamesItAndTheChoices()
    {
        var ex = Assert.Throws<ArgumentException>(() => PretextTaskNames.Parse("energy,lips"));
        Assert.Contains("'lips'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("energy, face, au", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PretextTaskNames_AllCombinations_AreTheSevenNonEmptySubsets()
    {
        Assert.Equal(7, PretextTaskNames.AllCombinations.Distinct().Count());
        Assert.DoesNotContain(PretextTasks.None, PretextTaskNames.AllCombinations);
        Assert.Equal("energy+face", PretextTaskNames.Format(PretextTasks.Energy | PretextTasks.Face, "+"));
    }

    [Fact]
    public void TrainingSettings_EpochOrder_IsAPermutationThatDependsOnSeedAndEpochOnly()
    {
        var settings = new TrainingSettings { Seed = 7 };

        var first = settings.EpochOrder(50, epoch: 3);

        Assert.Equal(Enumerable.Range(0, 50), first.Order());
        Assert.Equal(first, settings.EpochOrder(50, epoch: 3));
        Assert.NotEqual(first, settings.EpochOrder(50, epoch: 4));
        Assert.NotEqual(first, (settings with { Seed = 8 }).EpochOrder(50, epoch: 3));
    }

    [Fact]
    public void Pretrainer_InterruptedAndResumed_EndsWithTheSameWeightsAsAnUninterruptedRun()
    {
        var data = RandomPretextData(clips: 12, chunks: 2, seed: 3);
        var settings = new TrainingSettings { Epochs = 3, BatchSize = 4, Seed = 11 };
        var straight = Path.Combine(_dir, "straight");
        var resumed = Path.Combine(_dir, "resumed");

        // Without dropout nothing but the seeded initialisation draws from torch's process-wide generator, which tests
        // running in parallel share; the comparison then cannot depend on their timing.
        var noDropout = s_tiny with { Dropout = 0 };
        var full = new Pretrainer(Quiet()).Run(data, noDropout, settings, PretextTasks.All, straight, new Dictionary<string, string>(), TestContext.Current.CancellationToken);
        using (var stopAfterEpoch2 = new CancellationTokenSource())
        {
            var progress = new TrainingProgress(new CancelOnLine("epoch 2/3", stopAfterEpoch2), "pretrain", interactive: false);
            Assert.ThrowsAny<OperationCanceledException>(() => new Pretrainer(progress).Run(data, noDropout, settings, PretextTasks.All, resumed, new Dictionary<string, string>(), stopAfterEpoch2.Token));
        }

        Assert.Equal(2, Checkpoint.ReadState(resumed).Epoch);
        var finished = new Pretrainer(Quiet()).Run(data, noDropout, settings, PretextTasks.All, resumed, new Dictionary<string, string>(), TestContext.Current.CancellationToken);

        Assert.True(full.Complete);
        Assert.True(finished.Complete);
        Assert.Equal(full.History.Select(h => h.TrainLoss), finished.History.Select(h => h.TrainLoss));
        using var a = new SerModel(s_tiny);
        using var b = new SerModel(s_tiny);
        a.load(Path.Combine(straight, Checkpoint.ModelFile));
        b.load(Path.Combine(resumed, Checkpoint.ModelFile));
        foreach (var (pa, pb) in a.parameters().Zip(b.parameters()))
        {
            Assert.True(pa.equal(pb).all().item<bool>(), "a resumed run must end with the same weights as an uninterrupted one");
        }
    }

    [Fact]
    public void Pretrainer_OnLearnableTargets_LowersThePretextLoss()
    {
        // Energy targets equal to whether the chunk's mean is positive: learnable from the input.
        var data = RandomPretextData(clips: 32, chunks: 2, seed: 5, learnable: true);

        var state = new Pretrainer(Quiet()).Run(data, s_tiny, new TrainingSettings { Epochs = 8, BatchSize = 8, LearningRate = 3e-3, Seed = 2 }, PretextTasks.Energy, Path.Combine(_dir, "learn"), new Dictionary<string, string>(), TestContext.Current.CancellationToken);

        Assert.True(state.History[^1].TrainLoss < 0.8 * state.History[0].TrainLoss, $"loss went {state.History[0].TrainLoss:F4} -> {state.History[^1].TrainLoss:F4}");
        Assert.True(File.Exists(Path.Combine(_dir, "learn", Checkpoint.EncoderFile)));
    }

    [Fact]
    public void TrainingProgress_NotATerminal_PrintsPlainBatchLinesAtTheInterval()
    {
        // Arrange
        var every = new StringWriter();
        var never = new StringWriter();
        var eager = new TrainingProgress(every, "fold1", interactive: false, logInterval: TimeSpan.Zero);
        var patient = new TrainingProgress(never, "fold1", interactive: false, logInterval: TimeSpan.FromHours(1));

        // Act
        foreach (var progress in new[] { eager, patient })
        {
            progress.BeginEpoch();
            for (var b = 1; b <= 4; b++)
            {
                progress.Batch(1, 2, b, 4, 80, 1.0 / b);
            }

            progress.EndEpoch(1, 2, "dev macro F1 50.0 %");
        }

        // Assert: a line per batch but the last (the epoch line follows it), none with a carriage return
        var lines = every.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain('\r', every.ToString());
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("fold1 epoch 1/2  batch 1/4  loss 1.0000", lines[0], StringComparison.Ordinal);
        Assert.Contains("chunks/s  epoch ETA", lines[2], StringComparison.Ordinal);
        Assert.Contains("dev macro F1 50.0 %", lines[3], StringComparison.Ordinal);
        Assert.Single(never.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Checkpoint_ReadState_OnAFolderWithoutOne_SaysWhatToPass()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => Checkpoint.ReadState(_dir));
        Assert.Contains("--out", ex.Message, StringComparison.Ordinal);
    }

    private static TrainingProgress Quiet() => new(TextWriter.Null, "test", interactive: false);

    private static PretextData RandomPretextData(int clips, int chunks, int seed, bool learnable = false)
    {
        var random = new Random(seed);
        var examples = new PretextExample[clips];
        for (var i = 0; i < clips; i++)
        {
            var values = new float[chunks * 100 * 64];
            var energy = new float[chunks];
            for (var k = 0; k < chunks; k++)
            {
                var offset = learnable ? (random.Next(2) == 0 ? -1f : 1f) : 0f;
                energy[k] = learnable ? (offset > 0 ? 1 : 0) : random.Next(2);
                for (var j = 0; j < 6400; j++)
                {
                    values[(k * 6400) + j] = offset + (float)((random.NextDouble() * 2) - 1);
                }
            }

            var face = Enumerable.Range(0, chunks).Select(_ => (float)random.Next(2)).ToArray();
            var faceMask = Enumerable.Range(0, chunks).Select(_ => random.Next(4) == 0 ? 0f : 1f).ToArray();
            examples[i] = new PretextExample($"clip{i}", values, energy, [.. Enumerable.Repeat(1f, chunks)], face, faceMask, random.Next(8), random.Next(5) == 0 ? 0 : 1);
        }

        return new PretextData(examples, new FeatureNormalizer(new float[64], [.. Enumerable.Repeat(1f, 64)]), 100 * chunks, 100, chunks, 0, 0, "random");
    }

    private sealed class CancelOnLine(string marker, CancellationTokenSource source) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value?.Contains(marker, StringComparison.Ordinal) == true)
            {
                source.Cancel();
            }
        }
    }
}
