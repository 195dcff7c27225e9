namespace SerSsl.Streaming.Inference;

/// <summary>One chunk of one lane on its way through the <see cref="InferenceScheduler"/>.</summary>
internal abstract class ChunkJob(InferenceLane lane, float[] chunk, bool speech)
{
    /// <summary>The lane the chunk came from.</summary>
    public InferenceLane Lane { get; } = lane;

    /// <summary>The chunk's values (m x bins at the start of a pooled array; the scheduler returns it).</summary>
    public float[] Chunk { get; } = chunk;

    /// <summary>Whether the chunk is speech, which decides its aggregation window (see <see cref="EmbeddingWindow"/>).</summary>
    public bool Speech { get; } = speech;

    /// <summary>Index of the chunk's embedding in its lane's window, set by the scheduler.</summary>
    public long EmbeddingIndex { get; set; }

    /// <summary>Hands the probabilities to the lane (scheduler thread; valid only during the call).</summary>
    public abstract void Deliver(ReadOnlySpan<float> probabilities);

    /// <summary>Hands a failure to the lane.</summary>
    public abstract void Fail(Exception error);
}

/// <summary>A chunk with its lane's tag.</summary>
internal sealed class ChunkJob<TTag>(InferenceLane<TTag> lane, float[] chunk, TTag tag, bool speech) : ChunkJob(lane, chunk, speech)
{
    private readonly InferenceLane<TTag> _lane = lane;

    /// <summary>The session's data about the chunk.</summary>
    public TTag Tag { get; } = tag;

    /// <inheritdoc />
    public override void Deliver(ReadOnlySpan<float> probabilities) => _lane.Deliver(this, probabilities);

    /// <inheritdoc />
    public override void Fail(Exception error) => _lane.Fail(this, error);
}
