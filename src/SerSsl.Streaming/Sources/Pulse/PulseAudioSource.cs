using System.Globalization;
using System.Runtime.InteropServices;

namespace SerSsl.Streaming.Sources.Pulse;

/// <summary>
/// A microphone (or any capture source, such as a sink's monitor) read through PulseAudio's simple API. Works with a
/// PulseAudio daemon and with PipeWire's PulseAudio server (pipewire-pulse).
/// </summary>
/// <remarks>
/// <para>
/// The server converts to the requested rate and channel count and to float32, so <see cref="Format"/> is what the
/// caller asked for whatever the device's native format. The server sends blocks of <see cref="ReadPeriod"/> (20 ms);
/// <see cref="ReadAsync"/> returns at most one block, so once audio flows it returns within about one period and a
/// cancelled reader stops promptly. The first read waits until the device starts delivering: a hardware source starts
/// within a few periods, a timer-driven virtual one (the monitor of a null sink) can take up to its maximum latency,
/// about 2 s. <see cref="OpenAsync"/> connects synchronously; libpulse sets no time limit on a server that accepts the
/// connection but never answers.
/// </para>
/// <para>
/// Reads block the calling thread (the pipeline reads from a dedicated task), and one reader at a time is supported.
/// <see cref="DisposeAsync"/> may be called from another thread, twice, or while a read blocks; the connection is freed
/// exactly once, after that read returns.
/// </para>
/// </remarks>
internal sealed class PulseAudioSource : IAudioSource
{
    /// <summary>The length of audio in one block from the server and at most one <see cref="ReadAsync"/>.</summary>
    public static readonly TimeSpan ReadPeriod = TimeSpan.FromMilliseconds(20);

    private const string ApplicationName = "sers";
    private const string StreamName = "speech emotion recognition capture";

    private readonly string? _device;
    private readonly string? _server;
    private readonly int _periodFrames;
    private PulseSimpleHandle? _handle;
    private int _disposed;

    /// <summary>Describes a capture stream; nothing is opened until <see cref="OpenAsync"/>.</summary>
    /// <param name="device">
    /// The PulseAudio source name (see <c>sers devices</c>), or null for the server's default source.
    /// </param>
    /// <param name="sampleRate">Requested frames per second; the server resamples.</param>
    /// <param name="channels">Requested interleaved channels; the server up- or downmixes.</param>
    /// <param name="server">
    /// A PulseAudio server string such as <c>unix:/run/user/1000/pulse/native</c>, or null for the default server
    /// (<c>PULSE_SERVER</c>, client.conf, then the session's socket).
    /// </param>
    /// <exception cref="ArgumentException"><paramref name="device"/> or <paramref name="server"/> is empty or white space.</exception>
    /// <exception cref="AudioSourceException">The rate or channel count is outside <see cref="AudioFormat"/>'s range.</exception>
    public PulseAudioSource(string? device = null, int sampleRate = 16_000, int channels = 1, string? server = null)
    {
        if (device is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(device);
        }

        if (server is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(server);
        }

        Format = new AudioFormat(sampleRate, channels);
        Format.Validate();
        _device = device;
        _server = server;
        _periodFrames = Math.Max(1, (int)(sampleRate * ReadPeriod.Ticks / TimeSpan.TicksPerSecond));
    }

    /// <inheritdoc />
    public string Description => $"mic: {_device ?? "default source"}";

    /// <inheritdoc />
    public AudioFormat Format { get; }

    /// <inheritdoc />
    public bool IsLive => true;

    /// <summary>Samples (not frames) in one server block: the most one <see cref="ReadAsync"/> returns.</summary>
    public int PeriodSamples => _periodFrames * Format.Channels;

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The source is already open.</exception>
    /// <exception cref="ObjectDisposedException">The source has been disposed.</exception>
    public ValueTask OpenAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Volatile.Read(ref _handle) is not null)
        {
            throw new InvalidOperationException($"{Description} is already open.");
        }

        PulseLibrary.EnsureAvailable();
        var spec = new PulseSampleSpec(PulseNative.SampleFloat32Le, (uint)Format.SampleRate, (byte)Format.Channels);
        var attributes = new PulseBufferAttributes((uint)(PeriodSamples * sizeof(float)));
        var handle = PulseNative.SimpleNew(
            _server, ApplicationName, PulseNative.StreamRecord, _device, StreamName, in spec, nint.Zero, in attributes, out var error);
        if (handle.IsInvalid)
        {
            handle.Dispose();
            throw OpenFailure(error);
        }

        if (Interlocked.CompareExchange(ref _handle, handle, null) is not null || Volatile.Read(ref _disposed) != 0)
        {
            // Disposed (or opened) by another thread meanwhile: this connection is not ours to keep.
            handle.Dispose();
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            throw new InvalidOperationException($"{Description} is already open.");
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>Blocks the calling thread for up to one <see cref="ReadPeriod"/> and returns at most <see cref="PeriodSamples"/> samples; never returns 0.</remarks>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than one frame.</exception>
    /// <exception cref="InvalidOperationException">The source has not been opened.</exception>
    /// <exception cref="ObjectDisposedException">The source has been disposed.</exception>
    public ValueTask<int> ReadAsync(Memory<float> destination, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var handle = Volatile.Read(ref _handle);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (handle is null)
        {
            throw new InvalidOperationException($"Call {nameof(OpenAsync)} before reading from {Description}.");
        }

        var channels = Format.Channels;
        if (destination.Length < channels)
        {
            throw new ArgumentException(
                $"The destination holds {destination.Length} samples, less than one frame of {channels}.", nameof(destination));
        }

        var samples = Math.Min(destination.Length / channels, _periodFrames) * channels;
        var span = destination.Span[..samples];
        int result;
        int error;
        try
        {
            // The handle's reference count keeps the connection alive until this call returns, even if disposed meanwhile.
            result = PulseNative.SimpleRead(handle, ref MemoryMarshal.GetReference(span), (nuint)(samples * sizeof(float)), out error);
        }
        catch (ObjectDisposedException)
        {
            // Disposed between the check above and the call.
            throw new ObjectDisposedException(GetType().FullName);
        }

        if (result < 0)
        {
            throw new AudioSourceException(
                $"Reading from the PulseAudio source {_device ?? "(default)"} failed: {PulseNative.ErrorText(error)}. " +
                "The device may have been unplugged or the server stopped; check 'sers devices'.");
        }

        return ValueTask.FromResult(samples);
    }

    /// <summary>How much captured audio is buffered between the device and this reader, or null when not known.</summary>
    public TimeSpan? GetLatency()
    {
        var handle = Volatile.Read(ref _handle);
        if (handle is null || handle.IsClosed)
        {
            return null;
        }

        try
        {
            var microseconds = PulseNative.SimpleGetLatency(handle, out _);
            return microseconds == ulong.MaxValue ? null : TimeSpan.FromMicroseconds(microseconds);
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Interlocked.Exchange(ref _handle, null)?.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Description} ({Format})");

    private AudioSourceException OpenFailure(int error)
    {
        var detail = PulseNative.ErrorText(error);
        if (PulseAudioErrors.MeansNoServer(error))
        {
            return PulseAudioErrors.ServerUnavailable(_server, detail);
        }

        if (error == PulseNative.ErrorNoEntity && _device is not null)
        {
            return PulseAudioErrors.UnknownDevice(_device, _server);
        }

        return new AudioSourceException(
            $"Cannot open the PulseAudio source {_device ?? "(default)"} at {PulseAudioErrors.Where(_server)} for {Format}: {detail}.");
    }
}
