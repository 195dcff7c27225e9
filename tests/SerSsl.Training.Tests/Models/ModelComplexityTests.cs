using SerSsl.Training.Models;
using static SerSsl.Training.Tests.Models.TorchTestSupport;

namespace SerSsl.Training.Tests.Models;

public sealed class ModelComplexityTests
{
    [Fact]
    public void Of_DefaultEncoder_WithinFiftyMegaFlopsPerChunk()
    {
        using var encoder = new ChunkEncoder(ModelOptions.Default);

        var complexity = ModelComplexity.Of(encoder);

        TestContext.Current.SendDiagnosticMessage($"default chunk encoder: {complexity.Summary}");
        Assert.True(complexity.MegaFlops <= ModelComplexity.EncoderBudgetMegaFlops, complexity.Summary);
        Assert.Equal(ModelOptions.Default.EmbeddingDim.ToString(System.Globalization.CultureInfo.InvariantCulture), complexity.Layers[^1].OutputShape);
    }

    [Fact]
    public void Of_TinyEncoder_MatchesHandCount()
    {
        // 4 x 4 chunk, blocks of 2 and 3 channels, 3 x 3 kernels, pool 2, D = 3.
        //   conv0 1->2 at 4x4, no bias: 2 * (2*16 outputs * 9 taps) = 576 FLOPs, 18 weights
        //   bn0: 2 * 32 = 64 FLOPs, 4 params;  relu0: 32;  pool0 -> 2x2x2: 8 outputs * 3 comparisons = 24
        //   conv1 2->3 at 2x2: 2 * (12 outputs * 18 taps) = 432 FLOPs, 54 weights
        //   bn1: 2 * 12 = 24 FLOPs, 6 params;  relu1: 12;  global mean: 12
        //   linear 3->3: 2 * 9 + 3 = 21 FLOPs, 12 params
        var options = new ModelOptions { ChunkFrames = 4, MelBins = 4, Channels = [2, 3], EmbeddingDim = 3 };
        using var encoder = new ChunkEncoder(options);

        var complexity = ModelComplexity.Of(encoder);

        Assert.Equal(576 + 64 + 32 + 24 + 432 + 24 + 12 + 12 + 21, complexity.Flops);
        Assert.Equal(18 + 4 + 54 + 6 + 12, complexity.Parameters);
        Assert.Equal("params 94, MFLOPs 0.00", complexity.Summary);
    }

    [Fact]
    public void Of_FirstStrideTwo_QuartersTheMapsAndTheEncoderRunsOnThem()
    {
        var strided = ModelOptions.Default with { FirstStride = 2 };
        using var full = new ChunkEncoder(ModelOptions.Default);
        using var encoder = new ChunkEncoder(strided);

        var complexity = ModelComplexity.Of(encoder);
        using var input = TorchSharp.torch.randn(2, strided.ChunkFrames, strided.MelBins);
        using var output = encoder.forward(input);

        Assert.Equal("16x50x32", complexity.Layers[0].OutputShape);
        Assert.InRange(complexity.MegaFlops / ModelComplexity.Of(full).MegaFlops, 0.22, 0.28);
        Assert.Equal([2L, strided.EmbeddingDim], output.shape);
        Assert.NotEqual(ModelOptions.Default, strided);
        Assert.Equal(strided, ModelOptions.FromJson(strided.ToJson()));
        Assert.Throws<ArgumentException>(() => (ModelOptions.Default with { FirstStride = 0 }).Validate());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Of_Encoder_ParameterCountEqualsTorchSharpElementCount(bool tiny)
    {
        using var encoder = new ChunkEncoder(tiny ? Tiny(AggregatorKind.Mean) : ModelOptions.Default);

        var counted = ModelComplexity.Of(encoder).Parameters;

        Assert.Equal(encoder.parameters().Sum(p => p.numel()), counted);
    }
}
