using System.Globalization;
using Google.Protobuf;
using SerSsl.Core.Models.Onnx;

namespace SerSsl.Core.Models;

/// <summary>
/// Reads an ONNX file with the <c>onnx_subset.proto</c> messages and checks it against the contract in the
/// manifest: IR version and opset in <see cref="OnnxCompatibility"/>'s ranges, standard operators only, input and
/// output names, float32 elements, ranks, fixed sizes, and dynamic batch (and chunk) dimensions. Every failure is a
/// <see cref="ModelBundleException"/> naming the file.
/// </summary>
internal static class OnnxGraphChecks
{
    /// <summary>The symbolic name of the batch dimension in exported graphs.</summary>
    public const string BatchDim = "batch";

    /// <summary>The symbolic name of the aggregator's chunk dimension K in exported graphs.</summary>
    public const string ChunksDim = "chunks";

    /// <summary>An expected dimension: a fixed size, or dynamic (symbolic or unknown) when <see cref="Size"/> is null.</summary>
    internal readonly record struct Dim(long? Size, string Meaning)
    {
        public static Dim Dynamic(string meaning) => new(null, meaning);

        public static Dim Fixed(long size, string meaning) => new(size, meaning);
    }

    /// <summary>Parses an ONNX file.</summary>
    /// <exception cref="ModelBundleException">The file cannot be read or is not an ONNX model.</exception>
    public static ModelProto Read(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var model = ModelProto.Parser.ParseFrom(stream);
            if (model.Graph is null)
            {
                throw new ModelBundleException(path, "not an ONNX model: it has no graph. Re-export the bundle with `sers-train export`.");
            }

            return model;
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new ModelBundleException(path, $"not an ONNX model (the protobuf does not parse: {ex.Message}). Re-export the bundle with `sers-train export`.", ex);
        }
        catch (IOException ex)
        {
            throw new ModelBundleException(path, $"cannot be read: {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new ModelBundleException(path, $"cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>Checks the IR version, the opsets and the operator domains.</summary>
    public static void CheckVersions(string path, ModelProto model)
    {
        if (model.IrVersion < OnnxCompatibility.MinimumIrVersion || model.IrVersion > OnnxCompatibility.MaximumIrVersion)
        {
            Fail(path, Invariant($"IR version {model.IrVersion} is not supported; this runtime reads IR versions {OnnxCompatibility.MinimumIrVersion} to {OnnxCompatibility.MaximumIrVersion}. Re-export the model with `sers-train export`."));
        }

        var standard = model.OpsetImport.Where(o => IsStandardDomain(o.Domain)).ToList();
        if (standard.Count != 1)
        {
            Fail(path, standard.Count == 0
                ? "imports no standard ONNX opset (ai.onnx); the graph's operators have no defined meaning."
                : "imports the standard ONNX opset more than once.");
        }

        var opset = standard[0].Version;
        if (opset < OnnxCompatibility.MinimumOpset || opset > OnnxCompatibility.MaximumOpset)
        {
            Fail(path, Invariant($"opset {opset} is not supported; model bundles use ONNX opsets {OnnxCompatibility.MinimumOpset} to {OnnxCompatibility.MaximumOpset} (the exporter writes {OnnxCompatibility.ExportOpset})."));
        }

        if (model.Graph.Node.FirstOrDefault(n => !IsStandardDomain(n.Domain)) is { } custom)
        {
            Fail(path, $"node '{custom.Name}' ({custom.OpType}) is from operator domain '{custom.Domain}'; model bundles use standard ONNX operators only.");
        }
    }

    /// <summary>Checks that the graph has exactly the inputs <paramref name="expected"/> names (initializers aside), with their types and shapes.</summary>
    public static void CheckInputs(string path, GraphProto graph, params (string Name, Dim[] Shape)[] expected)
    {
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();
        CheckValues(path, "input", inputs, expected);
    }

    /// <summary>Checks that the graph has exactly the outputs <paramref name="expected"/> names, with their types and shapes.</summary>
    public static void CheckOutputs(string path, GraphProto graph, params (string Name, Dim[] Shape)[] expected) =>
        CheckValues(path, "output", [.. graph.Output], expected);

    private static void CheckValues(string path, string kind, List<ValueInfoProto> actual, (string Name, Dim[] Shape)[] expected)
    {
        var names = actual.Select(v => v.Name).ToList();
        var wanted = expected.Select(e => e.Name).ToList();
        if (!names.Order(StringComparer.Ordinal).SequenceEqual(wanted.Order(StringComparer.Ordinal), StringComparer.Ordinal))
        {
            Fail(path, $"graph {kind}s are [{Quote(names)}]; the manifest says [{Quote(wanted)}]. The manifest and the graph do not belong together: re-export the bundle.");
        }

        foreach (var (name, shape) in expected)
        {
            CheckValue(path, kind, actual.First(v => v.Name == name), shape);
        }
    }

    private static void CheckValue(string path, string kind, ValueInfoProto value, Dim[] expected)
    {
        var tensor = value.Type?.TensorType;
        if (tensor is null)
        {
            Fail(path, $"{kind} '{value.Name}' is not a tensor.");
        }

        if (tensor.ElemType != (int)TensorProto.Types.DataType.Float)
        {
            var type = Enum.IsDefined(typeof(TensorProto.Types.DataType), tensor.ElemType)
                ? ((TensorProto.Types.DataType)tensor.ElemType).ToString().ToLowerInvariant()
                : tensor.ElemType.ToString(CultureInfo.InvariantCulture);
            Fail(path, $"{kind} '{value.Name}' has element type {type}; the runtime feeds and reads float32.");
        }

        var shape = tensor.Shape?.Dim;
        if (shape is null || shape.Count != expected.Length)
        {
            Fail(path, Invariant($"{kind} '{value.Name}' has {(shape is null ? "no declared shape" : $"rank {shape.Count} {Describe(shape)}")}; expected rank {expected.Length} {Describe(expected)}."));
        }

        for (var axis = 0; axis < expected.Length; axis++)
        {
            var dim = shape[axis];
            var fixedSize = dim.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? dim.DimValue : (long?)null;
            if (expected[axis].Size is { } size && fixedSize != size)
            {
                Fail(path, Invariant($"{kind} '{value.Name}' has shape {Describe(shape)}; axis {axis} ({expected[axis].Meaning}) must be {size}, as the manifest says."));
            }

            if (expected[axis].Size is null && fixedSize is { } fixedValue)
            {
                Fail(path, Invariant($"{kind} '{value.Name}' has shape {Describe(shape)}; axis {axis} ({expected[axis].Meaning}) is fixed at {fixedValue} but must be dynamic. Re-export the bundle with `sers-train export`."));
            }
        }
    }

    private static bool IsStandardDomain(string? domain) => string.IsNullOrEmpty(domain) || domain == "ai.onnx";

    private static string Describe(IEnumerable<TensorShapeProto.Types.Dimension> dims) =>
        "[" + string.Join(", ", dims.Select(d => d.ValueCase switch
        {
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => d.DimValue.ToString(CultureInfo.InvariantCulture),
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => d.DimParam,
            _ => "?",
        })) + "]";

    private static string Describe(Dim[] dims) =>
        "[" + string.Join(", ", dims.Select(d => d.Size?.ToString(CultureInfo.InvariantCulture) ?? d.Meaning)) + "]";

    private static string Quote(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Fail(string path, string problem) => throw new ModelBundleException(path, problem);
}
