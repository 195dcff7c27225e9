using System.Buffers;
using System.Diagnostics;

namespace SerSsl.Streaming.Inference;

/// <summary>
/// Runs the model for every session on one dedicated thread, micro-batching chunks: after the first chunk arrives it
/// waits up to <see cref="InferenceOptions.MaxWait"/> for more (up to <see cref="InferenceOptions.MaxBatch"/>), encodes
/// them in one run, appends each embedding to its session's window, and aggregates every chunk with its context in a
/// second run.
/// </summary>
/// <remarks>
/// <para>
/// The wait ends early once every active session (<see cref="AddSession"/>) has a chunk in the batch: with one
/// session a chunk runs at once, and with many the batch closes as soon as nobody else is due.
/// </para>
/// Chunks are processed in submission order, so a session's results come back in the order it submitted them.
/// <see cref="Submit"/> never blocks. A failed run fails only the chunks of that batch; the scheduler goes on.
/// </remarks>
public sealed class InferenceScheduler : IDisposable
{
    private readonly OnnxEmotionModel _model;
    private readonly Queue<ChunkJob> _queue = new();
    private readonly object _lock = new();
    private readonly List<ChunkJob> _batch;
    private readonly Thread _thread;
    private readonly long _maxWaitTicks;
    private bool _stopping;
    private int _activeSessions;
    private long _batchStamp;
    private long _batches;
    private long _chunks;
    private long _busyTicks;

    /// <summary>Starts the scheduler thread.</summary>
    /// <param name="model">The model; owned by the caller, and used only by this scheduler from now on.</param>
    public InferenceScheduler(OnnxEmotionModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _batch = new List<ChunkJob>(model.MaxBatch);
        _maxWaitTicks = (long)(model.Options.MaxWait.TotalSeconds * Stopwatch.Frequency);
        _thread = new Thread(Run) { IsBackground = true, Name = "sers inference", Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    /// <summary>The model being run.</summary>
    public OnnxEmotionModel Model => _model;

    /// <summary>Batches run so far.</summary>
    public long BatchesRun => Interlocked.Read(ref _batches);

    /// <summary>Chunks run so far.</summary>
    public long ChunksRun => Interlocked.Read(ref _chunks);

    /// <summary>Time spent running the model so far.</summary>
    public TimeSpan BusyTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _busyTicks));

    /// <summary>Chunks waiting for the next batch.</summary>
    public int QueueLength
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Sessions currently feeding the scheduler.</summary>
    public int ActiveSessions => Volatile.Read(ref _activeSessions);

    /// <summary>Counts a session that will submit chunks, so batches wait for it (up to the maximum wait).</summary>
    public void AddSession() => Interlocked.Increment(ref _activeSessions);

    /// <summary>Stops counting a session that has ended.</summary>
    public void RemoveSession()
    {
        Interlocked.Decrement(ref _activeSessions);
        lock (_lock)
        {
            // A batch may be waiting for this session's next chunk, which will not come.
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>Queues a chunk; its sink hears back on the scheduler thread.</summary>
    /// <param name="job">The chunk.</param>
    /// <exception cref="ObjectDisposedException">The scheduler has been stopped.</exception>
    public void Submit(ChunkJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Chunk.Length < _model.ChunkFrames * _model.MelBins)
        {
            throw new ArgumentException($"A chunk has {_model.ChunkFrames * _model.MelBins} values, got {job.Chunk.Length}.", nameof(job));
        }

        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            _queue.Enqueue(job);
            if (_queue.Count == 1 || _queue.Count >= _model.MaxBatch)
            {
                Monitor.PulseAll(_lock);
            }
        }
    }

    /// <summary>Stops the thread after the batch in progress; queued chunks fail with <see cref="OperationCanceledException"/>.</summary>
    public void Dispose()
    {
        List<ChunkJob> abandoned;
        lock (_lock)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
            Monitor.PulseAll(_lock);
        }

        _thread.Join();
        lock (_lock)
        {
            abandoned = [.. _queue];
            _queue.Clear();
        }

        foreach (var job in abandoned)
        {
            ArrayPool<float>.Shared.Return(job.Chunk);
            job.Sink.OnFailure(job, new OperationCanceledException("The inference scheduler was stopped."));
        }
    }

    private void Run()
    {
        while (TakeBatch())
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                RunBatch();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                foreach (var job in _batch)
                {
                    job.Sink.OnFailure(job, ex);
                }
            }

            Interlocked.Add(ref _busyTicks, Stopwatch.GetTimestamp() - start);
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _chunks, _batch.Count);
            _batch.Clear();
        }
    }

    /// <summary>Waits for the first chunk, then for more until the batch is full or the wait is over. False when stopping.</summary>
    private bool TakeBatch()
    {
        lock (_lock)
        {
            while (_queue.Count == 0)
            {
                if (_stopping)
                {
                    return false;
                }

                Monitor.Wait(_lock);
            }

            var deadline = Stopwatch.GetTimestamp() + _maxWaitTicks;
            var stamp = ++_batchStamp;
            var sessions = 0;
            while (true)
            {
                while (_queue.Count > 0 && _batch.Count < _model.MaxBatch)
                {
                    var job = _queue.Dequeue();
                    if (job.Window.BatchStamp != stamp)
                    {
                        job.Window.BatchStamp = stamp;
                        sessions++;
                    }

                    _batch.Add(job);
                }

                var remaining = deadline - Stopwatch.GetTimestamp();
                if (_batch.Count >= _model.MaxBatch || remaining <= 0 || _stopping || sessions >= Volatile.Read(ref _activeSessions))
                {
                    return true;
                }

                Monitor.Wait(_lock, TimeSpan.FromSeconds((double)remaining / Stopwatch.Frequency));
            }
        }
    }

    private void RunBatch()
    {
        var model = _model;
        var chunkLength = model.ChunkFrames * model.MelBins;
        var dim = model.EmbeddingDim;
        var count = _batch.Count;
        for (var i = 0; i < count; i++)
        {
            var job = _batch[i];
            job.Chunk.AsSpan(0, chunkLength).CopyTo(model.EncoderInput.AsSpan(i * chunkLength, chunkLength));
            ArrayPool<float>.Shared.Return(job.Chunk);
        }

        model.Encode(count);
        var k = 1;
        for (var i = 0; i < count; i++)
        {
            var job = _batch[i];
            job.EmbeddingIndex = job.Window.Append(model.Embeddings.AsSpan(i * dim, dim));
        }

        for (var i = 0; i < count; i++)
        {
            var job = _batch[i];
            k = Math.Max(k, job.Window.ContextLength(job.EmbeddingIndex));
        }

        for (var i = 0; i < count; i++)
        {
            var job = _batch[i];
            job.Window.CopyWindow(job.EmbeddingIndex, model.AggregatorEmbeddings.AsSpan(i * k * dim, k * dim), model.AggregatorMask.AsSpan(i * k, k));
        }

        model.Aggregate(count, k);
        var labels = model.LabelCount;
        for (var i = 0; i < count; i++)
        {
            var job = _batch[i];
            job.Sink.OnResult(job, model.Probabilities.AsSpan(i * labels, labels));
        }
    }
}
