using System.Diagnostics;

namespace SerSsl.Training.Training;

/// <summary>
/// Live progress of a training run: within an epoch a line with the batch, the running loss, the throughput in chunks
/// per second and the epoch's ETA, which rewrites itself on a terminal (five times a second at most) and is printed as
/// a plain line every <see cref="LogInterval"/> when the output is a file or pipe; after each epoch one permanent
/// summary line.
/// </summary>
internal sealed class TrainingProgress
{
    /// <summary>How often a non-terminal output gets a progress line inside an epoch, by default.</summary>
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(30);

    private readonly long _lineIntervalMs;

    private readonly TextWriter _writer;
    private readonly bool _interactive;
    private readonly string _name;
    private readonly Stopwatch _epochClock = new();
    private readonly Stopwatch _runClock = Stopwatch.StartNew();
    private long _lastDraw;

    /// <summary>Creates a reporter writing to <paramref name="writer"/>.</summary>
    /// <param name="writer">Usually standard error.</param>
    /// <param name="name">What is being trained, shown at the start of each line.</param>
    /// <param name="interactive">Whether to redraw an in-place status line (a terminal) or print plain lines now and then.</param>
    /// <param name="logInterval">Without a terminal, the time between progress lines inside an epoch; <see cref="LogInterval"/> when null.</param>
    public TrainingProgress(TextWriter writer, string name, bool interactive, TimeSpan? logInterval = null)
    {
        _writer = writer;
        _name = name;
        _interactive = interactive;
        _lineIntervalMs = interactive ? 200 : (long)(logInterval ?? LogInterval).TotalMilliseconds;
    }

    /// <summary>Total chunks processed in the current epoch.</summary>
    public long EpochChunks { get; private set; }

    /// <summary>Starts an epoch.</summary>
    public void BeginEpoch()
    {
        EpochChunks = 0;
        _epochClock.Restart();
        _lastDraw = Environment.TickCount64;
    }

    /// <summary>Reports a finished batch.</summary>
    public void Batch(int epoch, int epochs, int batch, int batches, int chunks, double runningLoss)
    {
        EpochChunks += chunks;
        var now = Environment.TickCount64;
        if (batch == batches || now - _lastDraw < _lineIntervalMs)
        {
            return;
        }

        _lastDraw = now;
        var elapsed = _epochClock.Elapsed.TotalSeconds;
        var eta = TimeSpan.FromSeconds(elapsed / batch * (batches - batch));
        var line = $"{_name} epoch {epoch}/{epochs}  batch {batch}/{batches}  loss {runningLoss:F4}  {ChunksPerSecond:F0} chunks/s  epoch ETA {eta:mm\\:ss}";
        if (_interactive)
        {
            _writer.Write($"\r{line}   ");
        }
        else
        {
            _writer.WriteLine(line);
        }
    }

    /// <summary>Chunks per second in the current epoch.</summary>
    public double ChunksPerSecond => EpochChunks / Math.Max(_epochClock.Elapsed.TotalSeconds, 1e-9);

    /// <summary>Ends an epoch with its summary.</summary>
    /// <param name="epoch">1-based epoch.</param>
    /// <param name="epochs">Planned epochs.</param>
    /// <param name="summary">What to report, e.g. losses and the development F1.</param>
    public void EndEpoch(int epoch, int epochs, string summary)
    {
        var perEpoch = _runClock.Elapsed.TotalSeconds / epoch;
        var eta = TimeSpan.FromSeconds(perEpoch * (epochs - epoch));
        if (_interactive)
        {
            _writer.Write('\r');
        }

        _writer.WriteLine($"{_name} epoch {epoch}/{epochs}  {summary}  {ChunksPerSecond:F0} chunks/s  {_epochClock.Elapsed.TotalSeconds:F1} s  ETA {eta:hh\\:mm\\:ss}");
    }
}
