using Google.Protobuf;
using SerSsl.Core.Features;
using SerSsl.Core.Models;
using SerSsl.Core.Models.Onnx;
using SerSsl.Training.Models;

namespace SerSsl.Training.Export;

/// <summary>What a bundle says about a model besides its graphs.</summary>
internal sealed record BundleSpec
{
    /// <summary>The streaming hop written when none is given: 25 frames, an estimate every 250 ms.</summary>
    public const int DefaultHopFrames = 25;

    /// <summary>A short model name.</summary>
    public required string Name { get; init; }

    /// <summary>Output labels, one per emotion class.</summary>
    public required IReadOnlyList<string> Labels { get; init; }

    /// <summary>Per-bin normalisation statistics of the training data.</summary>
    public required FeatureNormalization Normalization { get; init; }

    /// <summary>Largest K the aggregator is meant for.</summary>
    public required int MaxChunks { get; init; }

    /// <summary>Streaming hop in frames.</summary>
    public int HopFrames { get; init; } = DefaultHopFrames;

    /// <summary>Where the model came from.</summary>
    public required ModelProvenance Provenance { get; init; }
}

/// <summary>A written and validated bundle and what went into it.</summary>
/// <param name="Bundle">The bundle as <see cref="ModelBundle.Load"/> read it back.</param>
/// <param name="EncoderParameters">Float parameters stored in the encoder graph (after batch-norm folding).</param>
/// <param name="AggregatorParameters">Float parameters stored in the aggregator graph.</param>
internal sealed record WrittenBundle(ModelBundle Bundle, long EncoderParameters, long AggregatorParameters);

/// <summary>
/// Writes a model bundle: <c>encoder.onnx</c>, <c>aggregator.onnx</c> and <c>manifest.json</c>, then reads it back with
/// <see cref="ModelBundle.Load"/> so that every check the runtime makes has passed. Other files in the folder
/// (a model card) are left alone.
/// </summary>
internal static class BundleWriter
{
    /// <summary>File name of the encoder graph.</summary>
    public const string EncoderFile = "encoder.onnx";

    /// <summary>File name of the aggregator graph.</summary>
    public const string AggregatorFile = "aggregator.onnx";

    /// <summary>Exports <paramref name="model"/> into <paramref name="directory"/> (created when missing).</summary>
    /// <param name="model">The model; its weights are read, not changed.</param>
    /// <param name="spec">Labels, normalisation, chunking and provenance.</param>
    /// <param name="directory">The bundle folder.</param>
    /// <returns>The loaded bundle and parameter counts.</returns>
    /// <exception cref="ArgumentException">The spec does not fit the model.</exception>
    /// <exception cref="ModelBundleException">The written bundle does not validate (a bug in the exporter).</exception>
    public static WrittenBundle Write(SerModel model, BundleSpec spec, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var options = model.Options;
        if (spec.Labels.Count != options.EmotionClasses)
        {
            throw new ArgumentException($"The model has {options.EmotionClasses} emotion classes but {spec.Labels.Count} labels were given ({string.Join(", ", spec.Labels)}).", nameof(spec));
        }

        var names = GraphNames.Default;
        var manifest = new ModelManifest
        {
            Name = spec.Name,
            Labels = spec.Labels,
            Features = LogMelSettings.Default with { MelBinCount = options.MelBins },
            Normalization = spec.Normalization,
            Chunks = new ChunkSettings { Frames = options.ChunkFrames, DefaultHopFrames = spec.HopFrames, MaxChunks = spec.MaxChunks },
            EmbeddingDim = options.EmbeddingDim,
            Encoder = new GraphFile { File = EncoderFile, Input = names.Chunks, Output = names.Embeddings },
            Aggregator = new AggregatorGraphFile
            {
                File = AggregatorFile,
                EmbeddingsInput = names.Embeddings,
                MaskInput = names.Mask,
                ProbabilitiesOutput = names.Probabilities,
                LogitsOutput = names.Logits,
            },
            Provenance = spec.Provenance,
        };
        var full = Path.GetFullPath(directory);
        ModelBundle.ValidateManifest(Path.Combine(full, ModelBundle.ManifestFileName), manifest);

        // No dates or versions in the graphs: the same weights always give byte-identical files (the manifest has them).
        var metadata = new Dictionary<string, string>
        {
            ["serssl.name"] = spec.Name,
            ["serssl.labels"] = string.Join(',', spec.Labels),
        };
        model.eval();
        var (encoder, encoderParameters) = OnnxExport.Encoder(model, names, metadata.Append(new("serssl.graph", "encoder")));
        var (aggregator, aggregatorParameters) = OnnxExport.Aggregator(model, names, metadata.Append(new("serssl.graph", "aggregator")));

        Directory.CreateDirectory(full);
        WriteModel(Path.Combine(full, EncoderFile), encoder);
        WriteModel(Path.Combine(full, AggregatorFile), aggregator);
        ModelBundle.WriteManifest(full, manifest);
        return new WrittenBundle(ModelBundle.Load(full), encoderParameters, aggregatorParameters);
    }

    /// <summary>Deletes the files <see cref="Write"/> writes (a bundle that failed its checks), leaving anything else.</summary>
    public static void Delete(string directory)
    {
        foreach (var file in new[] { EncoderFile, AggregatorFile, ModelBundle.ManifestFileName })
        {
            File.Delete(Path.Combine(directory, file));
        }
    }

    private static void WriteModel(string path, ModelProto model)
    {
        var temp = path + ".tmp";
        using (var stream = File.Create(temp))
        {
            model.WriteTo(stream);
        }

        File.Move(temp, path, overwrite: true);
    }
}
