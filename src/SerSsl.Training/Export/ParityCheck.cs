using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using SerSsl.Core.Models;
using SerSsl.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SerSsl.Training.Export;

/// <summary>The largest differences between ONNX Runtime and the TorchSharp forward pass over a set of cases.</summary>
/// <param name="Embeddings">Max absolute difference of chunk embeddings.</param>
/// <param name="Probabilities">Max absolute difference of emotion probabilities.</param>
/// <param name="Logits">Max absolute difference of emotion logits.</param>
/// <param name="Cases">How many inputs were compared.</param>
internal sealed record ParityReport(float Embeddings, float Probabilities, float Logits, int Cases)
{
    /// <summary>Largest accepted difference of probabilities.</summary>
    public const float ProbabilityTolerance = 1e-4f;

    /// <summary>Largest accepted difference of embeddings.</summary>
    public const float EmbeddingTolerance = 1e-3f;

    /// <summary>A report with no case yet.</summary>
    public static ParityReport Empty { get; } = new(0, 0, 0, 0);

    /// <summary>Whether embeddings and probabilities are within tolerance (NaN never is).</summary>
    public bool WithinTolerance => Embeddings <= EmbeddingTolerance && Probabilities <= ProbabilityTolerance;

    /// <summary>The element-wise maximum of two reports; cases add up.</summary>
    public ParityReport Merge(ParityReport other) =>
        new(Max(Embeddings, other.Embeddings), Max(Probabilities, other.Probabilities), Max(Logits, other.Logits), Cases + other.Cases);

    /// <inheritdoc />
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Cases} cases, max |ONNX - TorchSharp|: embeddings {Embeddings:0.00E+0} (tolerance {EmbeddingTolerance:0E+0}), probabilities {Probabilities:0.00E+0} (tolerance {ProbabilityTolerance:0E+0}), logits {Logits:0.00E+0}");

    // NaN-propagating maximum: a NaN difference must fail the check.
    private static float Max(float a, float b) => float.IsNaN(a) || float.IsNaN(b) ? float.NaN : Math.Max(a, b);
}

/// <summary>
/// Runs the same inputs through a bundle's graphs with ONNX Runtime and through the <see cref="SerModel"/> with
/// TorchSharp (evaluation mode, no gradients) and reports the largest differences.
/// </summary>
internal sealed class ParityCheck : IDisposable
{
    private readonly SerModel _model;
    private readonly ModelManifest _manifest;
    private readonly OnnxSession _encoder;
    private readonly OnnxSession _aggregator;

    /// <summary>Opens both graphs of <paramref name="bundle"/>.</summary>
    /// <param name="model">The model the bundle was exported from; put into evaluation mode.</param>
    /// <param name="bundle">The loaded bundle.</param>
    /// <param name="optimization">ONNX Runtime's graph optimisation level.</param>
    public ParityCheck(SerModel model, ModelBundle bundle, GraphOptimizationLevel optimization = GraphOptimizationLevel.ORT_ENABLE_ALL)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(bundle);
        _model = model;
        _model.eval();
        _manifest = bundle.Manifest;
        _encoder = new OnnxSession(bundle.EncoderPath, optimization);
        try
        {
            _aggregator = new OnnxSession(bundle.AggregatorPath, optimization);
        }
        catch
        {
            _encoder.Dispose();
            throw;
        }
    }

    /// <summary>Random inputs: chunks for the encoder (batch 1 and 5), embeddings for the aggregator (batch 1 and
    /// several, K = 1 and several, padded rows and a fully padded row), and the two graphs chained.</summary>
    /// <param name="seed">Seed of the inputs.</param>
    public ParityReport Random(ulong seed)
    {
        var (m, bins, d) = (_model.Options.ChunkFrames, _model.Options.MelBins, _model.Options.EmbeddingDim);
        var k = Math.Clamp(_manifest.Chunks.MaxChunks, 2, 8);
        var report = ParityReport.Empty;
        report = report.Merge(Encoder(RandomValues(seed, 1 * m * bins), 1));
        report = report.Merge(Encoder(RandomValues(seed + 1, 5 * m * bins), 5));
        report = report.Merge(Aggregator(RandomValues(seed + 2, d), [1f], 1, 1));
        report = report.Merge(Aggregator(RandomValues(seed + 3, 4 * k * d, scale: 3f), PaddedMasks(4, k), 4, k));
        return report.Merge(Chained(RandomValues(seed + 4, 3 * k * m * bins), PaddedMasks(3, k), 3, k));
    }

    /// <summary>Masks <c>[rows, k]</c>: all valid, the last half padded, one valid, none valid, then repeating.</summary>
    public static float[] PaddedMasks(int rows, int k)
    {
        var mask = new float[rows * k];
        for (var r = 0; r < rows; r++)
        {
            var valid = (r % 4) switch { 0 => k, 1 => Math.Max(1, k / 2), 2 => 1, _ => 0 };
            mask.AsSpan(r * k, valid).Fill(1f);
        }

        return mask;
    }

    /// <summary>Compares encoder outputs for <paramref name="batch"/> chunks <c>[batch, m, bins]</c>.</summary>
    public ParityReport Encoder(float[] chunks, int batch)
    {
        var (m, bins) = (_model.Options.ChunkFrames, _model.Options.MelBins);
        var onnx = _encoder.Run(new Dictionary<string, FloatTensor> { [_manifest.Encoder.Input] = new(chunks, [batch, m, bins]) })[_manifest.Encoder.Output];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var torchEmbeddings = _model.Encoder.forward(tensor(chunks, [batch, m, bins]));
        return new ParityReport(MaxDifference(onnx, torchEmbeddings), 0, 0, 1);
    }

    /// <summary>Compares aggregator outputs for embeddings <c>[batch, k, D]</c> and a mask <c>[batch, k]</c>.</summary>
    public ParityReport Aggregator(float[] embeddings, float[] mask, int batch, int k)
    {
        var outputs = RunAggregator(embeddings, mask, batch, k);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = _model.ClassifyEmbeddings(tensor(embeddings, [batch, k, _model.Options.EmbeddingDim]), tensor(mask, [batch, k]));
        return new ParityReport(0, MaxDifference(outputs.Probabilities, logits.softmax(-1)), MaxDifference(outputs.Logits, logits), 1);
    }

    /// <summary>Encodes <c>[batch, k, m, bins]</c> chunks and aggregates them, through both graphs and through the model.</summary>
    public ParityReport Chained(float[] chunks, float[] mask, int batch, int k)
    {
        var (m, bins, d) = (_model.Options.ChunkFrames, _model.Options.MelBins, _model.Options.EmbeddingDim);
        var embeddings = _encoder.Run(new Dictionary<string, FloatTensor> { [_manifest.Encoder.Input] = new(chunks, [batch * k, m, bins]) })[_manifest.Encoder.Output];
        var outputs = RunAggregator(embeddings.Values, mask, batch, k);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var torchEmbeddings = _model.EncodeChunks(tensor(chunks, [batch, k, m, bins]));
        var logits = _model.ClassifyEmbeddings(torchEmbeddings, tensor(mask, [batch, k]));
        return new ParityReport(
            MaxDifference(embeddings with { Shape = [batch, k, d] }, torchEmbeddings),
            MaxDifference(outputs.Probabilities, logits.softmax(-1)),
            MaxDifference(outputs.Logits, logits),
            1);
    }

    /// <summary>Runs the aggregator graph alone.</summary>
    public (FloatTensor Probabilities, FloatTensor Logits) RunAggregator(float[] embeddings, float[] mask, int batch, int k)
    {
        var outputs = _aggregator.Run(new Dictionary<string, FloatTensor>
        {
            [_manifest.Aggregator.EmbeddingsInput] = new(embeddings, [batch, k, _manifest.EmbeddingDim]),
            [_manifest.Aggregator.MaskInput] = new(mask, [batch, k]),
        });
        return (outputs[_manifest.Aggregator.ProbabilitiesOutput], outputs[_manifest.Aggregator.LogitsOutput]);
    }

    /// <summary>Standard normal values from a private generator, times <paramref name="scale"/>.</summary>
    public static float[] RandomValues(ulong seed, int count, float scale = 1f)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(seed);
        return randn([count], generator: generator).mul(scale).data<float>().ToArray();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _encoder.Dispose();
        _aggregator.Dispose();
    }

    private static float MaxDifference(FloatTensor onnx, Tensor torchValues)
    {
        if (!onnx.Shape.SequenceEqual(torchValues.shape))
        {
            throw new InvalidOperationException($"ONNX Runtime returned shape [{string.Join(", ", onnx.Shape)}] where TorchSharp gives [{string.Join(", ", torchValues.shape)}].");
        }

        var expected = OnnxExport.Values(torchValues);
        var max = 0f;
        for (var i = 0; i < expected.Length; i++)
        {
            var difference = Math.Abs(onnx.Values[i] - expected[i]);
            if (float.IsNaN(difference))
            {
                return float.NaN;
            }

            max = Math.Max(max, difference);
        }

        return max;
    }
}
