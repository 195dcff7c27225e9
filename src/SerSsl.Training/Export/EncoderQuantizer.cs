using System.Buffers.Binary;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using SerSsl.Core.Models.Onnx;

namespace SerSsl.Training.Export;

/// <summary>Calibrated range of one activation: the float interval its 8-bit values cover.</summary>
/// <param name="Value">The graph value's name.</param>
/// <param name="Min">Smallest value seen in calibration (at most 0).</param>
/// <param name="Max">Largest value seen in calibration (at least 0).</param>
internal sealed record ActivationRange(string Value, float Min, float Max)
{
    /// <summary>The uint8 scale and zero point that map [Min, Max] onto [0, 255] with 0 exactly representable.</summary>
    public (float Scale, byte ZeroPoint) Uint8()
    {
        var span = Max - Min;
        if (!(span > 0) || float.IsInfinity(span))
        {
            return (1f, 0);
        }

        var scale = span / 255f;
        var zero = (int)Math.Round(-Min / scale);
        return (scale, (byte)Math.Clamp(zero, 0, 255));
    }
}

/// <summary>What static quantization did: calibration size, ranges and weight counts.</summary>
/// <param name="CalibrationChunks">How many chunks the ranges were measured on.</param>
/// <param name="Ranges">The activation ranges, in graph order.</param>
/// <param name="QuantizedConvolutions">Convolutions whose weights became int8.</param>
/// <param name="Int8Weights">Weights stored as int8.</param>
internal sealed record QuantizationSummary(int CalibrationChunks, IReadOnlyList<ActivationRange> Ranges, int QuantizedConvolutions, long Int8Weights);

/// <summary>
/// Static post-training quantization of an exported chunk encoder into ONNX's QDQ form: every convolution's weights
/// become int8 (symmetric, one scale per output channel), its bias int32 (scale = input scale × weight scale), and
/// the activations entering a convolution and leaving its ReLU pass through QuantizeLinear/DequantizeLinear pairs
/// with uint8 ranges calibrated on real chunks. ONNX Runtime's CPU provider fuses each
/// DequantizeLinear → Conv → ReLU → QuantizeLinear group into one integer convolution (QLinearConv, with VNNI where
/// the CPU has it) and runs max pooling on the 8-bit values; the pooling over time and frequency and the projection
/// stay float32.
/// </summary>
/// <remarks>
/// The float graph is not changed. Inputs and outputs keep their names, shapes and float32 type, so the runtime
/// feeds an int8 encoder exactly as the float one.
/// </remarks>
internal static class EncoderQuantizer
{
    /// <summary>Chunks per calibration run.</summary>
    private const int CalibrationBatch = 64;

    /// <summary>Measures activation ranges on <paramref name="chunks"/> and writes the QDQ graph.</summary>
    /// <param name="floatEncoder">The float32 encoder as exported (Conv, Relu, MaxPool, ReduceMean, Gemm).</param>
    /// <param name="chunks">Normalised calibration chunks, each <c>frames × bins</c> values, as the runtime feeds them.</param>
    /// <param name="frames">m, frames per chunk.</param>
    /// <param name="bins">Mel bins per frame.</param>
    /// <param name="progress">Called with the number of chunks calibrated so far.</param>
    /// <returns>The quantized model and what was done.</returns>
    /// <exception cref="ArgumentException">No calibration chunk, a chunk of the wrong size, or a graph without convolutions.</exception>
    public static (ModelProto Model, QuantizationSummary Summary) Quantize(ModelProto floatEncoder, IReadOnlyList<float[]> chunks, int frames, int bins, Action<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(floatEncoder);
        ArgumentNullException.ThrowIfNull(chunks);
        if (chunks.Count == 0)
        {
            throw new ArgumentException("Static quantization needs calibration chunks; none were given.", nameof(chunks));
        }

        var graph = floatEncoder.Graph;
        var convs = graph.Node.Where(n => n.OpType == "Conv").ToList();
        if (convs.Count == 0)
        {
            throw new ArgumentException("The encoder graph has no convolution to quantize.", nameof(floatEncoder));
        }

        var producers = graph.Node.SelectMany(n => n.Output.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n, StringComparer.Ordinal);
        var consumers = graph.Node.SelectMany(n => n.Input.Select(i => (i, n))).ToLookup(p => p.i, p => p.n, StringComparer.Ordinal);

        // Values that get a Q/DQ pair: each convolution's activation input, and each ReLU output that follows a
        // convolution (the pattern ONNX Runtime fuses). A max pooling output reuses its input's range: pooling picks
        // values, so the 8-bit codes pass through unchanged.
        var quantized = new List<string>();
        var sharedWith = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            if (node.OpType == "Relu" && producers.TryGetValue(node.Input[0], out var before) && before.OpType == "Conv")
            {
                Add(node.Output[0]);
            }
            else if (node.OpType == "Conv")
            {
                var x = node.Input[0];
                if (producers.TryGetValue(x, out var pool) && pool.OpType == "MaxPool" && quantized.Contains(pool.Input[0]))
                {
                    sharedWith[x] = Root(pool.Input[0]);
                }

                Add(x);
            }
        }

        var measured = quantized.Where(v => !sharedWith.ContainsKey(v)).ToList();
        var ranges = Calibrate(floatEncoder, measured, chunks, frames, bins, progress);
        var byValue = ranges.ToDictionary(r => r.Value, StringComparer.Ordinal);
        foreach (var (value, root) in sharedWith)
        {
            byValue[value] = byValue[root] with { Value = value };
        }

        var model = floatEncoder.Clone();
        var (int8Weights, convCount) = Rewrite(model.Graph, quantized, byValue);
        model.DocString = floatEncoder.DocString + " Int8 (QDQ): convolution weights int8 per output channel, activations uint8 calibrated on "
            + $"{chunks.Count} chunks.";
        var summary = new QuantizationSummary(chunks.Count, quantized.Select(v => byValue[v]).ToList(), convCount, int8Weights);
        return (model, summary);

        void Add(string value)
        {
            if (!quantized.Contains(value))
            {
                quantized.Add(value);
            }
        }

        string Root(string value) => sharedWith.TryGetValue(value, out var root) ? root : value;
    }

    /// <summary>Runs the float graph with the given values as extra outputs and records each one's range.</summary>
    private static List<ActivationRange> Calibrate(ModelProto floatEncoder, IReadOnlyList<string> values, IReadOnlyList<float[]> chunks, int frames, int bins, Action<int>? progress)
    {
        var probe = floatEncoder.Clone();
        foreach (var value in values)
        {
            if (probe.Graph.Output.All(o => o.Name != value))
            {
                probe.Graph.Output.Add(new ValueInfoProto
                {
                    Name = value,
                    Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
                });
            }
        }

        var input = floatEncoder.Graph.Input[0].Name;
        var min = new float[values.Count];
        var max = new float[values.Count];
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC };
        using var session = new InferenceSession(probe.ToByteArray(), options);
        var size = frames * bins;
        for (var start = 0; start < chunks.Count; start += CalibrationBatch)
        {
            var count = Math.Min(CalibrationBatch, chunks.Count - start);
            var batch = new float[count * size];
            for (var i = 0; i < count; i++)
            {
                var chunk = chunks[start + i];
                if (chunk.Length != size)
                {
                    throw new ArgumentException($"Calibration chunk {start + i} has {chunk.Length} values; the encoder takes {frames} × {bins} = {size}.", nameof(chunks));
                }

                chunk.CopyTo(batch, i * size);
            }

            using var tensor = OrtValue.CreateTensorValueFromMemory(batch, [count, frames, bins]);
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, [input], [tensor], values.ToArray());
            for (var v = 0; v < values.Count; v++)
            {
                foreach (var x in outputs[v].GetTensorDataAsSpan<float>())
                {
                    if (x < min[v])
                    {
                        min[v] = x;
                    }

                    if (x > max[v])
                    {
                        max[v] = x;
                    }
                }
            }

            progress?.Invoke(start + count);
        }

        return values.Select((v, i) => new ActivationRange(v, min[i], max[i])).ToList();
    }

    private static (long Int8Weights, int Convolutions) Rewrite(GraphProto graph, IReadOnlyList<string> quantized, IReadOnlyDictionary<string, ActivationRange> ranges)
    {
        var initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var nodes = graph.Node.ToList();
        graph.Node.Clear();
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        var scales = new Dictionary<string, float>(StringComparer.Ordinal);
        long int8Weights = 0;
        var convolutions = 0;

        // A graph input that is quantized gets its pair before the first node.
        foreach (var input in graph.Input.Select(i => i.Name).Where(quantized.Contains))
        {
            InsertPair(input);
        }

        foreach (var node in nodes)
        {
            for (var i = 0; i < node.Input.Count; i++)
            {
                if (renamed.TryGetValue(node.Input[i], out var dq))
                {
                    node.Input[i] = dq;
                }
            }

            if (node.OpType == "Conv")
            {
                int8Weights += QuantizeConvWeights(graph, node, initializers, scales);
                convolutions++;
            }

            graph.Node.Add(node);
            foreach (var output in node.Output.Where(quantized.Contains))
            {
                InsertPair(output);
            }
        }

        return (int8Weights, convolutions);

        void InsertPair(string value)
        {
            var (scale, zero) = ranges[value].Uint8();
            var scaleName = Unique(graph, $"{value}.q_scale");
            var zeroName = Unique(graph, $"{value}.q_zero");
            graph.Initializer.Add(FloatTensor(scaleName, [scale], []));
            graph.Initializer.Add(new TensorProto { Name = zeroName, DataType = (int)TensorProto.Types.DataType.Uint8, RawData = ByteString.CopyFrom([zero]) });
            var q = $"{value}.q";
            var dq = $"{value}.dq";
            graph.Node.Add(Node(q, "QuantizeLinear", value, scaleName, zeroName));
            graph.Node.Add(Node(dq, "DequantizeLinear", q, scaleName, zeroName));
            renamed[value] = dq;
            scales[dq] = scale;
        }
    }

    /// <summary>Replaces a convolution's float weights (and bias) by int8 (and int32) initializers behind DequantizeLinear.</summary>
    private static long QuantizeConvWeights(GraphProto graph, NodeProto conv, Dictionary<string, TensorProto> initializers, Dictionary<string, float> scales)
    {
        if (!scales.TryGetValue(conv.Input[0], out var inputScale))
        {
            throw new InvalidOperationException($"Convolution '{conv.Name}' reads '{conv.Input[0]}', which has no quantization range.");
        }

        if (!initializers.TryGetValue(conv.Input[1], out var weightTensor) || weightTensor.DataType != (int)TensorProto.Types.DataType.Float)
        {
            throw new NotSupportedException($"Convolution '{conv.Name}' takes its weights from '{conv.Input[1]}', which is not a float32 initializer.");
        }

        var weights = ReadFloats(weightTensor);
        var channels = (int)weightTensor.Dims[0];
        var perChannel = weights.Length / channels;
        var weightScales = new float[channels];
        var codes = new byte[weights.Length];
        for (var c = 0; c < channels; c++)
        {
            var span = weights.AsSpan(c * perChannel, perChannel);
            var largest = 0f;
            foreach (var w in span)
            {
                largest = Math.Max(largest, Math.Abs(w));
            }

            var scale = largest > 0 ? largest / 127f : 1f;
            weightScales[c] = scale;
            for (var i = 0; i < perChannel; i++)
            {
                codes[(c * perChannel) + i] = unchecked((byte)(sbyte)Math.Clamp((int)Math.Round(span[i] / scale), -127, 127));
            }
        }

        var name = conv.Input[1];
        var int8Name = Unique(graph, $"{name}.int8");
        var int8 = new TensorProto { Name = int8Name, DataType = (int)TensorProto.Types.DataType.Int8, RawData = ByteString.CopyFrom(codes) };
        int8.Dims.Add(weightTensor.Dims);
        var scaleName = Unique(graph, $"{name}.scale");
        var zeroName = Unique(graph, $"{name}.zero");
        graph.Initializer.Add(int8);
        graph.Initializer.Add(FloatTensor(scaleName, weightScales, [channels]));
        var zeros = new TensorProto { Name = zeroName, DataType = (int)TensorProto.Types.DataType.Int8, RawData = ByteString.CopyFrom(new byte[channels]) };
        zeros.Dims.Add(channels);
        graph.Initializer.Add(zeros);
        var dqWeights = Unique(graph, $"{name}.dq");
        graph.Node.Add(Node(dqWeights, "DequantizeLinear", [int8Name, scaleName, zeroName], axis: 0));
        RemoveInitializer(graph, weightTensor);
        conv.Input[1] = dqWeights;

        if (conv.Input.Count > 2 && conv.Input[2].Length > 0)
        {
            if (!initializers.TryGetValue(conv.Input[2], out var biasTensor) || biasTensor.DataType != (int)TensorProto.Types.DataType.Float)
            {
                throw new NotSupportedException($"Convolution '{conv.Name}' takes its bias from '{conv.Input[2]}', which is not a float32 initializer.");
            }

            var bias = ReadFloats(biasTensor);
            var biasScales = weightScales.Select(s => s * inputScale).ToArray();
            var biasCodes = new byte[bias.Length * sizeof(int)];
            for (var c = 0; c < bias.Length; c++)
            {
                var code = (int)Math.Clamp(Math.Round(bias[c] / biasScales[c]), int.MinValue + 1, int.MaxValue);
                BinaryPrimitives.WriteInt32LittleEndian(biasCodes.AsSpan(c * sizeof(int)), code);
            }

            var biasName = conv.Input[2];
            var int32Name = Unique(graph, $"{biasName}.int32");
            var int32 = new TensorProto { Name = int32Name, DataType = (int)TensorProto.Types.DataType.Int32, RawData = ByteString.CopyFrom(biasCodes) };
            int32.Dims.Add(bias.Length);
            var biasScaleName = Unique(graph, $"{biasName}.scale");
            var biasZeroName = Unique(graph, $"{biasName}.zero");
            graph.Initializer.Add(int32);
            graph.Initializer.Add(FloatTensor(biasScaleName, biasScales, [bias.Length]));
            var biasZeros = new TensorProto { Name = biasZeroName, DataType = (int)TensorProto.Types.DataType.Int32, RawData = ByteString.CopyFrom(new byte[bias.Length * sizeof(int)]) };
            biasZeros.Dims.Add(bias.Length);
            graph.Initializer.Add(biasZeros);
            var dqBias = Unique(graph, $"{biasName}.dq");
            graph.Node.Add(Node(dqBias, "DequantizeLinear", [int32Name, biasScaleName, biasZeroName], axis: 0));
            RemoveInitializer(graph, biasTensor);
            conv.Input[2] = dqBias;
        }

        return weights.Length;
    }

    private static void RemoveInitializer(GraphProto graph, TensorProto tensor)
    {
        var index = graph.Initializer.IndexOf(tensor);
        if (index >= 0)
        {
            graph.Initializer.RemoveAt(index);
        }
    }

    private static NodeProto Node(string name, string opType, params string[] inputs) => Node(name, opType, inputs, axis: null);

    private static NodeProto Node(string name, string opType, string[] inputs, long? axis)
    {
        var node = new NodeProto { Name = name, OpType = opType };
        node.Input.Add(inputs);
        node.Output.Add(name);
        if (axis is { } a)
        {
            node.Attribute.Add(OnnxGraphBuilder.Int("axis", a));
        }

        return node;
    }

    private static TensorProto FloatTensor(string name, float[] values, long[] dims)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.Add(dims);
        return tensor;
    }

    private static float[] ReadFloats(TensorProto tensor)
    {
        if (tensor.RawData.Length > 0)
        {
            var bytes = tensor.RawData.Span;
            var values = new float[bytes.Length / sizeof(float)];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
            }

            return values;
        }

        return tensor.FloatData.ToArray();
    }

    private static string Unique(GraphProto graph, string name)
    {
        if (graph.Initializer.Any(t => t.Name == name) || graph.Node.Any(n => n.Output.Contains(name)) || graph.Input.Any(i => i.Name == name))
        {
            throw new InvalidOperationException($"The encoder graph already defines '{name}'; quantize a graph exported by sers-train.");
        }

        return name;
    }
}
