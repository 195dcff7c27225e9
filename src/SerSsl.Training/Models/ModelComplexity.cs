using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SerSsl.Training.Models;

/// <summary>The cost of one layer for one input (batch size 1).</summary>
/// <param name="Name">The layer's name in the module.</param>
/// <param name="Kind">The layer type.</param>
/// <param name="OutputShape">The output shape without the batch axis, e.g. <c>16x100x64</c>.</param>
/// <param name="Parameters">Trainable parameter elements.</param>
/// <param name="Flops">Floating-point operations (see <see cref="ModelComplexity"/> for the convention).</param>
internal sealed record LayerComplexity(string Name, string Kind, string OutputShape, long Parameters, long Flops);

/// <summary>The cost of a module, layer by layer.</summary>
/// <param name="Layers">The layers in execution order.</param>
internal sealed record ModuleComplexity(IReadOnlyList<LayerComplexity> Layers)
{
    /// <summary>Trainable parameter elements.</summary>
    public long Parameters => Layers.Sum(l => l.Parameters);

    /// <summary>Floating-point operations for one input.</summary>
    public long Flops => Layers.Sum(l => l.Flops);

    /// <summary><see cref="Flops"/> in millions.</summary>
    public double MegaFlops => Flops / 1e6;

    /// <summary>"params N, MFLOPs X" (X with two decimals).</summary>
    public string Summary => string.Create(CultureInfo.InvariantCulture, $"params {Parameters}, MFLOPs {MegaFlops:F2}");
}

/// <summary>
/// Counts parameters and FLOPs of the chunk encoder analytically, walking its layers and their output shapes.
/// </summary>
/// <remarks>
/// Convention, per input of batch size 1 at inference: convolution and linear layers count 2 FLOPs per
/// multiply-add plus 1 per output for a bias; batch norm 2 per element (scale and shift; it folds into the
/// convolution at export, so the exported graph costs slightly less); ReLU 1 per element; max pooling
/// (k*k - 1) comparisons per output; the global mean 1 per input element; dropout 0. A layer type the walk does not
/// know is an error, which keeps the encoder within the layer set the ONNX exporter maps.
/// </remarks>
internal static class ModelComplexity
{
    /// <summary>The design's budget for one 1-second chunk: 50 MFLOPs.</summary>
    public const double EncoderBudgetMegaFlops = 50.0;

    /// <summary>The per-layer cost of <paramref name="encoder"/> for one chunk.</summary>
    /// <param name="encoder">The encoder.</param>
    /// <returns>Layers in execution order (feature layers, global mean, projection).</returns>
    /// <exception cref="NotSupportedException">The encoder holds a layer type the walk does not know.</exception>
    public static ModuleComplexity Of(ChunkEncoder encoder)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        var layers = new List<LayerComplexity>();
        long c = 1, h = encoder.Options.ChunkFrames, w = encoder.Options.MelBins;
        foreach (var (name, layer) in encoder.FeatureLayers)
        {
            switch (layer)
            {
                case Conv2d conv:
                    {
                        if (conv.in_channels != c)
                        {
                            throw new InvalidOperationException($"Layer {name} expects {conv.in_channels} channels but receives {c}.");
                        }

                        var padding = conv.padding ?? throw new NotSupportedException($"Layer {name} uses symbolic padding; the walk needs explicit sizes.");
                        var (kh, kw) = (conv.kernel_size[0], conv.kernel_size[1]);
                        h = OutputSize(h, kh, conv.stride[0], padding[0], conv.dilation[0]);
                        w = OutputSize(w, kw, conv.stride[1], padding[1], conv.dilation[1]);
                        var hasBias = conv.bias is not null;
                        var weights = conv.out_channels * (conv.in_channels / conv.groups) * kh * kw;
                        c = conv.out_channels;
                        var outputs = c * h * w;
                        var macs = outputs * (conv.in_channels / conv.groups) * kh * kw;
                        layers.Add(new(name, "Conv2d", Shape(c, h, w), weights + (hasBias ? c : 0), (2 * macs) + (hasBias ? outputs : 0)));
                        break;
                    }

                case BatchNorm2d norm:
                    layers.Add(new(name, "BatchNorm2d", Shape(c, h, w), norm.affine ? 2 * c : 0, 2 * c * h * w));
                    break;
                case ReLU:
                    layers.Add(new(name, "ReLU", Shape(c, h, w), 0, c * h * w));
                    break;
                case MaxPool2d pool:
                    {
                        var (kh, kw) = (pool.kernel_size[0], pool.kernel_size.Length > 1 ? pool.kernel_size[1] : pool.kernel_size[0]);
                        var stride = pool.stride ?? pool.kernel_size;
                        var padding = pool.padding ?? [0, 0];
                        h = OutputSize(h, kh, stride[0], padding[0], 1);
                        w = OutputSize(w, kw, stride.Length > 1 ? stride[1] : stride[0], padding.Length > 1 ? padding[1] : padding[0], 1);
                        layers.Add(new(name, "MaxPool2d", Shape(c, h, w), 0, c * h * w * ((kh * kw) - 1)));
                        break;
                    }

                case Dropout:
                    layers.Add(new(name, "Dropout", Shape(c, h, w), 0, 0));
                    break;
                default:
                    throw new NotSupportedException($"The complexity walk does not know layer {name} ({layer.GetType().Name}).");
            }
        }

        layers.Add(new("mean", "GlobalMean", Shape(c), 0, c * h * w));
        var projection = encoder.Projection;
        if (projection.in_features != c)
        {
            throw new InvalidOperationException($"The projection expects {projection.in_features} features but receives {c}.");
        }

        var linearBias = projection.bias is not null;
        var outFeatures = projection.out_features;
        layers.Add(new(
            "projection",
            "Linear",
            Shape(outFeatures),
            (c * outFeatures) + (linearBias ? outFeatures : 0),
            (2 * c * outFeatures) + (linearBias ? outFeatures : 0)));
        return new ModuleComplexity(layers);
    }

    private static long OutputSize(long input, long kernel, long stride, long padding, long dilation) =>
        ((input + (2 * padding) - (dilation * (kernel - 1)) - 1) / stride) + 1;

    private static string Shape(params long[] dims) => string.Join("x", dims);
}
