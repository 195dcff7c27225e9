using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SerSsl.Training.Models;

/// <summary>
/// The chunk encoder: a compact 2D CNN from one chunk of normalised log-mel frames, <c>[B, m, bins]</c>, to an
/// embedding <c>[B, D]</c>.
/// </summary>
/// <remarks>
/// <para>
/// The chunk is read as a one-channel image <c>[B, 1, m, bins]</c> (time by frequency). Block i is
/// conv k x k (zero padding k / 2, no bias), batch norm, ReLU, and, after every block but the last, a
/// max pool of <see cref="ModelOptions.PoolSize"/> (floor). A global mean over time and frequency, dropout and a
/// linear projection give the embedding. With the defaults the blocks see 100 x 64, 50 x 32, 25 x 16 and 12 x 8 maps.
/// </para>
/// <para>
/// Only layer types a hand-written ONNX exporter maps directly are used (Conv, BatchNormalization, Relu, MaxPool,
/// ReduceMean, Gemm); every batch norm follows a convolution, so it folds into it at export.
/// </para>
/// </remarks>
internal sealed class ChunkEncoder : nn.Module<Tensor, Tensor>
{
    private readonly Sequential _features;
    private readonly Dropout _dropout;
    private readonly Linear _projection;

    /// <summary>Creates the layers; weights come from the torch default generator (seed it first).</summary>
    /// <param name="options">The architecture.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public ChunkEncoder(ModelOptions options)
        : base(nameof(ChunkEncoder))
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        var inChannels = 1;
        for (var i = 0; i < options.Channels.Count; i++)
        {
            var outChannels = options.Channels[i];
            layers.Add(($"conv{i}", nn.Conv2d(inChannels, outChannels, options.KernelSize, stride: i == 0 ? options.FirstStride : 1, padding: options.KernelSize / 2, bias: false)));
            layers.Add(($"bn{i}", nn.BatchNorm2d(outChannels)));
            layers.Add(($"relu{i}", nn.ReLU()));
            if (i < options.Channels.Count - 1)
            {
                layers.Add(($"pool{i}", nn.MaxPool2d(options.PoolSize, options.PoolSize)));
            }

            inChannels = outChannels;
        }

        _features = nn.Sequential(layers);
        _dropout = nn.Dropout(options.Dropout);
        _projection = nn.Linear(inChannels, options.EmbeddingDim);
        RegisterComponents();
    }

    /// <summary>The architecture.</summary>
    public ModelOptions Options { get; }

    /// <summary>The convolution blocks in order (conv, batch norm, ReLU, pool), for the complexity count and the exporter.</summary>
    internal IEnumerable<(string Name, nn.Module Layer)> FeatureLayers => _features.named_children();

    /// <summary>The final projection from pooled channels to the embedding.</summary>
    internal Linear Projection => _projection;

    /// <summary>Encodes chunks.</summary>
    /// <param name="input">Normalised log-mel chunks, shape <c>[B, m, bins]</c>, float32.</param>
    /// <returns>Embeddings, shape <c>[B, D]</c>.</returns>
    /// <exception cref="ArgumentException">The input shape is not <c>[B, m, bins]</c>.</exception>
    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 3 || input.shape[1] != Options.ChunkFrames || input.shape[2] != Options.MelBins)
        {
            throw new ArgumentException($"The chunk encoder expects [B, {Options.ChunkFrames}, {Options.MelBins}], got [{string.Join(", ", input.shape)}].", nameof(input));
        }

        using var image = input.unsqueeze(1);
        using var maps = _features.forward(image);
        using var pooled = maps.mean([2L, 3L]);
        using var dropped = _dropout.forward(pooled);
        return _projection.forward(dropped);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _features.Dispose();
            _dropout.Dispose();
            _projection.Dispose();
        }

        base.Dispose(disposing);
    }
}
