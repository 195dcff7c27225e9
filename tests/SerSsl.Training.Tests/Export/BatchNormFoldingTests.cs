using SerSsl.Training.Export;
using TorchSharp;
using static SerSsl.Training.Tests.Models.TorchTestSupport;
using static TorchSharp.torch;

namespace SerSsl.Training.Tests.Export;

public sealed class BatchNormFoldingTests
{
    [Fact]
    public void Fold_RandomStatistics_ConvolutionEqualsConvolutionThenBatchNorm()
    {
        using var scope = NewDisposeScope();
        using var conv = Seeded(5, () => nn.Conv2d(3, 5, 3, padding: 1, bias: false));
        using var norm = nn.BatchNorm2d(5);
        using (no_grad())
        {
            norm.running_mean!.copy_(Randn(1, 5));
            norm.running_var!.copy_(Randn(2, 5).abs().add(0.1));
            norm.weight!.copy_(Randn(3, 5));
            norm.bias!.copy_(Randn(4, 5));
        }

        norm.eval();
        var x = Randn(6, 2, 3, 9, 7);

        var (weights, bias) = BatchNormFolding.Fold(
            OnnxExport.Values(conv.weight!), [], OnnxExport.Values(norm.weight!), OnnxExport.Values(norm.bias!),
            OnnxExport.Values(norm.running_mean!), OnnxExport.Values(norm.running_var!), norm.eps);

        using var noGrad = no_grad();
        var expected = norm.forward(conv.forward(x));
        var folded = nn.functional.conv2d(x, tensor(weights, [5, 3, 3, 3]), tensor(bias), padding: [1, 1]);
        Assert.True(MaxAbsDifference(expected, folded) < 1e-5f, $"max difference {MaxAbsDifference(expected, folded)}");
        Assert.True(MaxAbsDifference(expected, conv.forward(x)) > 0.1f, "the statistics should matter");
    }

    [Fact]
    public void Fold_ConvolutionBias_ShiftedAndScaledWithTheMean()
    {
        // One channel of two weights: scale s = 2 / sqrt(3 + 1) = 1; bias' = (b - mean) * s + beta = (5 - 1) * 1 + 0.5.
        var (weights, bias) = BatchNormFolding.Fold([1f, -2f], [5f], [2f], [0.5f], [1f], [3f], epsilon: 1.0);

        Assert.Equal([1f, -2f], weights);
        Assert.Equal([4.5f], bias);
    }

    [Fact]
    public void Fold_LengthsDoNotFit_ThrowsArgumentException()
    {
        var error = Assert.Throws<ArgumentException>(() => BatchNormFolding.Fold([1f, 2f, 3f], [], [1f, 1f], [0f, 0f], [0f, 0f], [1f, 1f], 1e-5));

        Assert.Contains("weights 3", error.Message, StringComparison.Ordinal);
    }
}
