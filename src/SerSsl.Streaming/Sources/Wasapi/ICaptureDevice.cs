using NAudio.Wave;

namespace SerSsl.Streaming.Sources.Wasapi;

/// <summary>
/// A device that pushes capture buffers from a thread of its own (WASAPI on Windows), as
/// <see cref="CaptureAudioSource"/> needs it. Only NAudio.Core types appear here, so the source and its tests never
/// load the Windows-only NAudio.Wasapi.
/// </summary>
internal interface ICaptureDevice : IDisposable
{
    /// <summary>What to call the device in messages, e.g. <c>Microphone (USB Audio)</c> or <c>default capture device</c>.</summary>
    public string Name { get; }

    /// <summary>Finds and prepares the device; returns the format its buffers will be in.</summary>
    /// <exception cref="AudioSourceException">No such device, or it cannot be opened; the message says what to do.</exception>
    public WaveFormat Open();

    /// <summary>
    /// Starts capturing: from now on the device calls <paramref name="sink"/>'s <see cref="ICaptureSink.OnData"/> on
    /// its own thread, and <see cref="ICaptureSink.OnStopped"/> once when capture ends (after <see cref="Stop"/>, or with
    /// the error that ended it).
    /// </summary>
    /// <exception cref="AudioSourceException">Capture could not start.</exception>
    public void Start(ICaptureSink sink);

    /// <summary>Asks capture to stop; <see cref="ICaptureSink.OnStopped"/> follows.</summary>
    public void Stop();
}

/// <summary>Where a <see cref="ICaptureDevice"/> delivers.</summary>
internal interface ICaptureSink
{
    /// <summary>A buffer of captured bytes, valid only during the call.</summary>
    /// <param name="buffer">Bytes in the device's format; not necessarily whole frames.</param>
    /// <param name="silent">True when the device flagged the buffer as silence.</param>
    /// <param name="discontinuity">True when the device lost audio just before this buffer (a glitch).</param>
    public void OnData(ReadOnlySpan<byte> buffer, bool silent, bool discontinuity);

    /// <summary>Capture has ended: <paramref name="error"/> is null after a requested stop, else what ended it.</summary>
    public void OnStopped(Exception? error);
}
