namespace SerSsl.Streaming.Sources.Pulse;

/// <summary>The messages a user sees when the PulseAudio server or a device cannot be used: what happened and what to do.</summary>
internal static class PulseAudioErrors
{
    /// <summary>How to start a server, shared by every "not running" message.</summary>
    public const string HowToStart =
        "Start it with 'pulseaudio --start', or on a PipeWire system with 'systemctl --user start pipewire-pulse' " +
        "(Debian/Ubuntu packages: pulseaudio or pipewire-pulse); to use a server elsewhere, set PULSE_SERVER, " +
        "e.g. PULSE_SERVER=unix:/run/user/1000/pulse/native.";

    /// <summary>True for libpulse error codes that mean no server could be reached.</summary>
    /// <param name="error">A <c>PA_ERR_*</c> code.</param>
    public static bool MeansNoServer(int error) => error is PulseNative.ErrorConnectionRefused
        or PulseNative.ErrorInvalidServer
        or PulseNative.ErrorTimeout
        or PulseNative.ErrorConnectionTerminated;

    /// <summary>No server answered.</summary>
    /// <param name="server">The server string asked for, or null for the default.</param>
    /// <param name="detail">libpulse's text for the error.</param>
    public static AudioSourceException ServerUnavailable(string? server, string detail) =>
        new($"PulseAudio (or PipeWire's pipewire-pulse) is not running or cannot be reached at {Where(server)}: {detail}. {HowToStart}");

    /// <summary>The server accepted the connection but did not become ready in time.</summary>
    /// <param name="server">The server string asked for, or null for the default.</param>
    /// <param name="timeout">How long we waited.</param>
    public static AudioSourceException ServerTimeout(string? server, TimeSpan timeout) =>
        new($"The PulseAudio server at {Where(server)} did not answer within {timeout.TotalSeconds:0.#} s. " +
            $"Check that PulseAudio (or PipeWire's pipewire-pulse) is running and responsive. {HowToStart}");

    /// <summary>The named capture source does not exist.</summary>
    /// <param name="device">The source name asked for.</param>
    /// <param name="server">The server string asked for, or null for the default.</param>
    public static AudioSourceException UnknownDevice(string device, string? server) =>
        new($"The PulseAudio server at {Where(server)} has no capture source named '{device}'. " +
            "Run 'sers devices' to list the sources, or leave the device out to use the default one.");

    /// <summary>Describes the server for a message.</summary>
    /// <param name="server">The server string asked for, or null for the default.</param>
    public static string Where(string? server) =>
        server is null ? "the default address" : $"'{server}'";
}
