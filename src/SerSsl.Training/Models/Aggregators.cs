using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SerSsl.Training.Models;

/// <summary>
/// Builds the aggregator a <see cref="ModelOptions"/> names, and the masking arithmetic the aggregators share.
/// </summary>
/// <remarks>
/// Every aggregator maps chunk embeddings <c>[B, K, D]</c> and a mask <c>[B, K]</c> (float, 1 for a valid chunk,
/// 0 for padding; any value above 0 counts as valid) to <c>[B, D]</c>. Padded embeddings are replaced by zeros before
/// anything reads them, so their values (even NaN) never reach the output. A row with no valid chunk yields zeros.
/// </remarks>
internal static class Aggregators
{
    /// <summary>The score given to padded positions before a softmax: exp underflows to exactly 0 next to any real score.</summary>
    internal const float MaskedScore = -1e9f;

    /// <summary>Creates the aggregator of <paramref name="options"/>.</summary>
    /// <param name="options">The architecture (validated).</param>
    /// <returns>A module <c>([B, K, D], [B, K]) -> [B, D]</c>.</returns>
    public static nn.Module<Tensor, Tensor, Tensor> Create(ModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options.Aggregator switch
        {
            AggregatorKind.Mean => new MeanAggregator(),
            AggregatorKind.Gated => new GatedAttentionAggregator(options.EmbeddingDim, options.AttentionDim),
            AggregatorKind.SelfAttention => new SelfAttentionAggregator(options.EmbeddingDim, options.AttentionHeads, options.Dropout),
            _ => throw new ArgumentException($"Unknown aggregator {options.Aggregator}.", nameof(options)),
        };
    }

    /// <summary>Checks shapes and returns the boolean validity mask <c>[B, K]</c>.</summary>
    /// <param name="embeddings">Chunk embeddings, <c>[B, K, D]</c>.</param>
    /// <param name="mask">Chunk mask, <c>[B, K]</c>.</param>
    /// <exception cref="ArgumentException">The shapes do not fit together.</exception>
    internal static Tensor Valid(Tensor embeddings, Tensor mask)
    {
        if (embeddings.dim() != 3 || mask.dim() != 2 || mask.shape[0] != embeddings.shape[0] || mask.shape[1] != embeddings.shape[1])
        {
            throw new ArgumentException($"Aggregation expects embeddings [B, K, D] and a mask [B, K], got [{string.Join(", ", embeddings.shape)}] and [{string.Join(", ", mask.shape)}].", nameof(mask));
        }

        return mask.gt(0);
    }

    /// <summary>The embeddings with padded positions set to zero: <c>[B, K, D]</c>.</summary>
    /// <param name="embeddings">Chunk embeddings, <c>[B, K, D]</c>.</param>
    /// <param name="valid">Boolean validity, <c>[B, K]</c>.</param>
    internal static Tensor ZeroPadded(Tensor embeddings, Tensor valid)
    {
        using var padded = valid.logical_not().unsqueeze(-1);
        return embeddings.masked_fill(padded, 0);
    }

    /// <summary>The mean over valid positions of zero-padded embeddings: <c>[B, K, D]</c> -> <c>[B, D]</c> (zeros for a row without valid positions).</summary>
    /// <param name="zeroPadded">Embeddings whose padded positions are zero, <c>[B, K, D]</c>.</param>
    /// <param name="valid">Boolean validity, <c>[B, K]</c>.</param>
    internal static Tensor MaskedMean(Tensor zeroPadded, Tensor valid)
    {
        using var sum = zeroPadded.sum(1);
        using var weights = valid.to_type(zeroPadded.dtype);
        using var count = weights.sum(1, keepdim: true).clamp_min(1);
        return sum.div(count);
    }

    /// <summary>Softmax over the last axis restricted to valid positions; all-masked rows give zeros.</summary>
    /// <param name="scores">Scores, <c>[..., K]</c>.</param>
    /// <param name="valid">Boolean validity broadcastable to <paramref name="scores"/>.</param>
    internal static Tensor MaskedSoftmax(Tensor scores, Tensor valid)
    {
        using var invalid = valid.logical_not();
        using var filled = scores.masked_fill(invalid, MaskedScore);
        using var weights = filled.softmax(-1);
        using var zeros = valid.to_type(scores.dtype);
        return weights.mul(zeros);
    }
}

/// <summary>Masked mean aggregation: the mean of the valid chunk embeddings; no parameters.</summary>
internal sealed class MeanAggregator : nn.Module<Tensor, Tensor, Tensor>
{
    /// <summary>Creates the aggregator.</summary>
    public MeanAggregator()
        : base(nameof(MeanAggregator))
    {
    }

    /// <summary>Aggregates.</summary>
    /// <param name="embeddings">Chunk embeddings, <c>[B, K, D]</c>.</param>
    /// <param name="mask">Chunk mask, <c>[B, K]</c>, 1 valid and 0 padded.</param>
    /// <returns>Sequence embeddings, <c>[B, D]</c>.</returns>
    public override Tensor forward(Tensor embeddings, Tensor mask)
    {
        using var valid = Aggregators.Valid(embeddings, mask);
        using var zeroed = Aggregators.ZeroPadded(embeddings, valid);
        return Aggregators.MaskedMean(zeroed, valid);
    }
}

/// <summary>
/// Gated attention pooling (Ilse, Tomczak and Welling, "Attention-based Deep Multiple Instance Learning", 2018):
/// score a_k = w^T (tanh(V h_k) * sigmoid(U h_k)), weights softmax over valid chunks, output sum_k weight_k h_k.
/// </summary>
internal sealed class GatedAttentionAggregator : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear _content;
    private readonly Linear _gate;
    private readonly Linear _score;

    /// <summary>Creates the scorer layers.</summary>
    /// <param name="embeddingDim">D.</param>
    /// <param name="attentionDim">Hidden size L of V and U.</param>
    public GatedAttentionAggregator(int embeddingDim, int attentionDim)
        : base(nameof(GatedAttentionAggregator))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(embeddingDim, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(attentionDim, 1);
        _content = nn.Linear(embeddingDim, attentionDim);
        _gate = nn.Linear(embeddingDim, attentionDim);
        _score = nn.Linear(attentionDim, 1);
        RegisterComponents();
    }

    /// <summary>V, the content projection <c>D -> L</c> (for the exporter).</summary>
    internal Linear Content => _content;

    /// <summary>U, the gate projection <c>D -> L</c> (for the exporter).</summary>
    internal Linear Gate => _gate;

    /// <summary>w, the score projection <c>L -> 1</c> (for the exporter).</summary>
    internal Linear Score => _score;

    /// <summary>The attention weights over chunks.</summary>
    /// <param name="embeddings">Chunk embeddings, <c>[B, K, D]</c>.</param>
    /// <param name="mask">Chunk mask, <c>[B, K]</c>, 1 valid and 0 padded.</param>
    /// <returns>Weights <c>[B, K]</c>, summing to 1 over the valid chunks of each row, 0 at padded ones.</returns>
    public Tensor Weights(Tensor embeddings, Tensor mask)
    {
        using var valid = Aggregators.Valid(embeddings, mask);
        using var zeroed = Aggregators.ZeroPadded(embeddings, valid);
        return ScoreWeights(zeroed, valid);
    }

    /// <summary>Aggregates.</summary>
    /// <param name="embeddings">Chunk embeddings, <c>[B, K, D]</c>.</param>
    /// <param name="mask">Chunk mask, <c>[B, K]</c>, 1 valid and 0 padded.</param>
    /// <returns>Sequence embeddings, <c>[B, D]</c>.</returns>
    public override Tensor forward(Tensor embeddings, Tensor mask)
    {
        using var valid = Aggregators.Valid(embeddings, mask);
        using var zeroed = Aggregators.ZeroPadded(embeddings, valid);
        using var weights = ScoreWeights(zeroed, valid);
        using var column = weights.unsqueeze(-1);
        using var weighted = zeroed.mul(column);
        return weighted.sum(1);
    }

    /// <summary>Attention weights <c>[B, K]</c> of zero-padded embeddings <c>[B, K, D]</c>.</summary>
    private Tensor ScoreWeights(Tensor zeroed, Tensor valid)
    {
        using var content = _content.forward(zeroed);
        using var contentTanh = content.tanh();
        using var gate = _gate.forward(zeroed);
        using var gateSigmoid = gate.sigmoid();
        using var gated = contentTanh.mul(gateSigmoid);
        using var scores = _score.forward(gated);
        using var flat = scores.squeeze(-1);
        return Aggregators.MaskedSoftmax(flat, valid);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _content.Dispose();
            _gate.Dispose();
            _score.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// One multi-head self-attention layer over the chunks (keys restricted to valid chunks), a residual connection and
/// layer norm (post-norm), then the masked mean. Attention is written with MatMul and Softmax so that it exports as
/// plain ONNX operators.
/// </summary>
internal sealed class SelfAttentionAggregator : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear _query;
    private readonly Linear _key;
    private readonly Linear _value;
    private readonly Linear _output;
    private readonly LayerNorm _norm;
    private readonly Dropout _dropout;
    private readonly int _heads;
    private readonly double _scale;

    /// <summary>Creates the layers.</summary>
    /// <param name="embeddingDim">D, divisible by <paramref name="heads"/>.</param>
    /// <param name="heads">Attention heads H.</param>
    /// <param name="dropout">Dropout on the attention weights and on the attention output.</param>
    public SelfAttentionAggregator(int embeddingDim, int heads, double dropout)
        : base(nameof(SelfAttentionAggregator))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(embeddingDim, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(heads, 1);
        if (embeddingDim % heads != 0)
        {
            throw new ArgumentException($"{heads} heads do not divide the embedding size {embeddingDim}.", nameof(heads));
        }

        _heads = heads;
        _scale = 1.0 / Math.Sqrt(embeddingDim / heads);
        _query = nn.Linear(embeddingDim, embeddingDim);
        _key = nn.Linear(embeddingDim, embeddingDim);
        _value = nn.Linear(embeddingDim, embeddingDim);
        _output = nn.Linear(embeddingDim, embeddingDim);
        _norm = nn.LayerNorm(embeddingDim);
        _dropout = nn.Dropout(dropout);
        RegisterComponents();
    }

    /// <summary>Attention heads H (for the exporter).</summary>
    internal int HeadCount => _heads;

    /// <summary>The query projection <c>D -> D</c> (for the exporter).</summary>
    internal Linear Query => _query;

    /// <summary>The key projection <c>D -> D</c> (for the exporter).</summary>
    internal Linear Key => _key;

    /// <summary>The value projection <c>D -> D</c> (for the exporter).</summary>
    internal Linear Value => _value;

    /// <summary>The output projection <c>D -> D</c> (for the exporter).</summary>
    internal Linear Output => _output;

    /// <summary>The post-residual layer norm (for the exporter).</summary>
    internal LayerNorm Norm => _norm;

    /// <summary>Aggregates.</summary>
    /// <param name="embeddings">Chunk embeddings, <c>[B, K, D]</c>.</param>
    /// <param name="mask">Chunk mask, <c>[B, K]</c>, 1 valid and 0 padded.</param>
    /// <returns>Sequence embeddings, <c>[B, D]</c>.</returns>
    public override Tensor forward(Tensor embeddings, Tensor mask)
    {
        using var valid = Aggregators.Valid(embeddings, mask);
        using var x = Aggregators.ZeroPadded(embeddings, valid);
        var (b, k, d) = (x.shape[0], x.shape[1], x.shape[2]);
        using var q = Heads(_query.forward(x), b, k, d);   // [B, H, K, dh]
        using var keys = Heads(_key.forward(x), b, k, d);   // [B, H, K, dh]
        using var v = Heads(_value.forward(x), b, k, d);   // [B, H, K, dh]
        using var keysT = keys.transpose(-2, -1);           // [B, H, dh, K]
        using var raw = q.matmul(keysT);                    // [B, H, K, K]
        using var scores = raw.mul(_scale);
        using var keyValid = valid.view(b, 1, 1, k);
        using var weights = Aggregators.MaskedSoftmax(scores, keyValid);
        using var droppedWeights = _dropout.forward(weights);
        using var context = droppedWeights.matmul(v);      // [B, H, K, dh]
        using var contextT = context.transpose(1, 2);        // [B, K, H, dh]
        using var merged = contextT.reshape(b, k, d);
        using var attended = _output.forward(merged);
        using var droppedOutput = _dropout.forward(attended);
        using var residual = x.add(droppedOutput);
        using var normed = _norm.forward(residual);
        using var normedZeroed = Aggregators.ZeroPadded(normed, valid);
        return Aggregators.MaskedMean(normedZeroed, valid);
    }

    /// <summary>Splits <c>[B, K, D]</c> into heads <c>[B, H, K, D / H]</c> (and disposes the input).</summary>
    private Tensor Heads(Tensor projected, long b, long k, long d)
    {
        using (projected)
        {
            using var split = projected.view(b, k, _heads, d / _heads);
            return split.transpose(1, 2);
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _query.Dispose();
            _key.Dispose();
            _value.Dispose();
            _output.Dispose();
            _norm.Dispose();
            _dropout.Dispose();
        }

        base.Dispose(disposing);
    }
}
