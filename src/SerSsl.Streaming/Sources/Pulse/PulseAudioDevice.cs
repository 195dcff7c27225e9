namespace SerSsl.Streaming.Sources.Pulse;

/// <summary>One capture source of a PulseAudio server: a microphone, a line input or the monitor of an output.</summary>
/// <param name="Name">The name to pass to <c>sers</c> and <see cref="PulseAudioSource"/>, e.g. <c>alsa_input.pci-0000_00_1f.3.analog-stereo</c>.</param>
/// <param name="Index">The server's index for the source (changes when the device is plugged in again).</param>
/// <param name="Description">The human-readable name the desktop shows.</param>
/// <param name="SampleFormat">The native sample format as libpulse names it, e.g. <c>s16le</c> or <c>float32le</c>.</param>
/// <param name="SampleRate">The native rate in Hz; capture at another rate is resampled by the server.</param>
/// <param name="Channels">The native channel count.</param>
/// <param name="MonitorOfSink">For a monitor source, the name of the output (sink) whose playback it captures; otherwise null.</param>
/// <param name="IsDefault">True for the server's default source, the one used when no device is named.</param>
internal sealed record PulseAudioDevice(
    string Name,
    uint Index,
    string Description,
    string SampleFormat,
    int SampleRate,
    int Channels,
    string? MonitorOfSink,
    bool IsDefault)
{
    /// <summary>True when the source captures what an output plays rather than a microphone or line input.</summary>
    public bool IsMonitor => MonitorOfSink is not null;
}

/// <summary>What a PulseAudio server reported: its name and version, its default source and every capture source.</summary>
/// <param name="ServerName">e.g. <c>pulseaudio</c>, or <c>PulseAudio (on PipeWire 1.0.5)</c>.</param>
/// <param name="ServerVersion">The server's version string.</param>
/// <param name="DefaultSourceName">The default source's name, or null when the server has none.</param>
/// <param name="Sources">The capture sources in the server's order (by index).</param>
internal sealed record PulseAudioSourceList(
    string ServerName,
    string ServerVersion,
    string? DefaultSourceName,
    IReadOnlyList<PulseAudioDevice> Sources);
