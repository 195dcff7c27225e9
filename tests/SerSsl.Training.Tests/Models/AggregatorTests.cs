using SerSsl.Training.Models;
using TorchSharp;
using static SerSsl.Training.Tests.Models.TorchTestSupport;
using static TorchSharp.torch;

namespace SerSsl.Training.Tests.Models;

public sealed class AggregatorTests
{
    private const int EmbeddingDim = 16;

    public static TheoryData<string> Kinds => [.. Enum.GetNames<AggregatorKind>()];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Forward_ThreeSequencesOfFiveChunks_BatchByEmbedding(string kind)
    {
        using var scope = NewDisposeScope();
        using var aggregator = Seeded(1, () => Aggregators.Create(Tiny(Enum.Parse<AggregatorKind>(kind))));

        var output = aggregator.forward(Randn(2, 3, 5, EmbeddingDim), Mask());

        Assert.Equal([3L, EmbeddingDim], output.shape);
        Assert.True(output.isfinite().all().item<bool>());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Forward_PaddedEmbeddingsChanged_SameOutput(string kind)
    {
        using var scope = NewDisposeScope();
        using var aggregator = Seeded(3, () => Aggregators.Create(Tiny(Enum.Parse<AggregatorKind>(kind))));
        aggregator.eval();
        var mask = Mask();
        var embeddings = Randn(4, 3, 5, EmbeddingDim);
        using var valid = mask.gt(0).unsqueeze(-1);
        var other = Randn(5, 3, 5, EmbeddingDim).mul(100);
        other[1, 4, 0] = tensor(float.NaN);
        var changed = where(valid, embeddings, other);

        using var noGrad = no_grad();
        var expected = aggregator.forward(embeddings, mask);
        var actual = aggregator.forward(changed, mask);

        Assert.Equal(0f, MaxAbsDifference(expected, actual));
    }

    [Fact]
    public void Mean_MaskedRows_MeanOfValidChunksAndZerosWithoutAny()
    {
        using var scope = NewDisposeScope();
        using var aggregator = new MeanAggregator();
        var embeddings = tensor(new float[] { 1, 2, 3, 100, 5, 6, 7, 8 }, [2, 2, 2]);
        var mask = tensor(new float[] { 1, 1, 0, 0 }, [2, 2]);

        var output = aggregator.forward(embeddings, mask);

        Assert.Equal([2f, 51f, 0f, 0f], output.data<float>().ToArray());
    }

    [Fact]
    public void GatedWeights_MaskedRows_SumToOneOverValidChunksAndZeroElsewhere()
    {
        using var scope = NewDisposeScope();
        using var aggregator = Seeded(6, () => new GatedAttentionAggregator(EmbeddingDim, 8));

        var weights = aggregator.Weights(Randn(7, 3, 5, EmbeddingDim), Mask()).data<float>().ToArray();

        for (var b = 0; b < 3; b++)
        {
            var row = weights.AsSpan(b * 5, 5);
            Assert.Equal(1f, row.ToArray().Sum(), 1e-6f);
            for (var k = 0; k < 5; k++)
            {
                if (MaskValues[(b * 5) + k] == 0)
                {
                    Assert.Equal(0f, row[k]);
                }
            }
        }
    }

    [Fact]
    public void Forward_MaskOfWrongShape_Throws()
    {
        using var scope = NewDisposeScope();
        using var aggregator = new MeanAggregator();

        Assert.Throws<ArgumentException>(() => aggregator.forward(Randn(8, 3, 5, EmbeddingDim), ones(3, 4)));
    }
}
