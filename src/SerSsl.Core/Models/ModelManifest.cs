using SerSsl.Core.Features;

namespace SerSsl.Core.Models;

/// <summary>
/// <c>manifest.json</c> of a model bundle: what the two ONNX graphs expect and produce, and everything the runtime
/// needs to feed them exactly as in training (feature settings, normalisation, chunking) and to describe them
/// (labels, provenance).
/// </summary>
/// <remarks>
/// Property names are written in camelCase. Graph contract (all float32):
/// the encoder maps <c>[batch, ChunkFrames, MelBins]</c> normalised log-mel chunks to <c>[batch, EmbeddingDim]</c>;
/// the aggregator maps <c>[batch, K, EmbeddingDim]</c> embeddings and a <c>[batch, K]</c> mask (1 valid, 0 padded)
/// to <c>[batch, Labels.Count]</c> probabilities (softmax) and logits, for any K from 1 to <see cref="ChunkSettings.MaxChunks"/>.
/// </remarks>
public sealed record ModelManifest
{
    /// <summary>The manifest format this code reads and writes.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>Format version of the file; loading rejects versions it does not know.</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>A short name for the model, e.g. <c>sers-default</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Output labels of the emotion head, in output order (e.g. CREMA-D's ANG, DIS, FEA, HAP, NEU, SAD).</summary>
    public required IReadOnlyList<string> Labels { get; init; }

    /// <summary>The log-mel settings the model was trained on.</summary>
    public required LogMelSettings Features { get; init; }

    /// <summary>Per-bin statistics applied to every log-mel frame before the encoder: (x - mean) / std.</summary>
    public required FeatureNormalization Normalization { get; init; }

    /// <summary>Chunk length, streaming hop and context.</summary>
    public required ChunkSettings Chunks { get; init; }

    /// <summary>Embedding size D between the two graphs.</summary>
    public required int EmbeddingDim { get; init; }

    /// <summary>The chunk encoder graph.</summary>
    public required GraphFile Encoder { get; init; }

    /// <summary>The aggregator and emotion head graph.</summary>
    public required AggregatorGraphFile Aggregator { get; init; }

    /// <summary>
    /// An int8 (QDQ) copy of the encoder written by <c>sers-train quantize</c>, with the same input and output, or null
    /// when the bundle has only the float32 encoder. The runtime uses it when asked for int8 precision.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public QuantizedGraphFile? EncoderInt8 { get; init; }

    /// <summary>Where the model came from.</summary>
    public required ModelProvenance Provenance { get; init; }
}

/// <summary>Global per-bin feature statistics of the training data.</summary>
public sealed record FeatureNormalization
{
    /// <summary>Per-bin mean, one value per mel bin.</summary>
    public required float[] Mean { get; init; }

    /// <summary>Per-bin standard deviation, one positive value per mel bin.</summary>
    public required float[] Std { get; init; }
}

/// <summary>How log-mel frames are cut into chunks.</summary>
public sealed record ChunkSettings
{
    /// <summary>m, frames per chunk (the encoder's time axis). 100 = 1 s at a 10 ms hop.</summary>
    public required int Frames { get; init; }

    /// <summary>Streaming hop between chunk starts in frames; 25 = an estimate every 250 ms.</summary>
    public required int DefaultHopFrames { get; init; }

    /// <summary>Largest K the aggregator was trained for: the rolling estimate combines at most this many chunks.</summary>
    public required int MaxChunks { get; init; }
}

/// <summary>An ONNX graph file of the bundle with one input and one output.</summary>
public sealed record GraphFile
{
    /// <summary>File name relative to the bundle folder.</summary>
    public required string File { get; init; }

    /// <summary>Name of the graph input.</summary>
    public required string Input { get; init; }

    /// <summary>Name of the graph output.</summary>
    public required string Output { get; init; }
}

/// <summary>The int8 encoder graph: the same input and output as the float32 encoder, and how it was calibrated.</summary>
public sealed record QuantizedGraphFile
{
    /// <summary>File name relative to the bundle folder.</summary>
    public required string File { get; init; }

    /// <summary>Name of the graph input (the float32 encoder's).</summary>
    public required string Input { get; init; }

    /// <summary>Name of the graph output (the float32 encoder's).</summary>
    public required string Output { get; init; }

    /// <summary>What the activation ranges were measured on, e.g. <c>2,000 chunks of 500 clips under CREMA-D/AudioOpus</c>.</summary>
    public required string Calibration { get; init; }

    /// <summary>Largest difference of probabilities from the float32 bundle over the held-out check, as measured at quantization.</summary>
    public required float MaxProbabilityDifference { get; init; }

    /// <summary>Share of held-out clips whose most likely label the int8 bundle keeps, as measured at quantization.</summary>
    public required float TopLabelAgreement { get; init; }
}

/// <summary>The aggregator graph file: embeddings and mask in, probabilities and logits out.</summary>
public sealed record AggregatorGraphFile
{
    /// <summary>File name relative to the bundle folder.</summary>
    public required string File { get; init; }

    /// <summary>Name of the embeddings input, <c>[batch, K, D]</c>.</summary>
    public required string EmbeddingsInput { get; init; }

    /// <summary>Name of the mask input, <c>[batch, K]</c>.</summary>
    public required string MaskInput { get; init; }

    /// <summary>Name of the probabilities output, <c>[batch, labels]</c>.</summary>
    public required string ProbabilitiesOutput { get; init; }

    /// <summary>Name of the logits output, <c>[batch, labels]</c>.</summary>
    public required string LogitsOutput { get; init; }
}

/// <summary>Where a model came from: data, command, metrics, date and code version.</summary>
public sealed record ModelProvenance
{
    /// <summary>The training data, e.g. <c>synthetic CREMA-D layout (SYNTHETIC.txt), 24 actors</c>.</summary>
    public required string Data { get; init; }

    /// <summary>The command lines that produced the checkpoint and the bundle.</summary>
    public required IReadOnlyList<string> Commands { get; init; }

    /// <summary>Measured metrics by name (e.g. <c>testMacroF1</c>), as fractions.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>When the bundle was exported, UTC, ISO 8601.</summary>
    public required DateTimeOffset Created { get; init; }

    /// <summary>The code version that exported it (git commit, or the assembly's informational version).</summary>
    public required string CodeVersion { get; init; }
}
