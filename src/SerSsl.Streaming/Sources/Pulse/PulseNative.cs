using System.Runtime.InteropServices;

namespace SerSsl.Streaming.Sources.Pulse;

/// <summary>
/// The libpulse and libpulse-simple functions sers calls, with the enum values and structs they take. Every entry
/// point is reached only after <see cref="PulseLibrary.EnsureAvailable"/> has checked that both libraries load, so a
/// missing library surfaces as an <see cref="AudioSourceException"/>, not a <see cref="DllNotFoundException"/>.
/// </summary>
/// <remarks>
/// Strings returned by libpulse (<c>pa_strerror</c>, struct fields) are owned by the library and are read with
/// <see cref="Marshal.PtrToStringUTF8(nint)"/>; they are declared as <see cref="nint"/> so the marshaller never frees
/// them.
/// </remarks>
internal static partial class PulseNative
{
    /// <summary>The simple (blocking) API: <c>pa_simple_*</c>.</summary>
    public const string SimpleLibrary = "libpulse-simple.so.0";

    /// <summary>The core client library: errors, main loop, context and introspection.</summary>
    public const string CoreLibrary = "libpulse.so.0";

    /// <summary><c>PA_SAMPLE_FLOAT32LE</c>.</summary>
    public const int SampleFloat32Le = 5;

    /// <summary><c>PA_STREAM_RECORD</c>.</summary>
    public const int StreamRecord = 2;

    /// <summary><c>PA_CONTEXT_NOAUTOSPAWN</c>: listing devices never starts a daemon.</summary>
    public const int ContextNoAutospawn = 1;

    /// <summary><c>PA_CONTEXT_READY</c>.</summary>
    public const int ContextReady = 4;

    /// <summary><c>PA_CONTEXT_FAILED</c>.</summary>
    public const int ContextFailed = 5;

    /// <summary><c>PA_CONTEXT_TERMINATED</c>.</summary>
    public const int ContextTerminated = 6;

    /// <summary><c>PA_OPERATION_RUNNING</c>.</summary>
    public const int OperationRunning = 0;

    /// <summary><c>PA_ERR_NOENTITY</c>: no such device.</summary>
    public const int ErrorNoEntity = 5;

    /// <summary><c>PA_ERR_CONNECTIONREFUSED</c>.</summary>
    public const int ErrorConnectionRefused = 6;

    /// <summary><c>PA_ERR_TIMEOUT</c>.</summary>
    public const int ErrorTimeout = 8;

    /// <summary><c>PA_ERR_INVALIDSERVER</c>.</summary>
    public const int ErrorInvalidServer = 13;

    /// <summary><c>PA_ERR_CONNECTIONTERMINATED</c>.</summary>
    public const int ErrorConnectionTerminated = 16;

    /// <summary>
    /// <c>pa_simple_new</c>. <paramref name="channelMap"/> is always zero (the server's default map for the channel
    /// count). Returns an invalid handle and sets <paramref name="error"/> on failure.
    /// </summary>
    [LibraryImport(SimpleLibrary, EntryPoint = "pa_simple_new", StringMarshalling = StringMarshalling.Utf8)]
    public static partial PulseSimpleHandle SimpleNew(
        string? server,
        string applicationName,
        int direction,
        string? device,
        string streamName,
        in PulseSampleSpec sampleSpec,
        nint channelMap,
        in PulseBufferAttributes bufferAttributes,
        out int error);

    /// <summary><c>pa_simple_read</c>: blocks until <paramref name="bytes"/> bytes are written at <paramref name="data"/>.</summary>
    [LibraryImport(SimpleLibrary, EntryPoint = "pa_simple_read")]
    public static partial int SimpleRead(PulseSimpleHandle simple, ref float data, nuint bytes, out int error);

    /// <summary><c>pa_simple_get_latency</c>: microseconds of audio buffered, or <see cref="ulong.MaxValue"/> on failure.</summary>
    [LibraryImport(SimpleLibrary, EntryPoint = "pa_simple_get_latency")]
    public static partial ulong SimpleGetLatency(PulseSimpleHandle simple, out int error);

    /// <summary><c>pa_simple_free</c>; called only by <see cref="PulseSimpleHandle.ReleaseHandle"/>.</summary>
    [LibraryImport(SimpleLibrary, EntryPoint = "pa_simple_free")]
    public static partial void SimpleFree(nint simple);

    /// <summary><c>pa_strerror</c>: a static string.</summary>
    [LibraryImport(CoreLibrary, EntryPoint = "pa_strerror")]
    public static partial nint StrError(int error);

    /// <summary><c>pa_sample_format_to_string</c>: a static string, or zero for an unknown format.</summary>
    [LibraryImport(CoreLibrary, EntryPoint = "pa_sample_format_to_string")]
    public static partial nint SampleFormatToString(int format);

    /// <summary><c>pa_mainloop_new</c>.</summary>
    [LibraryImport(CoreLibrary, EntryPoint = "pa_mainloop_new")]
    public static partial nint MainloopNew();

    /// <summary><c>pa_mainloop_get_api</c>.</summary>
    [LibraryImport(CoreLibrary, EntryPoint = "pa_mainloop_get_api")]
    public static partial nint MainloopGetApi(nint mainloop);

    /// <summary><c>pa_mainloop_prepare</c>: <paramref name="timeoutMicroseconds"/> bounds the following poll.</summary>
    [LibraryImport(CoreLibrary, EntryPoint = "pa_mainloop_prepare")]
    public static partial int MainloopPrepare(nint mainloop, int timeoutMicroseconds);

    /// <summary><c>pa_mainloop_poll</c>.</summary>
    [LibraryImport(CoreLibrary, EntryPoint = "pa_mainloop_poll")]
    public static partial int MainloopPoll(nint mainloop);

    /// <summary><c>pa_mainloop_dispatch</c>: runs the callbacks whose events are ready.</summary>
    [LibraryImport(CoreLibrary, EntryPoint = "pa_mainloop_dispatch")]
    public static partial int MainloopDispatch(nint mainloop);

    /// <summary><c>pa_mainloop_free</c>.</summary>
    [LibraryImport(CoreLibrary, EntryPoint = "pa_mainloop_free")]
    public static partial void MainloopFree(nint mainloop);

    /// <summary><c>pa_context_new</c>.</summary>
    [LibraryImport(CoreLibrary, EntryPoint = "pa_context_new", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ContextNew(nint mainloopApi, string applicationName);

    /// <summary><c>pa_context_connect</c>: a null server means the default one (PULSE_SERVER, client.conf, the session's socket).</summary>
    [LibraryImport(CoreLibrary, EntryPoint = "pa_context_connect", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int ContextConnect(nint context, string? server, int flags, nint spawnApi);

    /// <summary><c>pa_context_get_state</c>.</summary>
    [LibraryImport(CoreLibrary, EntryPoint = "pa_context_get_state")]
    public static partial int ContextGetState(nint context);

    /// <summary><c>pa_context_errno</c>: the last error on the context.</summary>
    [LibraryImport(CoreLibrary, EntryPoint = "pa_context_errno")]
    public static partial int ContextErrno(nint context);

    /// <summary><c>pa_context_get_server_info</c>; <paramref name="callback"/> is a <c>pa_server_info_cb_t</c>.</summary>
    [LibraryImport(CoreLibrary, EntryPoint = "pa_context_get_server_info")]
    public static partial nint ContextGetServerInfo(nint context, nint callback, nint userData);

    /// <summary><c>pa_context_get_source_info_list</c>; <paramref name="callback"/> is a <c>pa_source_info_cb_t</c>.</summary>
    [LibraryImport(CoreLibrary, EntryPoint = "pa_context_get_source_info_list")]
    public static partial nint ContextGetSourceInfoList(nint context, nint callback, nint userData);

    /// <summary><c>pa_context_disconnect</c>.</summary>
    [LibraryImport(CoreLibrary, EntryPoint = "pa_context_disconnect")]
    public static partial void ContextDisconnect(nint context);

    /// <summary><c>pa_context_unref</c>.</summary>
    [LibraryImport(CoreLibrary, EntryPoint = "pa_context_unref")]
    public static partial void ContextUnref(nint context);

    /// <summary><c>pa_operation_get_state</c>.</summary>
    [LibraryImport(CoreLibrary, EntryPoint = "pa_operation_get_state")]
    public static partial int OperationGetState(nint operation);

    /// <summary><c>pa_operation_cancel</c>: its callback is not called afterwards.</summary>
    [LibraryImport(CoreLibrary, EntryPoint = "pa_operation_cancel")]
    public static partial void OperationCancel(nint operation);

    /// <summary><c>pa_operation_unref</c>.</summary>
    [LibraryImport(CoreLibrary, EntryPoint = "pa_operation_unref")]
    public static partial void OperationUnref(nint operation);

    /// <summary>The text of a libpulse error code, e.g. "Connection refused".</summary>
    public static string ErrorText(int error) =>
        Marshal.PtrToStringUTF8(StrError(error)) ?? $"error {error}";
}

/// <summary><c>pa_sample_spec</c>: 12 bytes (the byte is followed by three bytes of padding).</summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly struct PulseSampleSpec(int format, uint rate, byte channels)
{
    /// <summary><c>pa_sample_format_t</c>.</summary>
    public readonly int Format = format;

    /// <summary>Frames per second.</summary>
    public readonly uint Rate = rate;

    /// <summary>Interleaved channels.</summary>
    public readonly byte Channels = channels;
}

/// <summary><c>pa_buffer_attr</c>; <see cref="uint.MaxValue"/> leaves a field to the server.</summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly struct PulseBufferAttributes(uint fragmentBytes)
{
    /// <summary>Largest server-side buffer.</summary>
    public readonly uint MaxLength = uint.MaxValue;

    /// <summary>Playback only.</summary>
    public readonly uint TargetLength = uint.MaxValue;

    /// <summary>Playback only.</summary>
    public readonly uint Prebuffer = uint.MaxValue;

    /// <summary>Playback only.</summary>
    public readonly uint MinimumRequest = uint.MaxValue;

    /// <summary>Recording: the size of the blocks the server sends.</summary>
    public readonly uint FragmentSize = fragmentBytes;
}

/// <summary>
/// Owns a <c>pa_simple*</c>. <see cref="SafeHandle"/> frees it exactly once, and only after any read that is using it
/// has returned, so disposing while a read blocks is safe.
/// </summary>
internal sealed class PulseSimpleHandle : SafeHandle
{
    /// <summary>Creates an invalid handle; the interop marshaller sets it.</summary>
    public PulseSimpleHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    /// <inheritdoc />
    public override bool IsInvalid => handle == nint.Zero;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        PulseNative.SimpleFree(handle);
        return true;
    }
}
