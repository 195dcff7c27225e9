using Microsoft.ML.OnnxRuntime;

namespace SerSsl.Training.Export;

/// <summary>A float32 tensor: row-major values and a shape.</summary>
/// <param name="Values">Row-major values.</param>
/// <param name="Shape">The shape.</param>
internal sealed record FloatTensor(float[] Values, long[] Shape);

/// <summary>
/// One ONNX Runtime session on the CPU, for checking exported graphs: float32 inputs in, every output back as arrays.
/// </summary>
internal sealed class OnnxSession : IDisposable
{
    private readonly InferenceSession _session;

    /// <summary>Loads a graph.</summary>
    /// <param name="path">The ONNX file.</param>
    /// <param name="optimization">ONNX Runtime's graph optimisation level (<c>ORT_DISABLE_ALL</c> runs the graph as written).</param>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime rejects the graph.</exception>
    public OnnxSession(string path, GraphOptimizationLevel optimization = GraphOptimizationLevel.ORT_ENABLE_ALL)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var options = new SessionOptions { GraphOptimizationLevel = optimization };
        _session = new InferenceSession(path, options);
    }

    /// <summary>Names of the graph's outputs in order.</summary>
    public IReadOnlyList<string> OutputNames => _session.OutputNames;

    /// <summary>Runs the graph.</summary>
    /// <param name="inputs">Every graph input by name.</param>
    /// <returns>Every output by name.</returns>
    public IReadOnlyDictionary<string, FloatTensor> Run(IReadOnlyDictionary<string, FloatTensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var names = inputs.Keys.ToArray();
        var values = new List<OrtValue>(names.Length);
        try
        {
            foreach (var name in names)
            {
                values.Add(OrtValue.CreateTensorValueFromMemory(inputs[name].Values, inputs[name].Shape));
            }

            using var runOptions = new RunOptions();
            using var outputs = _session.Run(runOptions, names, values, _session.OutputNames);
            var result = new Dictionary<string, FloatTensor>(StringComparer.Ordinal);
            for (var i = 0; i < outputs.Count; i++)
            {
                var output = outputs[i];
                result[_session.OutputNames[i]] = new FloatTensor(output.GetTensorDataAsSpan<float>().ToArray(), output.GetTensorTypeAndShape().Shape);
            }

            return result;
        }
        finally
        {
            foreach (var value in values)
            {
                value.Dispose();
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();
}
