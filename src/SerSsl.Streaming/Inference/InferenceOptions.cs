namespace SerSsl.Streaming.Inference;

/// <summary>Which of a bundle's encoders runs.</summary>
public enum InferencePrecision
{
    /// <summary>The float32 encoder (every bundle has one).</summary>
    Fp32,

    /// <summary>The int8 (QDQ) encoder that <c>sers-train quantize</c> writes beside it.</summary>
    Int8,
}

/// <summary>How the model runs: device, precision, threads and micro-batching.</summary>
public sealed record InferenceOptions
{
    /// <summary>The defaults: CPU, one intra-op thread, batches of up to 32 chunks, 2 ms maximum wait.</summary>
    public static InferenceOptions Default { get; } = new();

    /// <summary>The execution device. Default the CPU.</summary>
    public InferenceDevice Device { get; init; } = InferenceDevice.Cpu;

    /// <summary>Which encoder runs. Default float32; int8 needs a bundle with an int8 encoder.</summary>
    public InferencePrecision Precision { get; init; } = InferencePrecision.Fp32;

    /// <summary>
    /// ONNX Runtime intra-op threads per graph; 0 lets ONNX Runtime choose (one per core). Default 1: the scheduler
    /// batches chunks, and one thread keeps per-chunk latency predictable while leaving cores to capture and features.
    /// </summary>
    public int IntraOpThreads { get; init; } = 1;

    /// <summary>Most chunks encoded in one run. Default 32.</summary>
    public int MaxBatch { get; init; } = 32;

    /// <summary>
    /// How long the scheduler waits for more chunks after the first one arrives before running a batch. Default 2 ms:
    /// below a 250 ms hop it costs nothing visible and lets concurrent sessions share runs.
    /// </summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Device);
        if (IntraOpThreads is < 0 or > 256)
        {
            throw new ArgumentException($"Intra-op threads must be 0 (automatic) to 256, got {IntraOpThreads}.", nameof(IntraOpThreads));
        }

        if (MaxBatch is < 1 or > 4096)
        {
            throw new ArgumentException($"The maximum batch must be 1 to 4096 chunks, got {MaxBatch}.", nameof(MaxBatch));
        }

        if (MaxWait < TimeSpan.Zero || MaxWait > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException($"The maximum wait must be 0 to 1 s, got {MaxWait.TotalMilliseconds} ms.", nameof(MaxWait));
        }
    }
}
