using SerSsl.Training.Diagnostics;
using SerSsl.Training.Models;
using SerSsl.Training.Training;
using static TorchSharp.torch;

namespace SerSsl.Training.Tests.Training;

public sealed class AugmentationTests
{
    [Fact]
    public void SpecAugment_FrequencyMasks_ZeroWholeBandsOfAtMostTheWidthAndLeaveTheInputAlone()
    {
        // Arrange: 40 chunks of ones, two bands of up to 8 bins each.
        TorchSeeding.Seed(11);
        using var chunks = ones(8, 5, 100, 64);
        var masks = new SpecAugment(2, 8, 0, 0);

        // Act
        using var masked = masks.Apply(chunks);

        // Assert: a bin is either zero over all 100 frames or untouched, and at most 16 bins per chunk are zero.
        using var zeroFrames = masked.eq(0).sum(2); // [8, 5, 64]: zero frames per bin
        var perBin = zeroFrames.data<long>().ToArray();
        Assert.All(perBin, n => Assert.True(n is 0 or 100, $"a bin had {n} of 100 frames zeroed"));
        using var zeroBins = zeroFrames.eq(100).sum(2); // [8, 5]
        var perChunk = zeroBins.data<long>().ToArray();
        Assert.All(perChunk, n => Assert.InRange(n, 0, 16));
        Assert.True(perChunk.Count(n => n > 0) >= 30, $"only {perChunk.Count(n => n > 0)} of 40 chunks were masked");
        Assert.Equal(8 * 5 * 100 * 64, chunks.sum().item<float>());
    }

    [Fact]
    public void SpecAugment_TimeMasks_ZeroWholeFramesOfAtMostTheWidth()
    {
        TorchSeeding.Seed(12);
        using var chunks = ones(8, 5, 100, 64);

        using var masked = new SpecAugment(0, 0, 2, 10).Apply(chunks);

        using var zeroBins = masked.eq(0).sum(3); // [8, 5, 100]: zero bins per frame
        Assert.All(zeroBins.data<long>().ToArray(), n => Assert.True(n is 0 or 64, $"a frame had {n} of 64 bins zeroed"));
        using var zeroFrames = zeroBins.eq(64).sum(2);
        var perChunk = zeroFrames.data<long>().ToArray();
        Assert.All(perChunk, n => Assert.InRange(n, 0, 20));
        Assert.True(perChunk.Count(n => n > 0) >= 30);
    }

    [Theory]
    [InlineData("2,8,2,10", 2, 8, 2, 10)]
    [InlineData(" 1, 4 ,0,0 ", 1, 4, 0, 0)]
    public void SpecAugment_Parse_ReadsFourNumbers(string text, int f, int w, int t, int v) =>
        Assert.Equal(new SpecAugment(f, w, t, v), SpecAugment.Parse(text));

    [Theory]
    [InlineData("2,8")]
    [InlineData("2,8,x,10")]
    [InlineData("-1,8,2,10")]
    public void SpecAugment_Parse_BadTextNamesTheOptionAndTheForm(string text)
    {
        var ex = Assert.Throws<ArgumentException>(() => SpecAugment.Parse(text));
        Assert.Contains("--spec-augment", ex.Message, StringComparison.Ordinal);
        Assert.Contains("2,8,2,10", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SpecAugment_NoneAndWidthsTooLarge()
    {
        Assert.False(SpecAugment.Parse("none").Enabled);
        Assert.Throws<ArgumentException>(() => new SpecAugment(1, 64, 0, 0).Validate(100, 64));
        Assert.Throws<ArgumentException>(() => new SpecAugment(0, 0, 1, 100).Validate(100, 64));
        new SpecAugment(1, 63, 1, 99).Validate(100, 64);
    }

    [Fact]
    public void Mixup_ChunksAndTargetsAreTheSameBlendOfTwoClips()
    {
        // Arrange: clip i is filled with the value i and labelled class i, so a blend shows in both.
        const int clips = 6;
        using var chunks = arange(clips, dtype: ScalarType.Float32).view(clips, 1, 1, 1).expand(clips, 2, 3, 4).contiguous();
        using var targets = eye(clips);

        // Act
        var (mixed, mixedTargets, lambda) = Mixup.Apply(chunks, targets, 0.4, new Random(5));

        // Assert: each clip keeps the larger share of itself, the targets still sum to one, and the chunk value is
        // exactly the targets' blend of the clip values.
        using (mixed)
        using (mixedTargets)
        {
            Assert.InRange(lambda, 0.5, 1.0);
            var t = mixedTargets.data<float>().ToArray();
            var values = mixed.select(1, 0).select(1, 0).select(1, 0).data<float>().ToArray();
            for (var i = 0; i < clips; i++)
            {
                var row = t.AsSpan(i * clips, clips).ToArray();
                Assert.Equal(1.0, row.Sum(), 5);
                Assert.True(row[i] >= lambda - 1e-5, $"clip {i} kept {row[i]} of itself, less than λ {lambda}");
                Assert.Equal(row.Select((p, c) => p * c).Sum(), values[i], 4);
            }
        }
    }

    [Fact]
    public void Mixup_Beta_HasTheMeanAndVarianceOfBetaAlphaAlpha()
    {
        const double alpha = 0.4;
        var random = new Random(1);
        var draws = Enumerable.Range(0, 40_000).Select(_ => Mixup.Beta(alpha, random)).ToArray();

        var mean = draws.Average();
        var variance = draws.Select(d => (d - mean) * (d - mean)).Average();

        Assert.All(draws, d => Assert.InRange(d, 0.0, 1.0));
        Assert.Equal(0.5, mean, 2);
        Assert.Equal(1 / (4 * ((2 * alpha) + 1)), variance, 2); // 0.139
        Assert.Throws<ArgumentOutOfRangeException>(() => Mixup.Beta(0, random));
    }

    [Fact]
    public void Augment_LabelSmoothing_SpreadsEpsilonOverTheClasses()
    {
        var settings = new TrainingSettings { LabelSmoothing = 0.12 };
        using var chunks = zeros(2, 1, 3, 4);
        using var hard = tensor(new long[] { 0, 2 });

        var (_, smoothed) = FineTuner.Augment(chunks, hard, settings, SpecAugment.None, 6, new Random(1));

        var values = smoothed.data<float>().ToArray();
        Assert.Equal(0.88 + 0.02, values[0], 5);
        Assert.Equal(0.02, values[1], 5);
        Assert.Equal(0.90, values[6 + 2], 5);
        Assert.Equal(2.0, values.Sum(), 4);
    }

    [Fact]
    public void Augment_AllOff_ReturnsTheSameTensors()
    {
        using var chunks = zeros(2, 1, 3, 4);
        using var hard = tensor(new long[] { 0, 2 });

        var (outChunks, outTargets) = FineTuner.Augment(chunks, hard, new TrainingSettings(), SpecAugment.None, 6, new Random(1));

        Assert.Same(chunks, outChunks);
        Assert.Same(hard, outTargets);
    }

    [Fact]
    public void Schedule_WarmupThenCosine_RisesLinearlyPeaksAndEndsAtTheFinalFactor()
    {
        var settings = new TrainingSettings { Epochs = 10, LearningRate = 0.002, WarmupEpochs = 2, Schedule = LearningRateScheduleKind.Cosine };
        const int batches = 10;
        var rates = Enumerable.Range(1, 10).SelectMany(e => Enumerable.Range(0, batches).Select(b => LearningRateSchedule.At(settings, e, b, batches))).ToArray();

        Assert.Equal(0.002 * 0.05, rates[0], 12); // first step: 1/20 of the warm-up
        Assert.Equal(0.002, rates[19], 12); // warm-up's last step reaches the peak
        Assert.True(rates.Take(20).Zip(rates.Skip(1).Take(19)).All(p => p.Second > p.First), "warm-up must rise");
        Assert.True(rates.Skip(19).Zip(rates.Skip(20)).All(p => p.Second <= p.First), "cosine must not rise");
        Assert.Equal(0.002 * LearningRateSchedule.FinalFactor, rates[^1], 12);
        Assert.Equal(0.002 * (LearningRateSchedule.FinalFactor + ((1 - LearningRateSchedule.FinalFactor) / 2)), LearningRateSchedule.At(settings, 6, batches - 1, batches), 12); // half way
    }

    [Fact]
    public void Schedule_Constant_StaysAtThePeakAfterWarmup()
    {
        var settings = new TrainingSettings { Epochs = 5, LearningRate = 0.001, WarmupEpochs = 0.5 };

        Assert.Equal(0.0002, LearningRateSchedule.At(settings, 1, 0, 10), 12);
        Assert.Equal(0.001, LearningRateSchedule.At(settings, 1, 4, 10), 12);
        Assert.Equal(0.001, LearningRateSchedule.At(settings, 5, 9, 10), 12);
        Assert.Equal(0.001, LearningRateSchedule.At(new TrainingSettings { LearningRate = 0.001 }, 1, 0, 10), 12);
    }

    [Fact]
    public void EpochOrder_BalancedSampling_DrawsClassesEquallyAndRepeatsForTheSameEpoch()
    {
        // 900 clips of class 0 and 100 of class 3.
        var labels = Enumerable.Repeat(0, 900).Concat(Enumerable.Repeat(3, 100)).ToArray();
        var settings = new TrainingSettings { BalancedSampling = true, Seed = 4 };

        var order = settings.EpochOrder(labels, 1);

        Assert.Equal(1000, order.Length);
        Assert.InRange(order.Count(i => labels[i] == 3), 430, 570);
        Assert.Equal(order, settings.EpochOrder(labels, 1));
        Assert.NotEqual(order, settings.EpochOrder(labels, 2));
        Assert.Equal(Enumerable.Range(0, 1000), new TrainingSettings { Seed = 4 }.EpochOrder(labels, 1).Order());
    }

    [Fact]
    public void WeightAverage_Update_BlendsTowardsTheCurrentWeightsAndCopiesBatchNormStatistics()
    {
        var options = new ModelOptions { Channels = [4, 8], EmbeddingDim = 8, AttentionDim = 4, ChunkFrames = 10, MelBins = 8 };
        using var model = TorchSeeding.Seeded(3, () => new SerModel(options));
        using var average = new WeightAverage(model, 0.9, steps: 1_000); // past the ramp: the decay is 0.9
        var parameter = model.parameters().First();
        var before = parameter.clone();
        using (no_grad())
        {
            parameter.add_(1.0f);
            model.buffers().First().fill_(7f);
        }

        average.Update();

        var averaged = average.Model.parameters().First();
        using var expected = before.add(0.1f);
        Assert.True(averaged.allclose(expected, rtol: 0, atol: 1e-6), "the average should move a tenth of the way");
        Assert.Equal(7f, average.Model.buffers().First().max().item<float>());
        Assert.Equal(1_001, average.Steps);
        Assert.False(averaged.requires_grad);
        before.Dispose();
    }

    [Theory]
    [InlineData(nameof(TrainingSettings.WarmupEpochs))]
    [InlineData(nameof(TrainingSettings.LabelSmoothing))]
    [InlineData(nameof(TrainingSettings.EmaDecay))]
    [InlineData(nameof(TrainingSettings.MixupAlpha))]
    public void Validate_OutOfRangeRecipeValue_NamesIt(string name)
    {
        var settings = name switch
        {
            nameof(TrainingSettings.WarmupEpochs) => new TrainingSettings { Epochs = 3, WarmupEpochs = 3 },
            nameof(TrainingSettings.LabelSmoothing) => new TrainingSettings { LabelSmoothing = 1 },
            nameof(TrainingSettings.EmaDecay) => new TrainingSettings { EmaDecay = 1 },
            _ => new TrainingSettings { MixupAlpha = double.NaN },
        };

        var ex = Assert.Throws<ArgumentException>(settings.Validate);
        Assert.Equal(name, ex.ParamName);
    }

    [Fact]
    public void BatchNormRecalibration_EqualBatches_SetsTheMeanOfTheWholeSetAndRestoresTheModel()
    {
        // Arrange: 8 clips of 2 chunks, in 4 batches of 2; the first batch norm's statistics start far off.
        var options = new ModelOptions { Channels = [4, 8], EmbeddingDim = 8, AttentionDim = 4, ChunkFrames = 10, MelBins = 8 };
        using var model = TorchSeeding.Seeded(5, () => new SerModel(options));
        var random = new Random(3);
        var examples = Enumerable.Range(0, 8)
            .Select(i => new EmotionExample($"c{i}", Enumerable.Range(0, 2 * 10 * 8).Select(_ => (float)((random.NextDouble() * 4) - 1)).ToArray(), i % 6))
            .ToArray();
        using var set = ChunkTensors.Build(examples, 2, 10, 8);
        var (conv, norm) = (model.Encoder.FeatureLayers.Select(l => l.Layer).OfType<TorchSharp.Modules.Conv2d>().First(), model.Encoder.FeatureLayers.Select(l => l.Layer).OfType<TorchSharp.Modules.BatchNorm2d>().First());
        using (no_grad())
        {
            norm.running_mean!.fill_(100f);
        }

        // Act
        var used = BatchNormRecalibration.Run(model, set, batches: 10, batchSize: 2, seed: 1);

        // Assert: with equal batches the mean of the batch means is the mean over every chunk.
        using var noGrad = no_grad();
        using var maps = conv.forward(set.Chunks.view(16, 1, 10, 8));
        using var expected = maps.mean([0L, 2L, 3L]);
        Assert.Equal(4, used);
        Assert.True(norm.running_mean!.allclose(expected, rtol: 1e-4, atol: 1e-5), "the running mean should be the whole set's mean");
        Assert.Equal(0.1, norm.momentum);
        Assert.False(model.training);
        Assert.Equal(0, BatchNormRecalibration.Run(model, set, batches: 0, batchSize: 2, seed: 1));
    }
}
