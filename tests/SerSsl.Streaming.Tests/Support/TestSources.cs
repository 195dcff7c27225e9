using SerSsl.Streaming.Sources;

namespace SerSsl.Streaming.Tests.Support;

/// <summary>
/// A source over samples in memory: lossless (the pipeline waits), or live and as fast as memory can be copied, in
/// bursts of <paramref name="burstFrames"/> separated by <paramref name="pause"/> (the pipeline cannot keep up with a
/// burst and must drop, and catches up in the pause).
/// </summary>
internal sealed class MemorySource(float[] samples, AudioFormat format, bool isLive, int blockFrames = 320, int burstFrames = int.MaxValue, TimeSpan pause = default) : IAudioSource
{
    private int _position;
    private int _sinceBurst;
    private int _disposed;

    public string Description => isLive ? "memory (live, unpaced)" : "memory";

    public AudioFormat Format => format;

    public bool IsLive => isLive;

    public bool Disposed => Volatile.Read(ref _disposed) == 1;

    public ValueTask OpenAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public async ValueTask<int> ReadAsync(Memory<float> destination, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_sinceBurst >= burstFrames)
        {
            _sinceBurst = 0;
            await Task.Delay(pause, cancellationToken);
        }

        var count = Math.Min(Math.Min(destination.Length, blockFrames * format.Channels), samples.Length - _position);
        count -= count % format.Channels;
        samples.AsSpan(_position, count).CopyTo(destination.Span);
        _position += count;
        _sinceBurst += count / format.Channels;
        return count;
    }

    public ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _disposed, 1);
        return ValueTask.CompletedTask;
    }
}

/// <summary>A live source that never ends: a quiet tone in real time, 20 ms per read, until cancelled.</summary>
internal sealed class EndlessToneSource : IAudioSource
{
    private long _frames;
    private DateTime _start;

    public string Description => "endless tone";

    public AudioFormat Format { get; } = new(16_000, 1);

    public bool IsLive => true;

    public ValueTask OpenAsync(CancellationToken cancellationToken)
    {
        _start = DateTime.UtcNow;
        return ValueTask.CompletedTask;
    }

    public async ValueTask<int> ReadAsync(Memory<float> destination, CancellationToken cancellationToken)
    {
        var count = Math.Min(destination.Length, 320);
        var due = _start + TimeSpan.FromSeconds((_frames + count) / 16_000.0) - DateTime.UtcNow;
        if (due > TimeSpan.Zero)
        {
            await Task.Delay(due, cancellationToken);
        }

        var span = destination.Span;
        for (var i = 0; i < count; i++)
        {
            span[i] = 0.1f * MathF.Sin(2 * MathF.PI * 220 * (_frames + i) / 16_000f);
        }

        _frames += count;
        return count;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
