using SerSsl.Training.Models;
using TorchSharp;
using static SerSsl.Training.Tests.Models.TorchTestSupport;
using static TorchSharp.torch;

namespace SerSsl.Training.Tests.Models;

public sealed class SerModelTests
{
    public static TheoryData<string> Kinds => [.. Enum.GetNames<AggregatorKind>()];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Forward_DefaultModelThreeSequencesOfFiveChunks_OutputShapes(string kind)
    {
        using var scope = NewDisposeScope();
        var options = ModelOptions.Default with { Aggregator = Enum.Parse<AggregatorKind>(kind) };
        using var model = Seeded(10, () => new SerModel(options));
        var chunks = Randn(11, 3, 5, 100, 64);
        var mask = Mask();

        var output = model.forward(chunks, mask);
        var pretext = model.ForwardPretext(chunks, mask);
        var emotion = model.ForwardEmotion(chunks, mask);

        Assert.Equal([3L, 5, 128], output.ChunkEmbeddings.shape);
        Assert.Equal([3L, 128], output.Aggregated.shape);
        Assert.Equal([3L, 6], output.EmotionLogits.shape);
        Assert.Equal([3L, 5], output.EnergyLogits.shape);
        Assert.Equal([3L, 5], output.FaceLogits.shape);
        Assert.Equal([3L, 8], output.AuEmotionLogits.shape);
        Assert.Equal([3L, 5], pretext.EnergyLogits.shape);
        Assert.Equal([3L, 5], pretext.FaceLogits.shape);
        Assert.Equal([3L, 8], pretext.AuEmotionLogits.shape);
        Assert.Equal([3L, 6], emotion.shape);
    }

    [Fact]
    public void ForwardEmotion_PaddedChunksChanged_SameLogitsInEvaluation()
    {
        using var scope = NewDisposeScope();
        using var model = Seeded(12, () => new SerModel(Tiny(AggregatorKind.SelfAttention)));
        model.eval();
        var mask = Mask();
        var chunks = Randn(13, 3, 5, 20, 16);
        using var valid = mask.gt(0).view(3, 5, 1, 1);
        var changed = where(valid, chunks, Randn(14, 3, 5, 20, 16).mul(10));

        using var noGrad = no_grad();
        var expected = model.ForwardEmotion(chunks, mask);
        var actual = model.ForwardEmotion(changed, mask);

        Assert.Equal(0f, MaxAbsDifference(expected, actual));
    }

    [Fact]
    public void EncodeChunks_WrongChunkShape_Throws()
    {
        using var scope = NewDisposeScope();
        using var model = new SerModel(Tiny(AggregatorKind.Mean));

        Assert.Throws<ArgumentException>(() => model.EncodeChunks(zeros(2, 3, 21, 16)));
    }

    [Fact]
    public void LoadEncoder_StateSavedByAnotherModel_IdenticalEncoderOutputs()
    {
        using var scope = NewDisposeScope();
        var options = Tiny(AggregatorKind.Gated);
        using var source = Seeded(20, () => new SerModel(options));
        using var target = Seeded(21, () => new SerModel(options with { Aggregator = AggregatorKind.Mean, EmotionClasses = 4 }));
        var chunks = Randn(22, 4, 3, 20, 16);
        var mask = ones(4, 3);
        source.train();
        using (no_grad())
        {
            _ = source.forward(chunks, mask);   // moves the batch-norm running statistics away from their initial values
        }

        var path = Path.Combine(Path.GetTempPath(), $"serssl-encoder-{Guid.NewGuid():N}.bin");
        try
        {
            source.SaveEncoder(path);
            target.LoadEncoder(path);
        }
        finally
        {
            File.Delete(path);
        }

        source.eval();
        target.eval();
        using var noGrad = no_grad();
        var expected = source.EncodeChunks(chunks);
        var actual = target.EncodeChunks(chunks);
        Assert.Equal(0f, MaxAbsDifference(expected, actual));
    }

    [Fact]
    public void LoadEncoder_StateOfOtherArchitecture_ThrowsInvalidData()
    {
        using var source = new SerModel(Tiny(AggregatorKind.Mean));
        using var target = new SerModel(Tiny(AggregatorKind.Mean) with { Channels = [4, 6] });
        var path = Path.Combine(Path.GetTempPath(), $"serssl-encoder-{Guid.NewGuid():N}.bin");
        try
        {
            source.SaveEncoder(path);

            Assert.Throws<InvalidDataException>(() => target.LoadEncoder(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LoadEncoder_MissingFile_ThrowsFileNotFound()
    {
        using var model = new SerModel(Tiny(AggregatorKind.Mean));

        Assert.Throws<FileNotFoundException>(() => model.LoadEncoder(Path.Combine(Path.GetTempPath(), $"serssl-missing-{Guid.NewGuid():N}.bin")));
    }

    [Fact]
    public void Summary_DefaultModel_NamesEncoderCostAndTotalParameters()
    {
        using var model = new SerModel();

        var summary = model.Summary();

        TestContext.Current.SendDiagnosticMessage(summary);
        Assert.StartsWith("encoder: params ", summary, StringComparison.Ordinal);
        Assert.Contains("MFLOPs", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void EncoderStateDict_TinyEncoder_StableKeys()
    {
        // Saved encoders are looked up by these names: renaming a field breaks every existing checkpoint.
        using var model = new SerModel(Tiny(AggregatorKind.Mean));

        var keys = model.Encoder.state_dict().Keys.Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(
            [
                "_features.bn0.bias", "_features.bn0.num_batches_tracked", "_features.bn0.running_mean", "_features.bn0.running_var", "_features.bn0.weight",
                "_features.bn1.bias", "_features.bn1.num_batches_tracked", "_features.bn1.running_mean", "_features.bn1.running_var", "_features.bn1.weight",
                "_features.conv0.weight", "_features.conv1.weight", "_projection.bias", "_projection.weight",
            ],
            keys);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Train_FewAdamStepsOnRandomData_AllLossesTogetherFall(string kind)
    {
        const int Steps = 30;
        var options = Tiny(Enum.Parse<AggregatorKind>(kind)) with { Dropout = 0.0 };
        using var model = Seeded(30, () => new SerModel(options));
        using var chunks = Randn(31, 6, 3, 20, 16);
        using var mask = tensor(new float[] { 1, 1, 1, 1, 1, 0, 1, 0, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1 }, [6, 3]);
        using var emotion = RandInt(32, 6, 6);
        using var auEmotion = RandInt(33, 8, 6);
        using var energy = RandInt(34, 2, 6, 3).to_type(ScalarType.Float32);
        using var face = RandInt(35, 2, 6, 3).to_type(ScalarType.Float32);
        using var optimizer = optim.Adam(model.parameters(), lr: 0.01);
        model.train();

        var losses = new List<float>();
        for (var step = 0; step < Steps; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var output = model.forward(chunks, mask);
            var loss = nn.functional.cross_entropy(output.EmotionLogits, emotion)
                .add(nn.functional.cross_entropy(output.AuEmotionLogits, auEmotion))
                .add(MaskedBinaryLoss(output.EnergyLogits, energy, mask))
                .add(MaskedBinaryLoss(output.FaceLogits, face, mask));
            loss.backward();
            optimizer.step();
            losses.Add(loss.item<float>());
        }

        TestContext.Current.SendDiagnosticMessage($"{kind}: loss {losses[0]:F3} -> {losses[^1]:F3} in {Steps} steps: {string.Join(" ", losses.Select(l => l.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))}");
        Assert.True(losses[^1] < 0.7f * losses[0], $"loss {losses[0]} -> {losses[^1]}");
    }

    private static Tensor MaskedBinaryLoss(Tensor logits, Tensor targets, Tensor mask) =>
        nn.functional.binary_cross_entropy_with_logits(logits, targets, weight: mask, reduction: nn.Reduction.Sum).div(mask.sum());
}
