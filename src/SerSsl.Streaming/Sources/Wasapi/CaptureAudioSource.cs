using System.Globalization;

namespace SerSsl.Streaming.Sources.Wasapi;

/// <summary>
/// A microphone that pushes buffers from its own thread (<see cref="ICaptureDevice"/>: WASAPI on Windows), read as a
/// pull <see cref="IAudioSource"/>: each buffer is converted to mono float at the device's rate
/// (<see cref="CaptureBufferConverter"/>) and queued until the session's pump reads it. Platform-neutral; only the
/// device is Windows code.
/// </summary>
/// <remarks>
/// <para>
/// The device's thread never waits: the queue holds up to <see cref="QueueSeconds"/> of audio, and when it is full
/// the oldest samples are dropped (counted in <see cref="DroppedFrames"/>), as the session's own buffer drops its
/// oldest blocks when the feature stage falls behind. The pump only copies from this queue into the session's buffer,
/// so the queue fills only if the pump's thread is starved; the usual overflow is the session buffer's.
/// </para>
/// <para>
/// <see cref="OpenAsync"/> opens and starts the device and waits up to <see cref="StartTimeout"/> for the first
/// buffer, so that a device that fails as soon as it starts is reported there. A failure later ends
/// <see cref="ReadAsync"/> with an <see cref="AudioSourceException"/> that says what happened (unplugged, taken over).
/// One reader at a time; <see cref="DisposeAsync"/> may be called from another thread, and twice.
/// </para>
/// </remarks>
internal sealed class CaptureAudioSource : IAudioSource, ICaptureSink
{
    /// <summary>How much audio the queue between the device and the reader holds before it drops the oldest.</summary>
    public const double QueueSeconds = 5;

    /// <summary>How long <see cref="OpenAsync"/> waits for the first buffer (or an error) after starting the device.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(2);

    private readonly ICaptureDevice _device;
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly TaskCompletionSource _firstEvent = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CaptureBufferConverter? _converter;
    private float[] _converted = [];
    private float[] _queue = [];
    private int _head;
    private int _count;
    private long _framesCaptured;
    private long _droppedFrames;
    private bool _ended;
    private bool _stopRequested;
    private Exception? _error;
    private int _state; // 0 new, 1 opening or open, 2 disposed

    /// <summary>Wraps a device; nothing is opened until <see cref="OpenAsync"/>.</summary>
    /// <param name="device">The device; the source owns and disposes it.</param>
    public CaptureAudioSource(ICaptureDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        _device = device;
    }

    /// <inheritdoc />
    public string Description => $"mic: {_device.Name}";

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The source has not been opened.</exception>
    public AudioFormat Format => _converter?.OutputFormat ?? throw new InvalidOperationException($"Call {nameof(OpenAsync)} before asking for the format of {Description}.");

    /// <inheritdoc />
    public bool IsLive => true;

    /// <summary>The device's own format, e.g. <c>f32 2 ch 48000 Hz</c>; null before <see cref="OpenAsync"/>.</summary>
    public string? DeviceFormat => _converter is null ? null : CaptureBufferConverter.Describe(_converter.SourceFormat);

    /// <summary>Frames converted from the device so far, dropped ones included.</summary>
    public long FramesCaptured
    {
        get
        {
            lock (_lock)
            {
                return _framesCaptured;
            }
        }
    }

    /// <summary>Frames dropped because the queue was full (the reader fell more than <see cref="QueueSeconds"/> behind).</summary>
    public long DroppedFrames
    {
        get
        {
            lock (_lock)
            {
                return _droppedFrames;
            }
        }
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The source is already open.</exception>
    /// <exception cref="ObjectDisposedException">The source has been disposed.</exception>
    public async ValueTask OpenAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var state = Interlocked.CompareExchange(ref _state, 1, 0);
        ObjectDisposedException.ThrowIf(state == 2, this);
        if (state != 0)
        {
            throw new InvalidOperationException($"{Description} is already open.");
        }

        var format = _device.Open();
        var converter = new CaptureBufferConverter(format);
        lock (_lock)
        {
            _queue = new float[Math.Max(1, (int)Math.Ceiling(converter.OutputFormat.SampleRate * QueueSeconds))];
            _converter = converter;
        }

        _device.Start(this);
        await Task.WhenAny(_firstEvent.Task, Task.Delay(StartTimeout, cancellationToken)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (_error is not null)
            {
                throw _error;
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>Waits until the device has delivered audio; returns what is queued, up to <paramref name="destination"/>'s length.</remarks>
    /// <exception cref="InvalidOperationException">The source has not been opened.</exception>
    /// <exception cref="ObjectDisposedException">The source has been disposed.</exception>
    public async ValueTask<int> ReadAsync(Memory<float> destination, CancellationToken cancellationToken)
    {
        if (destination.IsEmpty)
        {
            throw new ArgumentException("The destination holds no samples, less than one frame.", nameof(destination));
        }

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _state) == 2, this);
            if (_converter is null)
            {
                throw new InvalidOperationException($"Call {nameof(OpenAsync)} before reading from {Description}.");
            }

            lock (_lock)
            {
                if (_count > 0)
                {
                    var take = Math.Min(_count, destination.Length);
                    var first = Math.Min(take, _queue.Length - _head);
                    _queue.AsSpan(_head, first).CopyTo(destination.Span);
                    _queue.AsSpan(0, take - first).CopyTo(destination.Span[first..]);
                    _head = (_head + take) % _queue.Length;
                    _count -= take;
                    return take;
                }

                if (_ended)
                {
                    return _error is null ? 0 : throw _error;
                }
            }

            await _signal.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _state, 2) == 2)
        {
            return ValueTask.CompletedTask;
        }

        lock (_lock)
        {
            _stopRequested = true;
        }

        try
        {
            _device.Stop();
        }
        finally
        {
            _device.Dispose();
            Signal();
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public override string ToString() => _converter is null
        ? Description
        : string.Create(CultureInfo.InvariantCulture, $"{Description} ({DeviceFormat}, read as {Format})");

    /// <inheritdoc />
    void ICaptureSink.OnData(ReadOnlySpan<byte> buffer, bool silent, bool discontinuity)
    {
        // The device's thread: the converter is used here only, the queue under the lock.
        var converter = _converter;
        if (converter is null || buffer.IsEmpty)
        {
            return;
        }

        if (discontinuity)
        {
            converter.Reset();
        }

        var frames = converter.MaxFrames(buffer.Length);
        if (_converted.Length < frames)
        {
            _converted = new float[Math.Max(frames, _converted.Length * 2)];
        }

        frames = converter.Convert(buffer, _converted, silent);
        if (frames > 0)
        {
            Enqueue(_converted.AsSpan(0, frames));
        }

        _firstEvent.TrySetResult();
    }

    /// <inheritdoc />
    void ICaptureSink.OnStopped(Exception? error)
    {
        lock (_lock)
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
            if (error is AudioSourceException)
            {
                _error = error;
            }
            else if (error is not null)
            {
                _error = _framesCaptured == 0 ? WasapiErrors.OpenFailed(_device.Name, error) : WasapiErrors.CaptureFailed(_device.Name, error);
            }
            else if (!_stopRequested)
            {
                _error = WasapiErrors.StoppedUnexpectedly(_device.Name);
            }
        }

        _firstEvent.TrySetResult();
        Signal();
    }

    private void Enqueue(ReadOnlySpan<float> samples)
    {
        lock (_lock)
        {
            if (_ended)
            {
                return;
            }

            _framesCaptured += samples.Length;
            var capacity = _queue.Length;
            if (samples.Length >= capacity)
            {
                // More than the whole queue: keep the newest samples only.
                _droppedFrames += _count + samples.Length - capacity;
                samples[^capacity..].CopyTo(_queue);
                _head = 0;
                _count = capacity;
            }
            else
            {
                var overflow = _count + samples.Length - capacity;
                if (overflow > 0)
                {
                    _head = (_head + overflow) % capacity;
                    _count -= overflow;
                    _droppedFrames += overflow;
                }

                var tail = (_head + _count) % capacity;
                var first = Math.Min(samples.Length, capacity - tail);
                samples[..first].CopyTo(_queue.AsSpan(tail));
                samples[first..].CopyTo(_queue);
                _count += samples.Length;
            }
        }

        Signal();
    }

    private void Signal()
    {
        lock (_lock)
        {
            if (_signal.CurrentCount == 0)
            {
                _signal.Release();
            }
        }
    }
}
