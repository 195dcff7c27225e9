using System.Buffers;
using System.Threading.Channels;

namespace SerSsl.Streaming.Inference;

/// <summary>
/// One session's lane through the <see cref="InferenceScheduler"/>: the session submits chunks with a tag of its own
/// (what it knows about each chunk), and reads each chunk's outcome back from <see cref="Results"/>, in submission
/// order. The scheduler owns the lane: it counts it for batching, holds its embedding context, and completes
/// <see cref="Results"/> once the lane is <see cref="Complete">complete</see> and every chunk has settled.
/// </summary>
/// <typeparam name="TTag">What the session attaches to each chunk; handed back untouched with its outcome.</typeparam>
/// <remarks>
/// One writer (the session's feature stage) and one reader (its estimate stage). The scheduler thread writes results
/// and never waits for the reader: the session bounds its chunks in flight itself.
/// </remarks>
internal sealed class InferenceLane<TTag> : InferenceLane
{
    private readonly Channel<LaneResult<TTag>> _results = Channel.CreateUnbounded<LaneResult<TTag>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private long _outstanding;
    private int _completed;

    internal InferenceLane(InferenceScheduler scheduler, EmbeddingWindow window)
        : base(scheduler, window)
    {
    }

    /// <summary>Each submitted chunk's outcome in submission order; completes after <see cref="Complete"/> once all have settled.</summary>
    public ChannelReader<LaneResult<TTag>> Results => _results.Reader;

    /// <summary>Chunks submitted and not yet settled.</summary>
    public long Outstanding => Interlocked.Read(ref _outstanding);

    /// <summary>Queues a chunk for the next batch; never blocks.</summary>
    /// <param name="chunk">Normalised log-mel chunk, m x bins values at the start of an array rented from the shared pool; the scheduler returns it.</param>
    /// <param name="tag">The session's data about the chunk, handed back with the outcome.</param>
    /// <param name="speech">Whether the chunk is speech: a speech chunk's estimate aggregates only the speech chunks among
    /// the lane's last K (see <see cref="EmbeddingWindow"/>). True for every chunk gives the plain window of the last K.</param>
    /// <exception cref="InvalidOperationException">The lane is complete.</exception>
    /// <exception cref="ObjectDisposedException">The scheduler has been stopped.</exception>
    public void Submit(float[] chunk, TTag tag, bool speech = true)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (Volatile.Read(ref _completed) != 0)
        {
            throw new InvalidOperationException("The lane is complete: no more chunks may be submitted.");
        }

        Interlocked.Increment(ref _outstanding);
        try
        {
            Scheduler.Enqueue(new ChunkJob<TTag>(this, chunk, tag, speech));
        }
        catch
        {
            Settled();
            throw;
        }
    }

    /// <summary>
    /// Says that no more chunks will come: batches stop waiting for this lane, and <see cref="Results"/> completes once
    /// the chunks already submitted have settled. Idempotent.
    /// </summary>
    public override void Complete()
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return;
        }

        Scheduler.LaneEnded();
        if (Interlocked.Read(ref _outstanding) == 0)
        {
            _results.Writer.TryComplete();
        }
    }

    /// <summary>Completes the lane and returns the buffers of results nobody will read.</summary>
    public override void Dispose()
    {
        Complete();
        while (_results.Reader.TryRead(out var result))
        {
            result.Return();
        }
    }

    internal void Deliver(ChunkJob<TTag> job, ReadOnlySpan<float> probabilities)
    {
        var copy = ArrayPool<float>.Shared.Rent(probabilities.Length);
        probabilities.CopyTo(copy);
        _results.Writer.TryWrite(new LaneResult<TTag>(job.Tag, copy, probabilities.Length, null));
        Settled();
    }

    internal void Fail(ChunkJob<TTag> job, Exception error)
    {
        _results.Writer.TryWrite(new LaneResult<TTag>(job.Tag, null, 0, error));
        Settled();
    }

    private void Settled()
    {
        if (Interlocked.Decrement(ref _outstanding) == 0 && Volatile.Read(ref _completed) != 0)
        {
            _results.Writer.TryComplete();
        }
    }
}

/// <summary>What every lane shares, whatever its tag: the scheduler's view of it.</summary>
internal abstract class InferenceLane : IDisposable
{
    private protected InferenceLane(InferenceScheduler scheduler, EmbeddingWindow window)
    {
        Scheduler = scheduler;
        Window = window;
    }

    /// <summary>The lane's embedding context (scheduler thread only).</summary>
    internal EmbeddingWindow Window { get; }

    /// <summary>The scheduler's mark of the last batch that counted this lane (scheduler thread only).</summary>
    internal long BatchStamp { get; set; }

    private protected InferenceScheduler Scheduler { get; }

    /// <summary>No more chunks will come.</summary>
    public abstract void Complete();

    /// <inheritdoc />
    public abstract void Dispose();
}

/// <summary>One chunk's outcome on a lane.</summary>
/// <typeparam name="TTag">The session's data about the chunk.</typeparam>
/// <param name="Tag">What the session submitted with the chunk.</param>
/// <param name="Probabilities">Label probabilities in the first <paramref name="Count"/> values of a pooled array (<see cref="Return"/> it); null on failure.</param>
/// <param name="Count">The number of probabilities.</param>
/// <param name="Error">Why the chunk could not be run; null on success.</param>
internal readonly record struct LaneResult<TTag>(TTag Tag, float[]? Probabilities, int Count, Exception? Error)
{
    /// <summary>The probabilities (empty on failure).</summary>
    public ReadOnlySpan<float> Span => Probabilities is null ? [] : Probabilities.AsSpan(0, Count);

    /// <summary>Returns the probabilities' buffer to the pool.</summary>
    public void Return()
    {
        if (Probabilities is not null)
        {
            ArrayPool<float>.Shared.Return(Probabilities);
        }
    }
}
