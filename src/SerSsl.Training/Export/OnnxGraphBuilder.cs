using System.Buffers.Binary;
using Google.Protobuf;
using SerSsl.Core.Models;
using SerSsl.Core.Models.Onnx;

namespace SerSsl.Training.Export;

/// <summary>A dimension of a graph input or output: a fixed size or a symbolic name (dynamic).</summary>
/// <param name="Size">The fixed size, or null for a symbolic dimension.</param>
/// <param name="Name">The symbolic name (e.g. <c>batch</c>), or null for a fixed dimension.</param>
internal readonly record struct OnnxDim(long? Size, string? Name)
{
    /// <summary>A dimension of fixed size.</summary>
    public static implicit operator OnnxDim(long size) => new(size, null);

    /// <summary>A symbolic (dynamic) dimension.</summary>
    public static OnnxDim Symbolic(string name) => new(null, name);
}

/// <summary>
/// Builds one ONNX graph as protobuf messages: float32 graph inputs and outputs, initializers stored as little-endian
/// <c>raw_data</c>, and nodes of the standard opset, in topological order (each node only reads values defined before
/// it). Every value name is unique; a node's single output takes the node's name.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly GraphProto _graph;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>Starts an empty graph.</summary>
    /// <param name="name">The graph's name.</param>
    public OnnxGraphBuilder(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _graph = new GraphProto { Name = name };
    }

    /// <summary>Number of float parameters stored in initializers so far.</summary>
    public long ParameterCount { get; private set; }

    /// <summary>Declares a float32 graph input.</summary>
    /// <returns>The input's name.</returns>
    public string Input(string name, params OnnxDim[] shape)
    {
        Define(name);
        _graph.Input.Add(ValueInfo(name, shape));
        return name;
    }

    /// <summary>Declares a float32 graph output; a node must produce a value of that name.</summary>
    public void Output(string name, params OnnxDim[] shape)
    {
        if (!_names.Contains(name))
        {
            throw new InvalidOperationException($"Graph output '{name}' is not produced by any node.");
        }

        _graph.Output.Add(ValueInfo(name, shape));
    }

    /// <summary>Adds a float32 initializer (a weight).</summary>
    /// <param name="name">Unique value name.</param>
    /// <param name="values">Row-major values.</param>
    /// <param name="dims">Its shape; the product must equal the value count.</param>
    /// <returns>The initializer's name.</returns>
    public string Weights(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        CheckCount(name, values.Length, dims);
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        AddInitializer(name, TensorProto.Types.DataType.Float, bytes, dims);
        ParameterCount += values.Length;
        return name;
    }

    /// <summary>Adds a float32 scalar constant (rank 0).</summary>
    public string Scalar(string name, float value)
    {
        var bytes = new byte[sizeof(float)];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        AddInitializer(name, TensorProto.Types.DataType.Float, bytes, []);
        return name;
    }

    /// <summary>Adds a 1-D int64 constant (axes, shapes).</summary>
    public string Int64s(string name, params long[] values)
    {
        var bytes = new byte[values.Length * sizeof(long)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), values[i]);
        }

        AddInitializer(name, TensorProto.Types.DataType.Int64, bytes, [values.Length]);
        return name;
    }

    /// <summary>Adds a node of the standard opset with one output named <paramref name="name"/>.</summary>
    /// <param name="name">Unique name of the node and of its output value.</param>
    /// <param name="opType">The operator, e.g. <c>Conv</c>.</param>
    /// <param name="inputs">Names of values defined earlier (empty string for an omitted optional input).</param>
    /// <param name="attributes">The operator's attributes.</param>
    /// <returns>The output's name.</returns>
    public string Node(string name, string opType, IReadOnlyList<string> inputs, params AttributeProto[] attributes)
    {
        foreach (var input in inputs)
        {
            if (input.Length > 0 && !_names.Contains(input))
            {
                throw new InvalidOperationException($"Node '{name}' ({opType}) reads '{input}', which is not defined before it.");
            }
        }

        Define(name);
        var node = new NodeProto { Name = name, OpType = opType };
        node.Input.Add(inputs);
        node.Output.Add(name);
        node.Attribute.Add(attributes);
        _graph.Node.Add(node);
        return name;
    }

    /// <summary>An integer attribute.</summary>
    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>A float attribute.</summary>
    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>An integer list attribute.</summary>
    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.Add(values);
        return attribute;
    }

    /// <summary>Wraps the graph into a model: IR version and opset of <see cref="OnnxCompatibility"/>, producer, metadata.</summary>
    /// <param name="docString">What the graph computes.</param>
    /// <param name="metadata">Model metadata properties (e.g. labels).</param>
    public ModelProto Build(string docString, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var model = new ModelProto
        {
            IrVersion = OnnxCompatibility.ExportIrVersion,
            ProducerName = OnnxExport.ProducerName,
            ProducerVersion = OnnxExport.ProducerVersion,
            ModelVersion = 1,
            DocString = docString,
            Graph = _graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OnnxCompatibility.ExportOpset });
        foreach (var (key, value) in metadata)
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }

        return model;
    }

    private void AddInitializer(string name, TensorProto.Types.DataType type, byte[] bytes, long[] dims)
    {
        Define(name);
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.Add(dims);
        _graph.Initializer.Add(tensor);
    }

    private void Define(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!_names.Add(name))
        {
            throw new InvalidOperationException($"The graph already defines a value named '{name}'.");
        }
    }

    private static void CheckCount(string name, int count, long[] dims)
    {
        var expected = dims.Aggregate(1L, (a, b) => a * b);
        if (expected != count)
        {
            throw new ArgumentException($"Initializer '{name}' has {count} values but shape [{string.Join(", ", dims)}] holds {expected}.", nameof(dims));
        }
    }

    private static ValueInfoProto ValueInfo(string name, OnnxDim[] shape)
    {
        var tensorShape = new TensorShapeProto();
        foreach (var dim in shape)
        {
            tensorShape.Dim.Add(dim.Size is { } size
                ? new TensorShapeProto.Types.Dimension { DimValue = size }
                : new TensorShapeProto.Types.Dimension { DimParam = dim.Name ?? throw new ArgumentException($"Dimension of '{name}' has neither a size nor a name.", nameof(shape)) });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = tensorShape } },
        };
    }
}
