namespace SerSsl.Streaming.Inference;

/// <summary>Receives the outcome of a session's chunks from the scheduler thread; must return quickly and never block.</summary>
public interface IChunkSink
{
    /// <summary>The chunk has been encoded and aggregated with its context.</summary>
    /// <param name="job">The job (its <see cref="ChunkJob.Chunk"/> has been returned to the pool).</param>
    /// <param name="probabilities">Label probabilities; valid only during the call.</param>
    public void OnResult(ChunkJob job, ReadOnlySpan<float> probabilities);

    /// <summary>The chunk could not be run.</summary>
    /// <param name="job">The job.</param>
    /// <param name="error">Why.</param>
    public void OnFailure(ChunkJob job, Exception error);
}

/// <summary>One chunk of one session, on its way through the <see cref="InferenceScheduler"/>.</summary>
public sealed class ChunkJob
{
    /// <summary>Creates a job.</summary>
    /// <param name="sink">Who receives the result.</param>
    /// <param name="window">The session's embedding context.</param>
    /// <param name="chunk">Normalised log-mel chunk, m x bins values (rented from the shared pool; the scheduler returns it).</param>
    /// <param name="state">The session's own data about the chunk, passed back untouched.</param>
    public ChunkJob(IChunkSink sink, EmbeddingWindow window, float[] chunk, object? state)
    {
        Sink = sink;
        Window = window;
        Chunk = chunk;
        State = state;
    }

    /// <summary>Who receives the result.</summary>
    public IChunkSink Sink { get; }

    /// <summary>The session's embedding context.</summary>
    public EmbeddingWindow Window { get; }

    /// <summary>The chunk's values (m x bins at the start of a pooled array).</summary>
    public float[] Chunk { get; }

    /// <summary>The session's own data about the chunk.</summary>
    public object? State { get; }

    /// <summary>Index of the chunk's embedding in <see cref="Window"/>, set by the scheduler.</summary>
    internal long EmbeddingIndex { get; set; }
}
