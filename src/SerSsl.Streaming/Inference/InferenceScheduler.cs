using System.Buffers;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SerSsl.Streaming.Inference;

/// <summary>
/// Runs the model for every session on one dedicated thread, micro-batching chunks: after the first chunk arrives it
/// waits up to <see cref="InferenceOptions.MaxWait"/> for more (up to <see cref="InferenceOptions.MaxBatch"/>), encodes
/// them in one run, appends each embedding to its lane's window, and aggregates every chunk with its context in a
/// second run.
/// </summary>
/// <remarks>
/// <para>
/// Each session gets its own <see cref="InferenceLane{TTag}"/> (<see cref="OpenLane{TTag}"/>): it submits chunks there
/// and reads their outcomes back there. The wait ends early once every open lane has a chunk in the batch: with one
/// session a chunk runs at once, and with many the batch closes as soon as nobody else is due.
/// </para>
/// <para>
/// Chunks are processed in submission order, so a lane's results come back in the order it submitted them.
/// Submitting never blocks. A failed run fails only the chunks of that batch; the scheduler goes on. The batch wait
/// runs on <see cref="TimeProvider"/>, so tests drive it with a fake clock.
/// </para>
/// </remarks>
internal sealed class InferenceScheduler : IDisposable
{
    private readonly OnnxEmotionModel _model;
    private readonly Queue<ChunkJob> _queue = new();
    private readonly object _lock = new();
    private readonly List<ChunkJob> _batch;
    private readonly Thread _thread;
    private readonly TimeProvider _time;
    private readonly ITimer _deadlineTimer;
    private readonly TimeSpan _maxWait;
    private readonly ILogger _logger;
    private bool _stopping;
    private int _openLanes;
    private long _batchStamp;
    private long _batches;
    private long _chunks;
    private long _busyTicks;
    private long _runningSince;

    /// <summary>Starts the scheduler thread.</summary>
    /// <param name="model">The model; owned by the caller, and used only by this scheduler from now on.</param>
    /// <param name="time">The clock of the batch wait; null for the system clock.</param>
    /// <param name="logger">Where failed batches are logged; null for nowhere.</param>
    public InferenceScheduler(OnnxEmotionModel model, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _batch = new List<ChunkJob>(model.MaxBatch);
        _maxWait = model.Options.MaxWait;
        _deadlineTimer = _time.CreateTimer(static state => ((InferenceScheduler)state!).Wake(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _thread = new Thread(Run) { IsBackground = true, Name = "sers inference", Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    /// <summary>The model being run.</summary>
    public OnnxEmotionModel Model => _model;

    /// <summary>Batches run so far.</summary>
    public long BatchesRun => Interlocked.Read(ref _batches);

    /// <summary>Chunks run so far.</summary>
    public long ChunksRun => Interlocked.Read(ref _chunks);

    /// <summary>Time spent running the model so far (measured on the processor's clock, not <see cref="TimeProvider"/>).</summary>
    public TimeSpan BusyTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _busyTicks));

    /// <summary>True while the scheduler thread runs (false once stopped, or if it died).</summary>
    public bool IsRunning => _thread.IsAlive && !Volatile.Read(ref _stopping);

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

    /// <summary>
    /// How long the batch in progress has been running: a few milliseconds when healthy, growing without bound when
    /// the model is stuck. Zero between batches.
    /// </summary>
    public TimeSpan Stall => Volatile.Read(ref _runningSince) is var since and not 0 ? Stopwatch.GetElapsedTime(since) : TimeSpan.Zero;

    /// <summary>Called on the scheduler thread before each batch runs (tests use it to hold the thread inside a batch).</summary>
    internal Action? BatchStarting { get; set; }

    /// <summary>Lanes open now: sessions that may still submit chunks.</summary>
    public int OpenLanes => Volatile.Read(ref _openLanes);

    /// <summary>Opens a lane for one session; complete or dispose it when the session submits no more.</summary>
    /// <typeparam name="TTag">What the session attaches to each chunk.</typeparam>
    /// <exception cref="ObjectDisposedException">The scheduler has been stopped.</exception>
    internal InferenceLane<TTag> OpenLane<TTag>()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            _openLanes++;
        }

        return new InferenceLane<TTag>(this, new EmbeddingWindow(_model.EmbeddingDim, _model.MaxChunks, _model.MaxBatch));
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
        _deadlineTimer.Dispose();
        lock (_lock)
        {
            abandoned = [.. _queue];
            _queue.Clear();
        }

        foreach (var job in abandoned)
        {
            ArrayPool<float>.Shared.Return(job.Chunk);
            job.Fail(new OperationCanceledException("The inference scheduler was stopped."));
        }

        InferenceLog.Stopped(_logger, BatchesRun, ChunksRun, abandoned.Count);
    }

    /// <summary>Queues a lane's chunk.</summary>
    internal void Enqueue(ChunkJob job)
    {
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

    /// <summary>A lane will submit no more chunks.</summary>
    internal void LaneEnded()
    {
        lock (_lock)
        {
            _openLanes--;

            // A batch may be waiting for this lane's next chunk, which will not come.
            Monitor.PulseAll(_lock);
        }
    }

    private void Wake()
    {
        lock (_lock)
        {
            Monitor.PulseAll(_lock);
        }
    }

    private void Run()
    {
        while (TakeBatch())
        {
            var start = Stopwatch.GetTimestamp();
            Volatile.Write(ref _runningSince, start);
            try
            {
                BatchStarting?.Invoke();
                RunBatch();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                InferenceLog.BatchFailed(_logger, _batch.Count, ex);
                foreach (var job in _batch)
                {
                    job.Fail(ex);
                }
            }

            Volatile.Write(ref _runningSince, 0);
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
            // Once stopping, no new batch starts: what is still queued fails with cancellation in Dispose.
            while (!_stopping && _queue.Count == 0)
            {
                Monitor.Wait(_lock);
            }

            if (_stopping)
            {
                return false;
            }

            var firstArrival = _time.GetTimestamp();
            var stamp = ++_batchStamp;
            var lanes = 0;
            var armed = false;
            try
            {
                while (true)
                {
                    while (_queue.Count > 0 && _batch.Count < _model.MaxBatch)
                    {
                        var job = _queue.Dequeue();
                        if (job.Lane.BatchStamp != stamp)
                        {
                            job.Lane.BatchStamp = stamp;
                            lanes++;
                        }

                        _batch.Add(job);
                    }

                    var remaining = _maxWait - _time.GetElapsedTime(firstArrival);
                    if (_batch.Count >= _model.MaxBatch || remaining <= TimeSpan.Zero || _stopping || lanes >= _openLanes)
                    {
                        return true;
                    }

                    if (!armed)
                    {
                        // The timer pulses the lock at the deadline; chunks and lane ends pulse it too.
                        _deadlineTimer.Change(remaining, Timeout.InfiniteTimeSpan);
                        armed = true;
                    }

                    Monitor.Wait(_lock);
                }
            }
            finally
            {
                if (armed)
                {
                    _deadlineTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                }
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
            job.EmbeddingIndex = job.Lane.Window.Append(model.Embeddings.AsSpan(i * dim, dim), job.Speech);
        }

        for (var i = 0; i < count; i++)
        {
            var job = _batch[i];
            k = Math.Max(k, job.Lane.Window.ContextLength(job.EmbeddingIndex));
        }

        for (var i = 0; i < count; i++)
        {
            var job = _batch[i];
            job.Lane.Window.CopyWindow(job.EmbeddingIndex, model.AggregatorEmbeddings.AsSpan(i * k * dim, k * dim), model.AggregatorMask.AsSpan(i * k, k));
        }

        model.Aggregate(count, k);
        var labels = model.LabelCount;
        for (var i = 0; i < count; i++)
        {
            _batch[i].Deliver(model.Probabilities.AsSpan(i * labels, labels));
        }
    }
}
