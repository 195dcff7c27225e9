using SerSsl.Training.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace SerSsl.Training.Tests.Losses;

public sealed class PretextLossesTests
{
    private static readonly float[] s_logits = [1.5f, -0.5f, 0.2f, -2.0f, 0.7f, 3.0f];
    private static readonly bool[] s_mask = [true, false, true, true, false, false];

    [Fact]
    public void MaskedBinaryCrossEntropy_ZeroLogits_IsLog2()
    {
        using var scope = NewDisposeScope();
        var logits = zeros(2, 3);
        var targets = tensor(new float[] { 1, 0, 1, 0, 0, 1 }, [2, 3]);

        var loss = PretextLosses.MaskedBinaryCrossEntropy(logits, targets, tensor(s_mask, [2, 3])).item<float>();

        Assert.Equal((float)Math.Log(2), loss, 1e-6f);
    }

    [Fact]
    public void MaskedBinaryCrossEntropy_MeanOverUnmaskedEntries_MatchesTorchOnThoseEntries()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(s_logits, [2, 3]);
        var targets = tensor(new float[] { 1, 0, 0, 0, 1, 1 }, [2, 3]);
        var mask = tensor(s_mask, [2, 3]);

        var loss = PretextLosses.MaskedBinaryCrossEntropy(logits, targets, mask).item<float>();

        var expected = nn.functional.binary_cross_entropy_with_logits(logits.masked_select(mask), targets.masked_select(mask)).item<float>();
        Assert.Equal(expected, loss, 1e-6f);
    }

    [Fact]
    public void MaskedBinaryCrossEntropy_ChangingMaskedTargets_ChangesNeitherLossNorGradients()
    {
        using var scope = NewDisposeScope();
        var mask = tensor(s_mask, [2, 3]);
        var first = tensor(s_logits, [2, 3]).requires_grad_();
        var second = tensor(s_logits, [2, 3]).requires_grad_();
        var targets = tensor(new float[] { 1, 0, 0, 0, 1, 1 }, [2, 3]);
        var changed = tensor(new float[] { 1, float.NaN, 0, 0, 7, -3 }, [2, 3]);

        var firstLoss = PretextLosses.MaskedBinaryCrossEntropy(first, targets, mask);
        var secondLoss = PretextLosses.MaskedBinaryCrossEntropy(second, changed, mask);
        firstLoss.backward();
        secondLoss.backward();

        Assert.Equal(firstLoss.item<float>(), secondLoss.item<float>());
        var firstGrad = first.grad!.data<float>().ToArray();
        Assert.Equal(firstGrad, second.grad!.data<float>().ToArray());
        Assert.All(firstGrad, g => Assert.True(float.IsFinite(g)));
        Assert.Equal(0f, firstGrad[1]);
        Assert.NotEqual(0f, firstGrad[0]);
    }

    [Fact]
    public void MaskedBinaryCrossEntropy_NumericMask_SameAsBoolMask()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(s_logits, [2, 3]);
        var targets = tensor(new float[] { 1, 0, 0, 0, 1, 1 }, [2, 3]);
        var floatMask = tensor(s_mask.Select(m => m ? 1f : 0f).ToArray(), [2, 3]);

        var fromBool = PretextLosses.MaskedBinaryCrossEntropy(logits, targets, tensor(s_mask, [2, 3])).item<float>();
        var fromFloat = PretextLosses.MaskedBinaryCrossEntropy(logits, targets, floatMask).item<float>();

        Assert.Equal(fromBool, fromFloat);
    }

    [Fact]
    public void MaskedBinaryCrossEntropy_AllMasked_ZeroWithFiniteGradients()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(s_logits, [2, 3]).requires_grad_();
        var targets = full(2, 3, float.NaN);

        var loss = PretextLosses.MaskedBinaryCrossEntropy(logits, targets, zeros(2, 3, dtype: ScalarType.Bool));
        loss.backward();

        Assert.Equal(0f, loss.item<float>());
        Assert.All(logits.grad!.data<float>().ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void MaskedBinaryCrossEntropy_ShapeMismatch_Throws()
    {
        using var scope = NewDisposeScope();

        Assert.Throws<ArgumentException>(() => PretextLosses.MaskedBinaryCrossEntropy(zeros(2, 3), zeros(2, 3), ones(2, 2)));
    }

    [Fact]
    public void MaskedCrossEntropy_IgnoresMaskedSequencesWhateverTheirTargets()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 2, 0, 1, 0, 0, 0, 1, 3, 0 }, [3, 3]).requires_grad_();
        var targets = tensor(new long[] { 0, -1, 1 });
        var mask = tensor(new[] { true, false, true });

        var loss = PretextLosses.MaskedCrossEntropy(logits, targets, mask);
        loss.backward();

        using var kept = tensor(new long[] { 0, 2 });
        var expected = nn.functional.cross_entropy(logits.detach().index_select(0, kept), tensor(new long[] { 0, 1 })).item<float>();
        Assert.Equal(expected, loss.item<float>(), 1e-6f);
        var grad = logits.grad!.data<float>().ToArray();
        Assert.All(grad, g => Assert.True(float.IsFinite(g)));
        Assert.All(grad[3..6], g => Assert.Equal(0f, g));
    }

    [Fact]
    public void MaskedCrossEntropy_AllMasked_Zero()
    {
        using var scope = NewDisposeScope();
        var logits = zeros(2, 8).requires_grad_();

        var loss = PretextLosses.MaskedCrossEntropy(logits, tensor(new long[] { -1, 99 }), zeros(2, dtype: ScalarType.Bool));
        loss.backward();

        Assert.Equal(0f, loss.item<float>());
        Assert.All(logits.grad!.data<float>().ToArray(), g => Assert.Equal(0f, g));
    }
}
