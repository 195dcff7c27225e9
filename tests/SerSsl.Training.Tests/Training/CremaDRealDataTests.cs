using SerSsl.Core.Evaluation;
using SerSsl.Core.Features;
using SerSsl.TestSupport;
using SerSsl.Training.Data.CremaD;
using SerSsl.Training.Data.Features;
using SerSsl.Training.Models;
using SerSsl.Training.Training;

namespace SerSsl.Training.Tests.Training;

/// <summary>Fine-tuning on real CREMA-D speech (the Ogg Opus copy and a VAVL fold in the shared data; skipped where absent).</summary>
public sealed class CremaDRealDataTests
{
    [Fact]
    public void FineTune_SmallRealSubsetOfFold1_TestMacroF1IsWellAboveChance()
    {
        // Arrange: fold 1's first 10 training, 3 development and 4 test speakers (about 1,100 clips).
        var crema = RepoPaths.RequireCremaDAudio();
        var fold = VavlFold.Load(RepoPaths.RequireVavlFolds(), 1);
        var dataset = CremaDDataset.Load(crema).WithFold(fold);
        Assert.Equal("Ogg Opus", dataset.AudioCopy);
        var p = fold.Partition;
        var subset = new SpeakerPartition(1, 0, [.. p.TrainActors.Take(10)], [.. p.DevActors.Take(3)], [.. p.TestActors.Take(4)], "fold-1-subset");
        var clips = dataset.Clips.Where(c => subset.SplitOf(c.ActorId) is not null).ToArray();
        var cache = new FeatureCache(RepoPaths.NewTempDirectory("real-features"), new LogMelSettings());
        var computed = cache.GetOrComputeAll([.. clips.Select(static c => (c.AudioPath!, c.Id))], cancellationToken: TestContext.Current.CancellationToken);
        var features = clips.Zip(computed).ToDictionary(static x => x.First.Id, static x => x.Second, StringComparer.Ordinal);
        var data = EmotionData.Build(dataset, subset, features, new LogMelExtractor(cache.Settings).SilenceLevel, chunkFrames: 100, scale: 1);
        var settings = new TrainingSettings { Epochs = 6, BatchSize = 16, Patience = 6, Seed = 1 };
        var output = RepoPaths.NewTempDirectory("real-finetune");

        // Act
        new FineTuner(new TrainingProgress(TextWriter.Null, "real", interactive: false)).Run(data, ModelOptions.Default, settings, EmotionLossKind.CrossEntropy, null, output, new Dictionary<string, string>(), TestContext.Current.CancellationToken);
        using var model = new SerModel(ModelOptions.Default);
        model.load(Path.Combine(output, Checkpoint.BestFile));
        var (matrix, _) = FineTuner.Evaluate(model, data.Test, data, ModelOptions.Default.MelBins, settings.BatchSize, null);
        var metrics = ClassificationMetrics.From(matrix);

        // Assert: six classes, so chance is about 17 % macro F1; this subset measured 29.7 % (seeded, so repeatable).
        TestContext.Current.SendDiagnosticMessage($"real subset: {data.Train.Count} train, {data.Dev.Count} dev, {data.Test.Count} test clips; test macro F1 {metrics.MacroF1:P1}, accuracy {metrics.Accuracy:P1}");
        Assert.True(data.Test.Count > 200, $"{data.Test.Count} test clips");
        Assert.True(metrics.MacroF1 >= 0.25, $"test macro F1 {metrics.MacroF1:P1} on {data.Test.Count} clips of 4 unseen speakers is not well above chance (about 17 %)");
    }
}
