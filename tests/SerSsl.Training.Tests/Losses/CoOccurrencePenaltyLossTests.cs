using SerSsl.Training.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace SerSsl.Training.Tests.Losses;

public sealed class CoOccurrencePenaltyLossTests
{
    private static readonly double[,] s_penalty =
    {
        { 0.0, 0.2, 1.0 },
        { 0.2, 0.0, 0.5 },
        { 1.0, 0.5, 0.0 },
    };

    // Row 0: softmax([0, ln 2, 0]) = [0.25, 0.5, 0.25]; row 1: softmax([0, 0, 0]) = [1/3, 1/3, 1/3].
    private static Tensor ToyLogits() => tensor(new float[] { 0f, (float)Math.Log(2), 0f, 0f, 0f, 0f }, [2, 3]);

    [Fact]
    public void Forward_HardLabels_ExceedsCrossEntropyByHandComputedPenalty()
    {
        using var scope = NewDisposeScope();
        using var loss = new CoOccurrencePenaltyLoss(s_penalty, lambda: 0.5);
        var logits = ToyLogits();
        var targets = tensor(new long[] { 0, 2 });

        var total = loss.Forward(logits, targets).item<float>();
        var crossEntropy = ClassificationLosses.CrossEntropy(logits, targets).item<float>();

        // Penalties: row 0 (y = 0) 0.2·0.5 + 1.0·0.25 = 0.35; row 1 (y = 2) (1.0 + 0.5) / 3 = 0.5; λ · mean = 0.5 · 0.425.
        Assert.Equal((Math.Log(4) + Math.Log(3)) / 2, crossEntropy, 1e-6);
        Assert.Equal(0.2125, total - crossEntropy, 1e-6);
    }

    [Fact]
    public void ExpectedPenalty_HardLabels_PerSampleValues()
    {
        using var scope = NewDisposeScope();
        using var loss = new CoOccurrencePenaltyLoss(s_penalty);

        var penalty = loss.ExpectedPenalty(ToyLogits(), tensor(new long[] { 0, 2 })).data<float>().ToArray();

        Assert.Equal(0.35f, penalty[0], 1e-6f);
        Assert.Equal(0.5f, penalty[1], 1e-6f);
    }

    [Fact]
    public void ExpectedPenalty_DistributionAndMultiLabel_WeightRowsByTarget()
    {
        using var scope = NewDisposeScope();
        using var loss = new CoOccurrencePenaltyLoss(s_penalty);
        var logits = ToyLogits();
        var distribution = tensor(new float[] { 0.5f, 0.5f, 0f, 0f, 0f, 1f }, [2, 3]);
        var multiHot = tensor(new long[] { 1, 1, 0, 0, 0, 1 }, [2, 3]);

        var fromDistribution = loss.ExpectedPenalty(logits, distribution).data<float>().ToArray();
        var fromMultiLabel = loss.ExpectedPenalty(logits, ClassificationLosses.MultiLabelToDistribution(multiHot)).data<float>().ToArray();

        // Row 0: 0.5 · (0.2·0.5 + 1.0·0.25) + 0.5 · (0.2·0.25 + 0.5·0.25) = 0.175 + 0.0875.
        Assert.Equal(0.2625f, fromDistribution[0], 1e-6f);
        Assert.Equal(0.5f, fromDistribution[1], 1e-6f);
        Assert.Equal(fromDistribution, fromMultiLabel);
    }

    [Fact]
    public void ExpectedPenalty_ConfidentCorrectPrediction_NearZero()
    {
        using var scope = NewDisposeScope();
        using var loss = new CoOccurrencePenaltyLoss(s_penalty);
        var logits = tensor(new float[] { 20f, 0f, 0f }, [1, 3]);

        var penalty = loss.ExpectedPenalty(logits, tensor(new long[] { 0 })).item<float>();

        Assert.InRange(penalty, 0f, 1e-6f);
    }

    [Fact]
    public void Forward_LambdaZero_EqualsCrossEntropy()
    {
        using var scope = NewDisposeScope();
        using var loss = new CoOccurrencePenaltyLoss(s_penalty, lambda: 0);
        var logits = ToyLogits();
        var targets = tensor(new long[] { 1, 2 });

        Assert.Equal(ClassificationLosses.CrossEntropy(logits, targets).item<float>(), loss.Forward(logits, targets).item<float>());
    }

    [Fact]
    public void Forward_WithClassWeights_UsesClassBalancedCrossEntropy()
    {
        using var scope = NewDisposeScope();
        double[] weights = [2.0, 0.5, 0.5];
        using var loss = new CoOccurrencePenaltyLoss(s_penalty, lambda: 0, classWeights: weights);
        using var balanced = new ClassBalancedCrossEntropy(weights);
        var logits = ToyLogits();
        var targets = tensor(new long[] { 0, 2 });

        Assert.Equal(balanced.Forward(logits, targets).item<float>(), loss.Forward(logits, targets).item<float>(), 1e-6f);
    }

    [Fact]
    public void Forward_Backward_GradientsFiniteAndPenaltyPushesAwayFromCostlyClass()
    {
        using var scope = NewDisposeScope();
        using var plain = new CoOccurrencePenaltyLoss(s_penalty, lambda: 0);
        using var penalised = new CoOccurrencePenaltyLoss(s_penalty, lambda: 1);
        var targets = tensor(new long[] { 0, 2 });
        var plainLogits = ToyLogits().requires_grad_();
        var penalisedLogits = ToyLogits().requires_grad_();

        plain.Forward(plainLogits, targets).backward();
        penalised.Forward(penalisedLogits, targets).backward();

        var plainGrad = plainLogits.grad!.data<float>().ToArray();
        var penalisedGrad = penalisedLogits.grad!.data<float>().ToArray();
        Assert.All(penalisedGrad, g => Assert.True(float.IsFinite(g)));

        // For y = 0, class 2 costs 1.0 and class 1 only 0.2: the penalty raises the gradient on class 2 (pushing its logit down) more.
        Assert.True(penalisedGrad[2] - plainGrad[2] > penalisedGrad[1] - plainGrad[1]);
    }

    [Fact]
    public void FromCoOccurrence_ToyVotes_PenaltyHasZeroDiagonal()
    {
        var co = CoOccurrence.FromVotes([[3, 1, 0], [0, 2, 2], [4, 0, 0]]);

        using var loss = CoOccurrencePenaltyLoss.FromCoOccurrence(co, lambda: 0.3, scale: 2.0);

        var penalty = loss.Penalty;
        Assert.Equal(3, loss.ClassCount);
        Assert.Equal(0.3, loss.Lambda);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0.0, penalty[i, i]);
        }

        Assert.Equal(2.0, penalty[0, 2], 1e-12);
    }

    [Fact]
    public void Constructor_InvalidPenalty_Throws()
    {
        Assert.Throws<ArgumentException>(() => new CoOccurrencePenaltyLoss(new double[2, 3]));
        Assert.Throws<ArgumentException>(() => new CoOccurrencePenaltyLoss(new double[,] { { 0, -1 }, { 1, 0 } }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CoOccurrencePenaltyLoss(new double[2, 2], lambda: -1));
    }

    [Fact]
    public void Forward_LogitsWithOtherClassCount_Throws()
    {
        using var scope = NewDisposeScope();
        using var loss = new CoOccurrencePenaltyLoss(s_penalty);

        Assert.Throws<ArgumentException>(() => loss.Forward(zeros(2, 4), tensor(new long[] { 0, 1 })));
    }

    [Fact]
    public void Forward_ConstructedInsideDisposeScope_SurvivesTheScope()
    {
        CoOccurrencePenaltyLoss loss;
        using (NewDisposeScope())
        {
            loss = new CoOccurrencePenaltyLoss(s_penalty);
        }

        using (loss)
        using (NewDisposeScope())
        {
            Assert.True(float.IsFinite(loss.Forward(ToyLogits(), tensor(new long[] { 0, 1 })).item<float>()));
        }
    }
}
