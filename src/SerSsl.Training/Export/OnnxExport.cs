using System.Reflection;
using SerSsl.Core.Models.Onnx;
using SerSsl.Training.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SerSsl.Training.Export;

/// <summary>
/// Translates a <see cref="SerModel"/> into the two ONNX graphs of a model bundle (opset 17, float32, inference mode:
/// dropout is left out, batch norm is folded into the convolutions).
/// </summary>
/// <remarks>
/// <para>
/// Encoder, <c>chunks [batch, m, bins] -> embeddings [batch, D]</c>: Unsqueeze to one channel, then per block
/// Conv (with the folded batch norm as its bias), Relu and MaxPool, a ReduceMean over time and frequency and a Gemm.
/// </para>
/// <para>
/// Aggregator, <c>embeddings [batch, chunks, D], mask [batch, chunks] -> probabilities, logits [batch, C]</c>, with the
/// masking of <see cref="Aggregators"/>: a chunk is valid where mask &gt; 0; padded embeddings become zero with Where
/// (so even NaN there never reaches the output); masked softmax fills -1e9 at padded positions, applies Softmax
/// and multiplies by the mask; the masked mean divides the sum by the valid count clamped to at least 1. Then the
/// emotion head (Gemm) gives the logits and Softmax the probabilities.
/// </para>
/// </remarks>
internal static class OnnxExport
{
    /// <summary>The producer name written into every graph.</summary>
    public const string ProducerName = "sers-train";

    /// <summary>Symbolic name of the batch dimension.</summary>
    public const string BatchDim = "batch";

    /// <summary>Symbolic name of the chunk dimension K.</summary>
    public const string ChunksDim = "chunks";

    /// <summary>
    /// The producer version: sers-train's version without the source revision the build appends after '+', so that
    /// the same weights export to the same bytes from any commit (the manifest records the code version).
    /// </summary>
    public static string ProducerVersion { get; } =
        (typeof(OnnxExport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0").Split('+')[0];

    /// <summary>The encoder graph.</summary>
    /// <param name="model">The model (its weights are read, not changed).</param>
    /// <param name="names">Graph input and output names.</param>
    /// <param name="metadata">Model metadata properties.</param>
    /// <returns>The ONNX model and its parameter count.</returns>
    /// <exception cref="NotSupportedException">The encoder holds a layer the exporter does not translate.</exception>
    public static (ModelProto Model, long Parameters) Encoder(SerModel model, GraphNames names, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(names);
        using var scope = NewDisposeScope();
        var options = model.Options;
        var batch = OnnxDim.Symbolic(BatchDim);
        var g = new OnnxGraphBuilder("serssl_chunk_encoder");
        var x = g.Input(names.Chunks, batch, options.ChunkFrames, options.MelBins);
        x = g.Node("image", "Unsqueeze", [x, g.Int64s("axis_channel", 1)]);

        var layers = model.Encoder.FeatureLayers.ToList();
        for (var i = 0; i < layers.Count; i++)
        {
            var (name, layer) = layers[i];
            switch (layer)
            {
                case Conv2d conv:
                    var norm = i + 1 < layers.Count ? layers[i + 1].Layer as BatchNorm2d : null;
                    x = Conv(g, name, conv, norm, x);
                    if (norm is not null)
                    {
                        i++;
                    }

                    break;
                case ReLU:
                    x = g.Node(name, "Relu", [x]);
                    break;
                case MaxPool2d pool:
                    x = MaxPool(g, name, pool, x);
                    break;
                default:
                    throw new NotSupportedException($"Encoder layer '{name}' ({layer.GetType().Name}) has no ONNX exporter; add one (and a parity test) before training models with it.");
            }
        }

        x = g.Node("pooled", "ReduceMean", [x], OnnxGraphBuilder.Ints("axes", 2, 3), OnnxGraphBuilder.Int("keepdims", 0));
        var projection = model.Encoder.Projection;
        g.Node(names.Embeddings, "Gemm", [x, g.Weights("projection.weight", Values(projection.weight), projection.out_features, projection.in_features), g.Weights("projection.bias", Values(Required(projection.bias, "projection.bias")), projection.out_features)], OnnxGraphBuilder.Int("transB", 1));
        g.Output(names.Embeddings, batch, options.EmbeddingDim);
        var doc = $"SerSsl chunk encoder: {names.Chunks} [batch, {options.ChunkFrames}, {options.MelBins}] normalised log-mel frames -> {names.Embeddings} [batch, {options.EmbeddingDim}]. Batch norm folded into the convolutions.";
        return (g.Build(doc, metadata), g.ParameterCount);
    }

    /// <summary>The aggregator graph: aggregation over chunks and the emotion head.</summary>
    /// <param name="model">The model (its weights are read, not changed).</param>
    /// <param name="names">Graph input and output names.</param>
    /// <param name="metadata">Model metadata properties.</param>
    /// <returns>The ONNX model and its parameter count.</returns>
    public static (ModelProto Model, long Parameters) Aggregator(SerModel model, GraphNames names, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(names);
        using var scope = NewDisposeScope();
        var options = model.Options;
        var batch = OnnxDim.Symbolic(BatchDim);
        var chunks = OnnxDim.Symbolic(ChunksDim);
        var g = new OnnxGraphBuilder($"serssl_{options.Aggregator.ToString().ToLowerInvariant()}_aggregator");
        var embeddings = g.Input(names.Embeddings, batch, chunks, options.EmbeddingDim);
        var mask = g.Input(names.Mask, batch, chunks);

        var masking = new Masking(g, mask);
        var x = masking.ZeroPadded("zeroed", embeddings);
        var pooled = options.Aggregator switch
        {
            AggregatorKind.Mean => masking.Mean("pooled", x),
            AggregatorKind.Gated => Gated(g, masking, (GatedAttentionAggregator)model.Aggregator, x),
            AggregatorKind.SelfAttention => SelfAttention(g, masking, (SelfAttentionAggregator)model.Aggregator, x, options.EmbeddingDim),
            _ => throw new NotSupportedException($"Aggregator {options.Aggregator} has no ONNX exporter."),
        };

        var head = model.EmotionHead;
        g.Node(names.Logits, "Gemm", [pooled, g.Weights("head.weight", Values(head.weight), head.out_features, head.in_features), g.Weights("head.bias", Values(Required(head.bias, "head.bias")), head.out_features)], OnnxGraphBuilder.Int("transB", 1));
        g.Node(names.Probabilities, "Softmax", [names.Logits], OnnxGraphBuilder.Int("axis", -1));
        g.Output(names.Probabilities, batch, options.EmotionClasses);
        g.Output(names.Logits, batch, options.EmotionClasses);
        var doc = $"SerSsl {options.Aggregator} aggregator and emotion head: {names.Embeddings} [batch, chunks, {options.EmbeddingDim}] and {names.Mask} [batch, chunks] (1 valid, 0 padded) -> {names.Probabilities} and {names.Logits} [batch, {options.EmotionClasses}].";
        return (g.Build(doc, metadata), g.ParameterCount);
    }

    /// <summary>A tensor's values as a row-major float array.</summary>
    internal static float[] Values(Tensor tensor)
    {
        using var detached = tensor.detach();
        using var cpu = detached.cpu();
        using var single = cpu.to_type(ScalarType.Float32);
        using var contiguous = single.contiguous();
        return contiguous.data<float>().ToArray();
    }

    private static Tensor Required(Tensor? tensor, string what) =>
        tensor ?? throw new NotSupportedException($"The model has no {what}; the exporter expects the layers SerModel creates.");

    private static string Conv(OnnxGraphBuilder g, string name, Conv2d conv, BatchNorm2d? norm, string x)
    {
        if (conv.padding_mode != PaddingModes.Zeros || conv.transposed || conv.padding is null)
        {
            throw new NotSupportedException($"Convolution '{name}' uses padding mode {conv.padding_mode}{(conv.transposed ? ", transposed" : string.Empty)}; the exporter handles plain zero-padded convolutions.");
        }

        var weights = Values(conv.weight);
        var bias = conv.bias is null ? [] : Values(conv.bias);
        if (norm is not null)
        {
            if (norm.running_mean is null || norm.running_var is null)
            {
                throw new NotSupportedException($"Batch norm after '{name}' tracks no running statistics, so it cannot be folded.");
            }

            var channels = conv.out_channels;
            var gamma = norm.weight is null ? Enumerable.Repeat(1f, (int)channels).ToArray() : Values(norm.weight);
            var beta = norm.bias is null ? new float[channels] : Values(norm.bias);
            (weights, bias) = BatchNormFolding.Fold(weights, bias, gamma, beta, Values(norm.running_mean), Values(norm.running_var), norm.eps);
        }

        var k = conv.kernel_size;
        var padding = conv.padding;
        var w = g.Weights($"{name}.weight", weights, [conv.out_channels, conv.in_channels / conv.groups, .. k]);
        var inputs = bias.Length == 0 ? new[] { x, w } : [x, w, g.Weights($"{name}.bias", bias, conv.out_channels)];
        return g.Node(
            name,
            "Conv",
            inputs,
            OnnxGraphBuilder.Ints("kernel_shape", k),
            OnnxGraphBuilder.Ints("pads", [.. padding, .. padding]),
            OnnxGraphBuilder.Ints("strides", conv.stride),
            OnnxGraphBuilder.Ints("dilations", conv.dilation),
            OnnxGraphBuilder.Int("group", conv.groups));
    }

    private static string MaxPool(OnnxGraphBuilder g, string name, MaxPool2d pool, string x)
    {
        var kernel = pool.kernel_size;
        var stride = pool.stride ?? kernel;
        var padding = pool.padding ?? new long[kernel.Length];
        var dilation = pool.dilation ?? Enumerable.Repeat(1L, kernel.Length).ToArray();
        return g.Node(
            name,
            "MaxPool",
            [x],
            OnnxGraphBuilder.Ints("kernel_shape", kernel),
            OnnxGraphBuilder.Ints("strides", stride),
            OnnxGraphBuilder.Ints("pads", [.. padding, .. padding]),
            OnnxGraphBuilder.Ints("dilations", dilation),
            OnnxGraphBuilder.Int("ceil_mode", pool.ceil_mode ? 1 : 0));
    }

    /// <summary>x W^T + b for <c>[..., in]</c> inputs (MatMul with the transposed weights, then Add).</summary>
    private static string Linear(OnnxGraphBuilder g, string name, Linear linear, string x)
    {
        var (outFeatures, inFeatures) = (linear.out_features, linear.in_features);
        var w = Values(linear.weight);
        var transposed = new float[w.Length];
        for (var o = 0; o < outFeatures; o++)
        {
            for (var i = 0; i < inFeatures; i++)
            {
                transposed[(i * outFeatures) + o] = w[(o * inFeatures) + i];
            }
        }

        var product = g.Node($"{name}.matmul", "MatMul", [x, g.Weights($"{name}.weight_t", transposed, inFeatures, outFeatures)]);
        return linear.bias is null ? product : g.Node(name, "Add", [product, g.Weights($"{name}.bias", Values(linear.bias), outFeatures)]);
    }

    private static string Gated(OnnxGraphBuilder g, Masking masking, GatedAttentionAggregator aggregator, string x)
    {
        var content = g.Node("content_tanh", "Tanh", [Linear(g, "content", aggregator.Content, x)]);
        var gate = g.Node("gate_sigmoid", "Sigmoid", [Linear(g, "gate", aggregator.Gate, x)]);
        var gated = g.Node("gated", "Mul", [content, gate]);
        var scores = Linear(g, "score", aggregator.Score, gated);                              // [B, K, 1]
        var flat = g.Node("scores", "Squeeze", [scores, g.Int64s("axis_score", 2)]);             // [B, K]
        var weights = masking.Softmax("attention", flat, masking.Valid, masking.ValidFloat);   // [B, K]
        var column = g.Node("attention_column", "Unsqueeze", [weights, g.Int64s("axis_weight", 2)]);
        var weighted = g.Node("weighted", "Mul", [x, column]);
        return g.Node("pooled", "ReduceSum", [weighted, g.Int64s("axis_chunks", 1)], OnnxGraphBuilder.Int("keepdims", 0));
    }

    private static string SelfAttention(OnnxGraphBuilder g, Masking masking, SelfAttentionAggregator aggregator, string x, int embeddingDim)
    {
        var heads = aggregator.HeadCount;
        var headDim = embeddingDim / heads;
        var split = g.Int64s("shape_heads", 0, 0, heads, headDim);
        string Heads(string name, Linear linear, long[] perm) =>
            g.Node($"{name}_heads", "Transpose", [g.Node($"{name}_split", "Reshape", [Linear(g, name, linear, x), split])], OnnxGraphBuilder.Ints("perm", perm));

        var q = Heads("query", aggregator.Query, [0, 2, 1, 3]);          // [B, H, K, dh]
        var keysT = Heads("key", aggregator.Key, [0, 2, 3, 1]);          // [B, H, dh, K]
        var v = Heads("value", aggregator.Value, [0, 2, 1, 3]);          // [B, H, K, dh]
        var raw = g.Node("scores_raw", "MatMul", [q, keysT]);            // [B, H, K, K]
        var scores = g.Node("scores", "Mul", [raw, g.Scalar("scale", (float)(1.0 / Math.Sqrt(headDim)))]);
        var keyValid = g.Node("key_valid", "Unsqueeze", [masking.Valid, g.Int64s("axes_key", 1, 2)]);       // [B, 1, 1, K]
        var keyValidFloat = g.Node("key_valid_float", "Cast", [keyValid], OnnxGraphBuilder.Int("to", (long)TensorProto.Types.DataType.Float));
        var weights = masking.Softmax("attention", scores, keyValid, keyValidFloat);                      // [B, H, K, K]
        var context = g.Node("context", "MatMul", [weights, v]);                                         // [B, H, K, dh]
        var contextT = g.Node("context_t", "Transpose", [context], OnnxGraphBuilder.Ints("perm", 0, 2, 1, 3));
        var merged = g.Node("merged", "Reshape", [contextT, g.Int64s("shape_merged", 0, 0, embeddingDim)]);
        var attended = Linear(g, "output", aggregator.Output, merged);
        var residual = g.Node("residual", "Add", [x, attended]);
        var norm = aggregator.Norm;
        var normed = g.Node(
            "normed",
            "LayerNormalization",
            [residual, g.Weights("norm.weight", Values(Required(norm.weight, "norm.weight")), embeddingDim), g.Weights("norm.bias", Values(Required(norm.bias, "norm.bias")), embeddingDim)],
            OnnxGraphBuilder.Int("axis", -1),
            OnnxGraphBuilder.Float("epsilon", (float)norm.eps));
        var normedZeroed = masking.ZeroPadded("normed_zeroed", normed);
        return masking.Mean("pooled", normedZeroed);
    }

    /// <summary>The graph's mask arithmetic, mirroring <see cref="Aggregators"/>.</summary>
    private sealed class Masking
    {
        private readonly OnnxGraphBuilder _g;
        private readonly string _validColumn;
        private readonly string _zero;

        public Masking(OnnxGraphBuilder g, string mask)
        {
            _g = g;
            _zero = g.Scalar("zero", 0f);
            Valid = g.Node("valid", "Greater", [mask, _zero]);                                                       // bool [B, K]
            ValidFloat = g.Node("valid_float", "Cast", [Valid], OnnxGraphBuilder.Int("to", (long)TensorProto.Types.DataType.Float));
            _validColumn = g.Node("valid_column", "Unsqueeze", [Valid, g.Int64s("axis_column", 2)]);                 // bool [B, K, 1]
        }

        /// <summary>Boolean validity <c>[B, K]</c>.</summary>
        public string Valid { get; }

        /// <summary>Validity as 1 / 0 floats <c>[B, K]</c>.</summary>
        public string ValidFloat { get; }

        /// <summary>Where(valid, x, 0) for <c>[B, K, D]</c> values.</summary>
        public string ZeroPadded(string name, string x) => _g.Node(name, "Where", [_validColumn, x, _zero]);

        /// <summary>Sum over K of zero-padded values divided by max(valid count, 1): <c>[B, K, D] -> [B, D]</c>.</summary>
        public string Mean(string name, string zeroPadded)
        {
            var sum = _g.Node($"{name}_sum", "ReduceSum", [zeroPadded, _g.Int64s($"{name}_axes", 1)], OnnxGraphBuilder.Int("keepdims", 0));
            var count = _g.Node($"{name}_count", "ReduceSum", [ValidFloat, _g.Int64s($"{name}_count_axes", 1)], OnnxGraphBuilder.Int("keepdims", 1));
            var clamped = _g.Node($"{name}_count_clamped", "Max", [count, _g.Scalar($"{name}_one", 1f)]);
            return _g.Node(name, "Div", [sum, clamped]);
        }

        /// <summary>Softmax over the last axis with -1e9 at invalid positions, times the validity.</summary>
        public string Softmax(string name, string scores, string valid, string validFloat)
        {
            var filled = _g.Node($"{name}_filled", "Where", [valid, scores, _g.Scalar($"{name}_masked_score", Aggregators.MaskedScore)]);
            var weights = _g.Node($"{name}_softmax", "Softmax", [filled], OnnxGraphBuilder.Int("axis", -1));
            return _g.Node(name, "Mul", [weights, validFloat]);
        }
    }
}

/// <summary>The graph input and output names of a bundle (the manifest's).</summary>
/// <param name="Chunks">Encoder input.</param>
/// <param name="Embeddings">Encoder output and aggregator input.</param>
/// <param name="Mask">Aggregator mask input.</param>
/// <param name="Probabilities">Aggregator probabilities output.</param>
/// <param name="Logits">Aggregator logits output.</param>
internal sealed record GraphNames(string Chunks, string Embeddings, string Mask, string Probabilities, string Logits)
{
    /// <summary>The names every exported bundle uses.</summary>
    public static GraphNames Default { get; } = new("chunks", "embeddings", "mask", "probabilities", "logits");
}
