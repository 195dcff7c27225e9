using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SerSsl.Streaming.Sources.Pulse;

/// <summary>Lists a PulseAudio server's capture sources through libpulse's asynchronous introspection API.</summary>
/// <remarks>
/// Each call runs its own private main loop on the calling thread: it connects, asks for the server information and
/// the source list, iterates until both answers are in or the time limit passes, and then disconnects and frees
/// everything.
/// </remarks>
internal static class PulseAudioDevices
{
    /// <summary>How long <see cref="List"/> waits for the server by default.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    // PA_INVALID_INDEX: monitor_of_sink of a source that is not a monitor.
    private const uint InvalidIndex = uint.MaxValue;

    // Byte offsets of the leading fields of pa_source_info and pa_server_info (pulse/introspect.h) on 64-bit Linux
    // (LP64: 8-byte pointers; pa_sample_spec is 12 bytes, pa_channel_map 132, pa_cvolume 132). Only these fields are
    // read, so the rest of the structs, which have grown over libpulse versions, does not matter.
    private const int SourceNameOffset = 0;            // const char *name
    private const int SourceIndexOffset = 8;           // uint32_t index
    private const int SourceDescriptionOffset = 16;    // const char *description
    private const int SourceFormatOffset = 24;         // pa_sample_spec.format
    private const int SourceRateOffset = 28;           // pa_sample_spec.rate
    private const int SourceChannelsOffset = 32;       // pa_sample_spec.channels
    private const int SourceMonitorOfSinkOffset = 308; // uint32_t monitor_of_sink, after channel_map, owner_module, volume, mute
    private const int SourceMonitorOfSinkNameOffset = 312; // const char *monitor_of_sink_name
    private const int ServerVersionOffset = 16;        // const char *server_version
    private const int ServerNameOffset = 24;           // const char *server_name
    private const int ServerDefaultSourceOffset = 56;  // const char *default_source_name, after sample_spec and default_sink_name

    /// <summary>Connects to a server and lists its capture sources.</summary>
    /// <param name="server">A server string such as <c>unix:/run/user/1000/pulse/native</c>, or null for the default server.</param>
    /// <param name="timeout">How long to wait for the server in all; <see cref="DefaultTimeout"/> when null.</param>
    /// <returns>The server's name, its default source and its sources.</returns>
    /// <exception cref="ArgumentException"><paramref name="server"/> is empty or white space.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is not positive.</exception>
    /// <exception cref="AudioSourceException">
    /// The client library is missing, no server is running at the address, or it did not answer in time; the message
    /// says what to do.
    /// </exception>
    public static PulseAudioSourceList List(string? server = null, TimeSpan? timeout = null)
    {
        if (server is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(server);
        }

        var limit = timeout ?? DefaultTimeout;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(limit, TimeSpan.Zero, nameof(timeout));
        PulseLibrary.EnsureAvailable();
        if (!Environment.Is64BitProcess)
        {
            throw new AudioSourceException("Listing PulseAudio devices needs a 64-bit process.");
        }

        var listing = new Listing();
        var listingHandle = GCHandle.Alloc(listing);
        nint mainloop = 0, context = 0, serverOperation = 0, sourcesOperation = 0;
        try
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
            mainloop = PulseNative.MainloopNew();
            if (mainloop == 0)
            {
                throw new AudioSourceException("libpulse could not create a main loop.");
            }

            context = PulseNative.ContextNew(PulseNative.MainloopGetApi(mainloop), "sers");
            if (context == 0)
            {
                throw new AudioSourceException("libpulse could not create a connection context.");
            }

            if (PulseNative.ContextConnect(context, server, PulseNative.ContextNoAutospawn, 0) < 0)
            {
                throw PulseAudioErrors.ServerUnavailable(server, PulseNative.ErrorText(PulseNative.ContextErrno(context)));
            }

            while (PulseNative.ContextGetState(context) != PulseNative.ContextReady)
            {
                ThrowIfContextFailed(context, server);
                Iterate(mainloop, deadline, server, limit);
            }

            var userData = GCHandle.ToIntPtr(listingHandle);
            serverOperation = PulseNative.ContextGetServerInfo(context, ServerInfoCallback, userData);
            sourcesOperation = PulseNative.ContextGetSourceInfoList(context, SourceInfoCallback, userData);
            if (serverOperation == 0 || sourcesOperation == 0)
            {
                throw new AudioSourceException(
                    $"The PulseAudio server at {PulseAudioErrors.Where(server)} refused to list its sources: " +
                    $"{PulseNative.ErrorText(PulseNative.ContextErrno(context))}.");
            }

            while (PulseNative.OperationGetState(serverOperation) == PulseNative.OperationRunning
                || PulseNative.OperationGetState(sourcesOperation) == PulseNative.OperationRunning)
            {
                ThrowIfContextFailed(context, server);
                Iterate(mainloop, deadline, server, limit);
            }

            if (listing.Failure is { } failure)
            {
                throw new AudioSourceException($"The PulseAudio server's source list could not be read: {failure.Message}", failure);
            }

            if (!listing.ServerDone || !listing.SourcesDone || listing.ListError != 0)
            {
                var error = listing.ListError != 0 ? listing.ListError : PulseNative.ContextErrno(context);
                throw new AudioSourceException(
                    $"The PulseAudio server at {PulseAudioErrors.Where(server)} did not complete the source list: {PulseNative.ErrorText(error)}.");
            }

            var sources = listing.Sources
                .Select(s => s with { IsDefault = s.Name == listing.DefaultSourceName })
                .ToArray();
            return new PulseAudioSourceList(listing.ServerName, listing.ServerVersion, listing.DefaultSourceName, sources);
        }
        finally
        {
            Release(serverOperation);
            Release(sourcesOperation);
            if (context != 0)
            {
                PulseNative.ContextDisconnect(context);
                PulseNative.ContextUnref(context);
            }

            if (mainloop != 0)
            {
                PulseNative.MainloopFree(mainloop);
            }

            listingHandle.Free();
        }
    }

    private static unsafe nint ServerInfoCallback => (nint)(delegate* unmanaged[Cdecl]<nint, nint, nint, void>)&OnServerInfo;

    private static unsafe nint SourceInfoCallback => (nint)(delegate* unmanaged[Cdecl]<nint, nint, int, nint, void>)&OnSourceInfo;

    private static void ThrowIfContextFailed(nint context, string? server)
    {
        var state = PulseNative.ContextGetState(context);
        if (state is PulseNative.ContextFailed or PulseNative.ContextTerminated)
        {
            throw PulseAudioErrors.ServerUnavailable(server, PulseNative.ErrorText(PulseNative.ContextErrno(context)));
        }
    }

    // One bounded main loop iteration: wait for events until the deadline at most, then run their callbacks.
    private static void Iterate(nint mainloop, long deadline, string? server, TimeSpan limit)
    {
        var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
        if (remaining <= TimeSpan.Zero)
        {
            throw PulseAudioErrors.ServerTimeout(server, limit);
        }

        var microseconds = (int)Math.Min(remaining.TotalMicroseconds, int.MaxValue);
        if (PulseNative.MainloopPrepare(mainloop, Math.Max(1, microseconds)) < 0
            || PulseNative.MainloopPoll(mainloop) < 0
            || PulseNative.MainloopDispatch(mainloop) < 0)
        {
            throw new AudioSourceException("libpulse's main loop failed while talking to the PulseAudio server.");
        }
    }

    private static void Release(nint operation)
    {
        if (operation != 0)
        {
            // Cancelling a finished operation does nothing; cancelling a running one stops its callback from firing later.
            PulseNative.OperationCancel(operation);
            PulseNative.OperationUnref(operation);
        }
    }

    // pa_server_info_cb_t. Runs inside pa_mainloop_dispatch on the listing thread; must not throw.
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnServerInfo(nint context, nint info, nint userData)
    {
        var listing = (Listing)GCHandle.FromIntPtr(userData).Target!;
        try
        {
            if (info == 0)
            {
                listing.ListError = PulseNative.ContextErrno(context);
            }
            else
            {
                listing.ServerVersion = ReadString(info, ServerVersionOffset) ?? "";
                listing.ServerName = ReadString(info, ServerNameOffset) ?? "";
                listing.DefaultSourceName = ReadString(info, ServerDefaultSourceOffset);
            }
        }
        catch (Exception ex)
        {
            listing.Failure ??= ex;
        }
        finally
        {
            listing.ServerDone = true;
        }
    }

    // pa_source_info_cb_t: called once per source, then once with eol = 1 (or negative on error).
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnSourceInfo(nint context, nint info, int endOfList, nint userData)
    {
        var listing = (Listing)GCHandle.FromIntPtr(userData).Target!;
        try
        {
            if (endOfList != 0 || info == 0)
            {
                if (endOfList < 0)
                {
                    listing.ListError = PulseNative.ContextErrno(context);
                }

                listing.SourcesDone = true;
                return;
            }

            var format = Marshal.ReadInt32(info, SourceFormatOffset);
            var monitorOf = (uint)Marshal.ReadInt32(info, SourceMonitorOfSinkOffset);
            listing.Sources.Add(new PulseAudioDevice(
                Name: ReadString(info, SourceNameOffset) ?? "",
                Index: (uint)Marshal.ReadInt32(info, SourceIndexOffset),
                Description: ReadString(info, SourceDescriptionOffset) ?? "",
                SampleFormat: Marshal.PtrToStringUTF8(PulseNative.SampleFormatToString(format)) ?? $"format {format}",
                SampleRate: Marshal.ReadInt32(info, SourceRateOffset),
                Channels: Marshal.ReadByte(info, SourceChannelsOffset),
                MonitorOfSink: monitorOf == InvalidIndex ? null : ReadString(info, SourceMonitorOfSinkNameOffset) ?? $"sink #{monitorOf}",
                IsDefault: false));
        }
        catch (Exception ex)
        {
            listing.Failure ??= ex;
            listing.SourcesDone = true;
        }
    }

    private static string? ReadString(nint structure, int offset) =>
        Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(structure, offset));

    // What the callbacks collect; touched only on the listing thread.
    private sealed class Listing
    {
        public List<PulseAudioDevice> Sources { get; } = [];

        public string ServerName { get; set; } = "";

        public string ServerVersion { get; set; } = "";

        public string? DefaultSourceName { get; set; }

        public bool ServerDone { get; set; }

        public bool SourcesDone { get; set; }

        public int ListError { get; set; }

        public Exception? Failure { get; set; }
    }
}
