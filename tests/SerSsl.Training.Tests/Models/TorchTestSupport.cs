using SerSsl.Training.Diagnostics;
using SerSsl.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SerSsl.Training.Tests.Models;

/// <summary>Seeded model creation and random data for the model tests.</summary>
internal static class TorchTestSupport
{
    /// <summary>A mask <c>[3, 5]</c>: a full row, a row with two padded chunks, a row with one valid chunk.</summary>
    public static readonly float[] MaskValues =
    [
        1, 1, 1, 1, 1,
        1, 1, 1, 0, 0,
        1, 0, 0, 0, 0,
    ];

    /// <summary>Runs <paramref name="create"/> right after <c>torch.manual_seed(seed)</c> under the process-wide seeding
    /// lock the training code uses too. Data draws use their own generators.</summary>
    public static T Seeded<T>(long seed, Func<T> create) => TorchSeeding.Seeded(seed, create);

    /// <summary>Standard normal values of the given shape from a private generator.</summary>
    public static Tensor Randn(ulong seed, params long[] shape)
    {
        using var generator = new Generator(seed);
        return randn(shape, generator: generator);
    }

    /// <summary>Integers in [0, high) of the given shape (int64) from a private generator.</summary>
    public static Tensor RandInt(ulong seed, long high, params long[] shape)
    {
        using var generator = new Generator(seed);
        return randint(high, shape, dtype: ScalarType.Int64, generator: generator);
    }

    /// <summary>The <see cref="MaskValues"/> mask as a <c>[3, 5]</c> float tensor.</summary>
    public static Tensor Mask() => tensor(MaskValues, [3, 5]);

    /// <summary>A small architecture for fast tests: 20 x 16 chunks, two blocks of 4 and 8 channels, D = 16.</summary>
    public static ModelOptions Tiny(AggregatorKind aggregator) => new()
    {
        ChunkFrames = 20,
        MelBins = 16,
        Channels = [4, 8],
        EmbeddingDim = 16,
        AttentionDim = 8,
        AttentionHeads = 2,
        Aggregator = aggregator,
    };

    /// <summary>The largest absolute difference between two tensors of one shape.</summary>
    public static float MaxAbsDifference(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return a.sub(b).abs().max().item<float>();
    }
}
