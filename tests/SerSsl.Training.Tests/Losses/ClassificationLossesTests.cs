using SerSsl.Training.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace SerSsl.Training.Tests.Losses;

public sealed class ClassificationLossesTests
{
    private static readonly float[] s_logits = [2.0f, -1.0f, 0.5f, 0.0f, 1.5f, -0.5f, 3.0f, 0.2f, -2.0f, 0.1f, 0.3f, 0.7f];

    [Fact]
    public void CrossEntropy_HardLabels_EqualsTorchCrossEntropy()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(s_logits, [3, 4]);
        var targets = tensor(new long[] { 0, 3, 1 });

        var ours = ClassificationLosses.CrossEntropy(logits, targets).item<float>();
        var torchs = nn.functional.cross_entropy(logits, targets).item<float>();

        Assert.Equal(torchs, ours, 1e-6f);
    }

    [Fact]
    public void CrossEntropy_UniformLogits_IsLogK()
    {
        using var scope = NewDisposeScope();
        var logits = zeros(2, 6);
        var targets = tensor(new long[] { 0, 5 });

        var loss = ClassificationLosses.CrossEntropy(logits, targets).item<float>();

        Assert.Equal((float)Math.Log(6), loss, 1e-6f);
    }

    [Fact]
    public void CrossEntropy_Distributions_EqualsTorchCrossEntropyWithProbabilities()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(s_logits, [3, 4]);
        var targets = tensor(new float[] { 0.7f, 0.3f, 0, 0, 0, 0, 0, 1, 0.25f, 0.25f, 0.25f, 0.25f }, [3, 4]);

        var ours = ClassificationLosses.CrossEntropy(logits, targets).item<float>();
        var torchs = nn.functional.cross_entropy(logits, targets).item<float>();

        Assert.Equal(torchs, ours, 1e-6f);
    }

    [Fact]
    public void CrossEntropy_OneHotDistribution_EqualsHardLabel()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(s_logits, [3, 4]);
        var hard = tensor(new long[] { 2, 0, 3 });
        var oneHot = nn.functional.one_hot(hard, 4).to_type(ScalarType.Float32);

        var fromHard = ClassificationLosses.CrossEntropy(logits, hard).item<float>();
        var fromDistribution = ClassificationLosses.CrossEntropy(logits, oneHot).item<float>();

        Assert.Equal(fromHard, fromDistribution, 1e-6f);
    }

    [Fact]
    public void CrossEntropy_WrongTargetShape_Throws()
    {
        using var scope = NewDisposeScope();
        var logits = zeros(3, 4);

        Assert.Throws<ArgumentException>(() => ClassificationLosses.CrossEntropy(logits, tensor(new long[] { 0, 1 })));
        Assert.Throws<ArgumentException>(() => ClassificationLosses.CrossEntropy(logits, zeros(3, 5)));
        Assert.Throws<ArgumentException>(() => ClassificationLosses.CrossEntropy(logits, zeros(3)));
    }

    [Fact]
    public void ClassBalancedWeights_Counts10_100_1000_MatchHandComputed()
    {
        // w_k = (1 - 0.999) / (1 - 0.999^n_k) = 0.10045083, 0.01050334, 0.00158152, then scaled to sum to 3.
        var weights = ClassBalancedWeights.FromCounts([10, 100, 1000]);

        Assert.Equal(2.677839457338407, weights[0], 1e-9);
        Assert.Equal(0.280000144617327, weights[1], 1e-9);
        Assert.Equal(0.042160398044266, weights[2], 1e-9);
        Assert.Equal(3.0, weights.Sum(), 1e-12);
    }

    [Fact]
    public void ClassBalancedWeights_BetaZero_EqualWeights()
    {
        var weights = ClassBalancedWeights.FromCounts([5, 50, 500], beta: 0.0);

        Assert.All(weights, w => Assert.Equal(1.0, w, 1e-12));
    }

    [Fact]
    public void ClassBalancedWeights_AbsentClass_ZeroWeightOthersSumToK()
    {
        var weights = ClassBalancedWeights.FromCounts([10, 0, 10]);

        Assert.Equal([1.5, 0.0, 1.5], weights);
    }

    [Fact]
    public void ClassBalancedWeights_InvalidInput_Throws()
    {
        Assert.Throws<ArgumentException>(() => ClassBalancedWeights.FromCounts([0, 0]));
        Assert.Throws<ArgumentException>(() => ClassBalancedWeights.FromCounts([1, -1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClassBalancedWeights.FromCounts([1, 2], beta: 1.0));
    }

    [Fact]
    public void ClassBalancedCrossEntropy_HardLabels_IsBatchMeanOfWeightedCrossEntropy()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(s_logits, [3, 4]);
        var targets = tensor(new long[] { 0, 3, 1 });
        double[] weights = [2.0, 0.5, 1.0, 0.5];
        using var loss = new ClassBalancedCrossEntropy(weights);

        var value = loss.Forward(logits, targets).item<float>();

        var perSample = nn.functional.cross_entropy(logits, targets, reduction: nn.Reduction.None).data<float>().ToArray();
        var expected = ((2.0 * perSample[0]) + (0.5 * perSample[1]) + (0.5 * perSample[2])) / 3;
        Assert.Equal(expected, value, 1e-5);
    }

    [Fact]
    public void ClassBalancedCrossEntropy_Backward_FiniteGradients()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(s_logits, [3, 4]).requires_grad_();
        using var loss = ClassBalancedCrossEntropy.FromCounts([10, 100, 1000, 50]);

        loss.Forward(logits, tensor(new long[] { 0, 3, 1 })).backward();

        var grad = logits.grad!.data<float>().ToArray();
        Assert.All(grad, g => Assert.True(float.IsFinite(g)));
        Assert.Contains(grad, g => g != 0);
    }

    [Fact]
    public void MultiLabelToDistribution_RowsSumToOneAndEmptyRowsStayZero()
    {
        using var scope = NewDisposeScope();
        var multiHot = tensor(new long[] { 1, 1, 0, 0, 0, 1, 0, 0, 0 }, [3, 3]);

        var distribution = ClassificationLosses.MultiLabelToDistribution(multiHot).data<float>().ToArray();

        Assert.Equal([0.5f, 0.5f, 0f, 0f, 0f, 1f, 0f, 0f, 0f], distribution);
    }
}
