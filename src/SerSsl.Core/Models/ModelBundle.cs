using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using SerSsl.Core.Features;

namespace SerSsl.Core.Models;

/// <summary>
/// A model bundle folder: <c>manifest.json</c> (<see cref="ModelManifest"/>) and the two ONNX graphs it names.
/// <see cref="Load"/> validates everything a runtime relies on before any graph is run.
/// </summary>
public sealed class ModelBundle
{
    /// <summary>The manifest's file name inside a bundle folder.</summary>
    public const string ManifestFileName = "manifest.json";

    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private ModelBundle(string directory, ModelManifest manifest)
    {
        Directory = directory;
        Manifest = manifest;
        EncoderPath = Path.Combine(directory, manifest.Encoder.File);
        AggregatorPath = Path.Combine(directory, manifest.Aggregator.File);
        Int8EncoderPath = manifest.EncoderInt8 is { } int8 ? Path.Combine(directory, int8.File) : null;
    }

    /// <summary>The bundle folder (full path).</summary>
    public string Directory { get; }

    /// <summary>The validated manifest.</summary>
    public ModelManifest Manifest { get; }

    /// <summary>Full path of the encoder graph.</summary>
    public string EncoderPath { get; }

    /// <summary>Full path of the aggregator graph.</summary>
    public string AggregatorPath { get; }

    /// <summary>Full path of the int8 encoder graph, or null when the bundle has none.</summary>
    public string? Int8EncoderPath { get; }

    /// <summary>Output labels in order.</summary>
    public IReadOnlyList<string> Labels => Manifest.Labels;

    /// <summary>Reads and validates a bundle.</summary>
    /// <param name="directory">The bundle folder.</param>
    /// <returns>The bundle.</returns>
    /// <exception cref="ModelBundleException">The folder, the manifest or a graph is missing, malformed or does not fit.</exception>
    public static ModelBundle Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var full = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(full))
        {
            throw new ModelBundleException(full, "no such model bundle folder. Pass a folder written by `sers-train export` (e.g. models/default).");
        }

        var manifestPath = Path.Combine(full, ManifestFileName);
        if (!File.Exists(manifestPath))
        {
            throw new ModelBundleException(manifestPath, $"missing; a model bundle folder holds {ManifestFileName} and the ONNX graphs it names. Export one with `sers-train export`.");
        }

        var manifest = ReadManifest(manifestPath);
        ValidateManifest(manifestPath, manifest);
        var bundle = new ModelBundle(full, manifest);
        foreach (var graph in new[] { bundle.EncoderPath, bundle.AggregatorPath, bundle.Int8EncoderPath }.OfType<string>())
        {
            if (!File.Exists(graph))
            {
                throw new ModelBundleException(graph, $"missing; {ManifestFileName} names it. Re-export the bundle or restore the file.");
            }
        }

        ValidateGraphs(bundle);
        return bundle;
    }

    /// <summary>Writes a manifest into a bundle folder (created when missing).</summary>
    /// <param name="directory">The bundle folder.</param>
    /// <param name="manifest">The manifest to write; validated first.</param>
    /// <exception cref="ModelBundleException">The manifest is invalid.</exception>
    public static void WriteManifest(string directory, ModelManifest manifest)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(manifest);
        var path = Path.Combine(directory, ManifestFileName);
        ValidateManifest(path, manifest);
        System.IO.Directory.CreateDirectory(directory);
        File.WriteAllText(path, JsonSerializer.Serialize(manifest, s_json) + "\n");
    }

    /// <summary>Parses a manifest file without validating its values.</summary>
    /// <param name="path">The manifest file.</param>
    /// <exception cref="ModelBundleException">The file is not readable JSON of a manifest.</exception>
    public static ModelManifest ReadManifest(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            return JsonSerializer.Deserialize<ModelManifest>(File.ReadAllText(path), s_json)
                ?? throw new ModelBundleException(path, "empty manifest (the JSON is null).");
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? string.Create(CultureInfo.InvariantCulture, $" at line {line + 1}") : string.Empty;
            throw new ModelBundleException(path, $"not a valid model manifest{where}: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new ModelBundleException(path, $"cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>Checks every manifest value the runtime relies on.</summary>
    /// <param name="path">The manifest file, for messages.</param>
    /// <param name="manifest">The manifest.</param>
    /// <exception cref="ModelBundleException">A value is missing or out of range.</exception>
    public static void ValidateManifest(string path, ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.FormatVersion != ModelManifest.CurrentFormatVersion)
        {
            Fail(path, $"formatVersion {manifest.FormatVersion} is not supported; this runtime reads version {ModelManifest.CurrentFormatVersion}. Use a matching sers version or re-export the model.");
        }

        if (manifest.Labels is null || manifest.Labels.Count < 2)
        {
            Fail(path, $"labels must list at least two output labels (has {manifest.Labels?.Count ?? 0}).");
        }

        if (manifest.Labels.Any(string.IsNullOrWhiteSpace) || manifest.Labels.Distinct(StringComparer.Ordinal).Count() != manifest.Labels.Count)
        {
            Fail(path, $"labels must be non-empty and distinct (got [{string.Join(", ", manifest.Labels)}]).");
        }

        if (manifest.Features is null)
        {
            Fail(path, "features (the log-mel settings) are missing.");
        }

        try
        {
            manifest.Features.Validate();
        }
        catch (ArgumentException ex)
        {
            Fail(path, $"features cannot be produced by this runtime: {ex.Message}");
        }

        if (manifest.Features.SampleRate != LogMelSettings.Default.SampleRate)
        {
            Fail(path, $"features.sampleRate is {manifest.Features.SampleRate} Hz; the runtime converts all audio to {LogMelSettings.Default.SampleRate} Hz and cannot feed this model.");
        }

        var bins = manifest.Features.MelBinCount;
        var norm = manifest.Normalization;
        if (norm?.Mean is null || norm.Std is null || norm.Mean.Length != bins || norm.Std.Length != bins)
        {
            Fail(path, $"normalization needs mean and std with one value per mel bin ({bins}); got {norm?.Mean?.Length ?? 0} and {norm?.Std?.Length ?? 0}.");
        }

        if (norm.Mean.Any(v => !float.IsFinite(v)) || norm.Std.Any(v => !float.IsFinite(v) || v <= 0f))
        {
            Fail(path, "normalization values must be finite, and every std positive.");
        }

        var chunks = manifest.Chunks;
        if (chunks is null || chunks.Frames < 1 || chunks.DefaultHopFrames < 1 || chunks.MaxChunks < 1)
        {
            Fail(path, "chunks needs frames, defaultHopFrames and maxChunks, each at least 1.");
        }

        if (manifest.EmbeddingDim < 1)
        {
            Fail(path, $"embeddingDim must be at least 1 (got {manifest.EmbeddingDim}).");
        }

        var encoder = manifest.Encoder;
        if (encoder is null || !IsPlainFileName(encoder.File) || string.IsNullOrEmpty(encoder.Input) || string.IsNullOrEmpty(encoder.Output))
        {
            Fail(path, "encoder needs file (a file name inside the bundle folder), input and output.");
        }

        if (manifest.EncoderInt8 is { } encoderInt8
            && (!IsPlainFileName(encoderInt8.File) || encoderInt8.Input != encoder.Input || encoderInt8.Output != encoder.Output || encoderInt8.File == encoder.File))
        {
            Fail(path, $"encoderInt8 needs its own file (a file name inside the bundle folder) and the float32 encoder's input '{encoder.Input}' and output '{encoder.Output}'. Re-run `sers-train quantize`.");
        }

        var aggregator = manifest.Aggregator;
        if (aggregator is null || !IsPlainFileName(aggregator.File) || string.IsNullOrEmpty(aggregator.EmbeddingsInput) || string.IsNullOrEmpty(aggregator.MaskInput)
            || string.IsNullOrEmpty(aggregator.ProbabilitiesOutput) || string.IsNullOrEmpty(aggregator.LogitsOutput))
        {
            Fail(path, "aggregator needs file (a file name inside the bundle folder), embeddingsInput, maskInput, probabilitiesOutput and logitsOutput.");
        }

        if (manifest.Provenance is null)
        {
            Fail(path, "provenance is missing (data, commands, created, codeVersion).");
        }
    }

    /// <summary>
    /// Parses both graphs and checks them against the manifest: versions (<see cref="OnnxCompatibility"/>), standard
    /// operators only, input and output names, float32 elements, ranks, the fixed sizes (chunk frames, mel bins,
    /// embedding size, one output per label) and the dynamic batch and chunk dimensions.
    /// </summary>
    private static void ValidateGraphs(ModelBundle bundle)
    {
        var manifest = bundle.Manifest;
        var batch = OnnxGraphChecks.Dim.Dynamic(OnnxGraphChecks.BatchDim);
        var chunks = OnnxGraphChecks.Dim.Dynamic(OnnxGraphChecks.ChunksDim);
        var embedding = OnnxGraphChecks.Dim.Fixed(manifest.EmbeddingDim, "embeddingDim");
        var labels = OnnxGraphChecks.Dim.Fixed(manifest.Labels.Count, $"one value per label; the manifest lists {manifest.Labels.Count}");

        var encoder = OnnxGraphChecks.Read(bundle.EncoderPath);
        OnnxGraphChecks.CheckVersions(bundle.EncoderPath, encoder);
        OnnxGraphChecks.CheckInputs(
            bundle.EncoderPath,
            encoder.Graph,
            (manifest.Encoder.Input, [batch, OnnxGraphChecks.Dim.Fixed(manifest.Chunks.Frames, "chunks.frames"), OnnxGraphChecks.Dim.Fixed(manifest.Features.MelBinCount, "features.melBinCount")]));
        OnnxGraphChecks.CheckOutputs(bundle.EncoderPath, encoder.Graph, (manifest.Encoder.Output, [batch, embedding]));
        if (bundle.Int8EncoderPath is { } int8Path && manifest.EncoderInt8 is { } int8File)
        {
            var int8 = OnnxGraphChecks.Read(int8Path);
            OnnxGraphChecks.CheckVersions(int8Path, int8);
            OnnxGraphChecks.CheckInputs(
                int8Path,
                int8.Graph,
                (int8File.Input, [batch, OnnxGraphChecks.Dim.Fixed(manifest.Chunks.Frames, "chunks.frames"), OnnxGraphChecks.Dim.Fixed(manifest.Features.MelBinCount, "features.melBinCount")]));
            OnnxGraphChecks.CheckOutputs(int8Path, int8.Graph, (int8File.Output, [batch, embedding]));
        }

        var aggregator = OnnxGraphChecks.Read(bundle.AggregatorPath);
        OnnxGraphChecks.CheckVersions(bundle.AggregatorPath, aggregator);
        OnnxGraphChecks.CheckInputs(
            bundle.AggregatorPath,
            aggregator.Graph,
            (manifest.Aggregator.EmbeddingsInput, [batch, chunks, embedding]),
            (manifest.Aggregator.MaskInput, [batch, chunks]));
        OnnxGraphChecks.CheckOutputs(
            bundle.AggregatorPath,
            aggregator.Graph,
            (manifest.Aggregator.ProbabilitiesOutput, [batch, labels]),
            (manifest.Aggregator.LogitsOutput, [batch, labels]));
    }

    private static bool IsPlainFileName(string? name) =>
        !string.IsNullOrWhiteSpace(name) && name == Path.GetFileName(name) && name is not "." and not "..";

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Fail(string path, string problem) => throw new ModelBundleException(path, problem);
}
