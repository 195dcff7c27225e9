using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using SerSsl.Core.Models;
using SerSsl.Streaming.Inference.Cuda;

namespace SerSsl.Streaming.Inference;

/// <summary>
/// The two graphs of a model bundle in ONNX Runtime, run through the OrtValue API over preallocated buffers: the
/// chunk encoder <c>[B, m, bins] -> [B, D]</c> and the aggregator <c>([B, K, D], [B, K]) -> [B, labels]</c>.
/// </summary>
/// <remarks>
/// Not thread-safe: one caller at a time (the <see cref="InferenceScheduler"/> thread). Inputs are written into
/// <see cref="EncoderInput"/>, <see cref="AggregatorEmbeddings"/> and <see cref="AggregatorMask"/>; outputs are read from
/// <see cref="Embeddings"/> and <see cref="Probabilities"/>. OrtValues over those buffers are created once per batch
/// shape and reused, so a steady stream of equal batches allocates nothing.
/// </remarks>
internal sealed class OnnxEmotionModel : IDisposable
{
    private readonly InferenceSession _encoder;
    private readonly InferenceSession _aggregator;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _encoderInputs;
    private readonly string[] _encoderOutputs;
    private readonly string[] _aggregatorInputs;
    private readonly string[] _aggregatorOutputs;
    private readonly Dictionary<int, Bindings> _encoderValues = [];
    private readonly Dictionary<(int Batch, int K), Bindings> _aggregatorValues = [];
    private bool _disposed;

    private OnnxEmotionModel(ModelBundle bundle, InferenceOptions options, InferenceSession encoder, InferenceSession aggregator)
    {
        Bundle = bundle;
        Options = options;
        _encoder = encoder;
        _aggregator = aggregator;
        var manifest = bundle.Manifest;
        ChunkFrames = manifest.Chunks.Frames;
        MelBins = manifest.Features.MelBinCount;
        EmbeddingDim = manifest.EmbeddingDim;
        LabelCount = manifest.Labels.Count;
        MaxChunks = manifest.Chunks.MaxChunks;
        MaxBatch = options.MaxBatch;
        _encoderInputs = [manifest.Encoder.Input];
        _encoderOutputs = [manifest.Encoder.Output];
        _aggregatorInputs = [manifest.Aggregator.EmbeddingsInput, manifest.Aggregator.MaskInput];
        _aggregatorOutputs = [manifest.Aggregator.ProbabilitiesOutput, manifest.Aggregator.LogitsOutput];
        EncoderInput = new float[MaxBatch * ChunkFrames * MelBins];
        Embeddings = new float[MaxBatch * EmbeddingDim];
        AggregatorEmbeddings = new float[MaxBatch * MaxChunks * EmbeddingDim];
        AggregatorMask = new float[MaxBatch * MaxChunks];
        Probabilities = new float[MaxBatch * LabelCount];
        Logits = new float[MaxBatch * LabelCount];
    }

    /// <summary>The bundle the graphs come from.</summary>
    public ModelBundle Bundle { get; }

    /// <summary>The options the sessions were created with.</summary>
    public InferenceOptions Options { get; }

    /// <summary>m, frames per chunk.</summary>
    public int ChunkFrames { get; }

    /// <summary>Mel bins per frame.</summary>
    public int MelBins { get; }

    /// <summary>D, the embedding size.</summary>
    public int EmbeddingDim { get; }

    /// <summary>Number of output labels.</summary>
    public int LabelCount { get; }

    /// <summary>Largest K of the aggregator.</summary>
    public int MaxChunks { get; }

    /// <summary>Largest batch of one run.</summary>
    public int MaxBatch { get; }

    /// <summary>Encoder input, <c>[MaxBatch, m, bins]</c> row-major; the first B rows are read by <see cref="Encode"/>.</summary>
    public float[] EncoderInput { get; }

    /// <summary>Encoder output, <c>[MaxBatch, D]</c>; the first B rows are written by <see cref="Encode"/>.</summary>
    public float[] Embeddings { get; }

    /// <summary>Aggregator embeddings input, <c>[B, K, D]</c> packed at the start for the batch being run.</summary>
    public float[] AggregatorEmbeddings { get; }

    /// <summary>Aggregator mask input, <c>[B, K]</c> packed at the start.</summary>
    public float[] AggregatorMask { get; }

    /// <summary>Aggregator probabilities output, <c>[B, labels]</c> packed at the start.</summary>
    public float[] Probabilities { get; }

    /// <summary>Aggregator logits output, <c>[B, labels]</c> packed at the start.</summary>
    public float[] Logits { get; }

    /// <summary>Loads a validated bundle into ONNX Runtime and warms both graphs up.</summary>
    /// <param name="bundle">The bundle (already validated by <see cref="ModelBundle.Load"/>).</param>
    /// <param name="options">Device, threads and batching; <see cref="InferenceOptions.Default"/> when null.</param>
    /// <returns>The model, ready to run.</returns>
    /// <exception cref="InferenceException">The device is not available in this build, or ONNX Runtime rejects a graph.</exception>
    public static OnnxEmotionModel Load(ModelBundle bundle, InferenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        options ??= InferenceOptions.Default;
        options.Validate();
        using var sessionOptions = CreateSessionOptions(options);
        InferenceSession? encoder = null;
        InferenceSession? aggregator = null;
        try
        {
            var encoderPath = EncoderPath(bundle, options.Precision);
            encoder = CreateSession(encoderPath, sessionOptions);
            aggregator = CreateSession(bundle.AggregatorPath, sessionOptions);
            CheckNames(encoderPath, encoder, [bundle.Manifest.Encoder.Input], [bundle.Manifest.Encoder.Output]);
            CheckNames(
                bundle.AggregatorPath,
                aggregator,
                [bundle.Manifest.Aggregator.EmbeddingsInput, bundle.Manifest.Aggregator.MaskInput],
                [bundle.Manifest.Aggregator.ProbabilitiesOutput, bundle.Manifest.Aggregator.LogitsOutput]);
            var model = new OnnxEmotionModel(bundle, options, encoder, aggregator);
            try
            {
                model.WarmUp();
            }
            catch (OnnxRuntimeException ex)
            {
                model.Dispose();
                throw new InferenceException($"{bundle.Directory}: the graphs do not run with the shapes {ModelBundle.ManifestFileName} declares: {ex.Message} Re-export the bundle with `sers-train export`.", ex);
            }

            return model;
        }
        catch
        {
            encoder?.Dispose();
            aggregator?.Dispose();
            throw;
        }
    }

    /// <summary>The execution providers this build of ONNX Runtime offers (e.g. <c>CPUExecutionProvider</c>).</summary>
    public static IReadOnlyList<string> AvailableProviders() => OrtEnv.Instance().GetAvailableProviders();

    /// <summary>Encodes the first <paramref name="batch"/> chunks of <see cref="EncoderInput"/> into <see cref="Embeddings"/>.</summary>
    /// <param name="batch">B, 1 to <see cref="MaxBatch"/>.</param>
    public void Encode(int batch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(batch, MaxBatch);
        if (!_encoderValues.TryGetValue(batch, out var values))
        {
            values = new Bindings(
                [Tensor(EncoderInput, batch, ChunkFrames, MelBins)],
                [Tensor(Embeddings, batch, EmbeddingDim)]);
            _encoderValues[batch] = values;
        }

        _encoder.Run(_runOptions, _encoderInputs, values.Inputs, _encoderOutputs, values.Outputs);
    }

    /// <summary>
    /// Aggregates the first <paramref name="batch"/> rows of <see cref="AggregatorEmbeddings"/> (<c>[B, K, D]</c>) and
    /// <see cref="AggregatorMask"/> (<c>[B, K]</c>) into <see cref="Probabilities"/> and <see cref="Logits"/>.
    /// </summary>
    /// <param name="batch">B, 1 to <see cref="MaxBatch"/>.</param>
    /// <param name="chunks">K, 1 to <see cref="MaxChunks"/>.</param>
    public void Aggregate(int batch, int chunks)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(batch, MaxBatch);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunks, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunks, MaxChunks);
        if (!_aggregatorValues.TryGetValue((batch, chunks), out var values))
        {
            values = new Bindings(
                [Tensor(AggregatorEmbeddings, batch, chunks, EmbeddingDim), Tensor(AggregatorMask, batch, chunks)],
                [Tensor(Probabilities, batch, LabelCount), Tensor(Logits, batch, LabelCount)]);
            _aggregatorValues[(batch, chunks)] = values;
        }

        _aggregator.Run(_runOptions, _aggregatorInputs, values.Inputs, _aggregatorOutputs, values.Outputs);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var value in _encoderValues.Values.Concat(_aggregatorValues.Values).SelectMany(v => v.Inputs.Concat(v.Outputs)))
        {
            value.Dispose();
        }

        _encoderValues.Clear();
        _aggregatorValues.Clear();
        _encoder.Dispose();
        _aggregator.Dispose();
        _runOptions.Dispose();
    }

    /// <summary>An OrtValue over the start of <paramref name="buffer"/> with the given shape (the buffer stays pinned while it lives).</summary>
    private static OrtValue Tensor(float[] buffer, params long[] shape)
    {
        var length = (int)shape.Aggregate(1L, (a, b) => a * b);
        return OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, length), shape);
    }

    private static SessionOptions CreateSessionOptions(InferenceOptions options)
    {
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = 1,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        if (options.Device.IsCuda)
        {
            var providers = AvailableProviders();
            if (!providers.Contains("CUDAExecutionProvider"))
            {
                sessionOptions.Dispose();
                throw new InferenceException(
                    $"--device {options.Device} needs ONNX Runtime's CUDA execution provider, but this build of sers has only [{string.Join(", ", providers)}]. "
                    + "Use --device cpu, or on a CUDA host build the GPU variant, dotnet build src/SerSsl.Streaming -c Release -p:SerSslOnnxRuntime=Gpu, "
                    + "and run the sers it writes to src/SerSsl.Streaming/bin/gpu/Release/net10.0/ (docs/adr/0002-onnx-runtime-cpu-default.md).");
            }

            // Name the missing driver, CUDA or cuDNN libraries up front: ONNX Runtime would report only the first
            // library dlopen could not find, in its own words.
            if (CudaLibraryCheck.Check(options.Device, AppContext.BaseDirectory) is { } missing)
            {
                sessionOptions.Dispose();
                throw new InferenceException(missing);
            }

            try
            {
                sessionOptions.AppendExecutionProvider_CUDA(options.Device.DeviceId);
            }
            catch (OnnxRuntimeException ex)
            {
                sessionOptions.Dispose();
                throw new InferenceException($"CUDA device {options.Device.DeviceId} cannot be used: {ex.Message} Check the index with nvidia-smi, or use --device cpu.", ex);
            }
        }

        return sessionOptions;
    }

    /// <summary>The encoder graph for <paramref name="precision"/>.</summary>
    /// <exception cref="InferenceException">Int8 was asked for and the bundle has no int8 encoder.</exception>
    internal static string EncoderPath(ModelBundle bundle, InferencePrecision precision) => precision switch
    {
        InferencePrecision.Int8 => bundle.Int8EncoderPath ?? throw new InferenceException(
            $"{bundle.Directory}: --precision int8 needs an int8 encoder, and this bundle has none (manifest.json has no encoderInt8). "
            + $"Make one with `sers-train quantize --bundle {bundle.Directory} --calibration <the model's training audio>`, or use --precision fp32."),
        _ => bundle.EncoderPath,
    };

    private static InferenceSession CreateSession(string path, SessionOptions options)
    {
        try
        {
            return new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InferenceException($"{path}: ONNX Runtime cannot load this graph: {ex.Message} Re-export the bundle with `sers-train export`.", ex);
        }
    }

    private static void CheckNames(string path, InferenceSession session, string[] inputs, string[] outputs)
    {
        var missingInputs = inputs.Where(n => !session.InputMetadata.ContainsKey(n)).ToArray();
        var missingOutputs = outputs.Where(n => !session.OutputMetadata.ContainsKey(n)).ToArray();
        if (missingInputs.Length > 0 || missingOutputs.Length > 0)
        {
            throw new InferenceException(string.Create(
                CultureInfo.InvariantCulture,
                $"{path}: the graph's inputs [{string.Join(", ", session.InputMetadata.Keys)}] and outputs [{string.Join(", ", session.OutputMetadata.Keys)}] do not include [{string.Join(", ", missingInputs.Concat(missingOutputs))}] named by {ModelBundle.ManifestFileName}."));
        }
    }

    private void WarmUp()
    {
        // The first run of a session allocates and plans; do it before the first estimate is due.
        Array.Fill(EncoderInput, 0f, 0, ChunkFrames * MelBins);
        Encode(1);
        Array.Clear(AggregatorEmbeddings, 0, EmbeddingDim);
        AggregatorMask[0] = 1f;
        Aggregate(1, 1);
    }

    /// <summary>The input and output OrtValues of one batch shape.</summary>
    private sealed record Bindings(OrtValue[] Inputs, OrtValue[] Outputs);
}
