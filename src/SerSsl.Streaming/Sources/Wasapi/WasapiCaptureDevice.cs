using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using NAudio.CoreAudioApi;
using NAudio.Wave;

namespace SerSsl.Streaming.Sources.Wasapi;

/// <summary>
/// A WASAPI capture endpoint in shared mode, event-driven, through NAudio's <see cref="WasapiRecorder"/> (Windows
/// only). Buffers arrive in the endpoint's mix format on NAudio's capture thread; an endpoint that goes away mid-capture
/// (AUDCLNT_E_DEVICE_INVALIDATED) ends capture with RecordingStopped carrying the exception.
/// </summary>
/// <remarks>
/// NAudio 3 marks its older <c>WasapiCapture</c> obsolete in favour of <see cref="WasapiRecorder"/>; the recorder
/// also passes WASAPI's buffer flags (silence, discontinuity), which the older event did not.
/// </remarks>
[SupportedOSPlatform("windows")]
internal sealed class WasapiCaptureDevice : ICaptureDevice
{
    /// <summary>The WASAPI buffer length asked for; the engine delivers a packet about every 10 ms within it.</summary>
    public const int BufferMilliseconds = 100;

    private readonly string? _requested;
    private MMDeviceEnumerator? _enumerator;
    private MMDevice? _device;
    private WasapiRecorder? _recorder;
    private ICaptureSink? _sink;

    /// <summary>Describes the device; nothing is opened until <see cref="Open"/>.</summary>
    /// <param name="requested">An endpoint id or friendly name (see <c>sers devices</c>), or null for the default capture device.</param>
    public WasapiCaptureDevice(string? requested)
    {
        if (requested is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(requested);
        }

        _requested = requested;
        Name = requested ?? "the default capture device";
    }

    /// <inheritdoc />
    public string Name { get; private set; }

    /// <inheritdoc />
    public WaveFormat Open()
    {
        if (_recorder is not null)
        {
            throw new InvalidOperationException($"{Name} is already open.");
        }

        _enumerator = new MMDeviceEnumerator();
        _device = WasapiDevices.Find(_enumerator, _requested, out var name);
        Name = _requested is null ? $"{name} (default)" : name;
        try
        {
            _recorder = new WasapiRecorderBuilder()
                .WithDevice(_device)
                .WithSharedMode()
                .WithEventSync()
                .WithBufferLength(BufferMilliseconds)
                .Build();
            return _recorder.WaveFormat;
        }
        catch (Exception ex) when (ex is COMException or InvalidOperationException or ArgumentException or UnauthorizedAccessException)
        {
            throw WasapiErrors.OpenFailed(Name, ex);
        }
    }

    /// <inheritdoc />
    public void Start(ICaptureSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var recorder = _recorder ?? throw new InvalidOperationException($"Call {nameof(Open)} before starting {Name}.");
        _sink = sink;
        recorder.DataAvailable += OnData;
        recorder.RecordingStopped += OnStopped;
        try
        {
            recorder.StartRecording();
        }
        catch (Exception ex) when (ex is COMException or InvalidOperationException or UnauthorizedAccessException)
        {
            throw WasapiErrors.OpenFailed(Name, ex);
        }
    }

    /// <inheritdoc />
    public void Stop()
    {
        try
        {
            _recorder?.StopRecording();
        }
        catch (Exception ex) when (ex is COMException or InvalidOperationException)
        {
            // A device already gone cannot be stopped; capture has ended anyway.
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_recorder is { } recorder)
        {
            recorder.DataAvailable -= OnData;
            recorder.RecordingStopped -= OnStopped;
            recorder.Dispose();
            _recorder = null;
        }

        _device?.Dispose();
        _device = null;
        _enumerator?.Dispose();
        _enumerator = null;
    }

    private void OnData(ReadOnlySpan<byte> buffer, AudioClientBufferFlags flags, long devicePosition, long qpcPosition) =>
        _sink?.OnData(buffer, (flags & AudioClientBufferFlags.Silent) != 0, (flags & AudioClientBufferFlags.DataDiscontinuity) != 0);

    private void OnStopped(object? sender, StoppedEventArgs e) => _sink?.OnStopped(e.Exception);
}

/// <summary>Makes the Windows microphone source; kept apart so that nothing on other systems compiles a call into NAudio.Wasapi.</summary>
[SupportedOSPlatform("windows")]
internal static class WasapiMicrophone
{
    /// <summary>A microphone source on the named endpoint, or on the default capture device when <paramref name="device"/> is null.</summary>
    /// <param name="device">An endpoint id or friendly name, or null.</param>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static IAudioSource Create(string? device) => new CaptureAudioSource(new WasapiCaptureDevice(device));

    /// <summary>The active capture endpoints.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static IReadOnlyList<CaptureEndpoint> List() => WasapiDevices.List();
}
