using System.Globalization;

namespace SerSsl.Streaming.Sources.Wasapi;

/// <summary>
/// The messages of the WASAPI microphone source: each HRESULT that a user can do something about gets a sentence that
/// says what. Platform-neutral (the codes are our own constants, from audioclient.h and winerror.h), so it is tested
/// everywhere.
/// </summary>
internal static class WasapiErrors
{
    /// <summary>AUDCLNT_E_DEVICE_INVALIDATED: the endpoint was unplugged, disabled or reconfigured.</summary>
    public const int DeviceInvalidated = unchecked((int)0x88890004);

    /// <summary>AUDCLNT_E_UNSUPPORTED_FORMAT.</summary>
    public const int UnsupportedFormat = unchecked((int)0x88890008);

    /// <summary>AUDCLNT_E_DEVICE_IN_USE: another application holds the endpoint in exclusive mode.</summary>
    public const int DeviceInUse = unchecked((int)0x8889000A);

    /// <summary>AUDCLNT_E_EXCLUSIVE_MODE_NOT_ALLOWED.</summary>
    public const int ExclusiveModeNotAllowed = unchecked((int)0x8889000E);

    /// <summary>AUDCLNT_E_SERVICE_NOT_RUNNING: the Windows Audio service is stopped.</summary>
    public const int ServiceNotRunning = unchecked((int)0x88890010);

    /// <summary>AUDCLNT_E_RESOURCES_INVALIDATED.</summary>
    public const int ResourcesInvalidated = unchecked((int)0x88890026);

    /// <summary>E_NOTFOUND (HRESULT_FROM_WIN32(ERROR_NOT_FOUND)): no such endpoint, e.g. no default capture device.</summary>
    public const int NotFound = unchecked((int)0x80070490);

    /// <summary>E_ACCESSDENIED: Windows' privacy settings keep desktop apps from the microphone.</summary>
    public const int AccessDenied = unchecked((int)0x80070005);

    /// <summary>FACILITY_AUDCLNT, as HRESULT_FACILITY reads it (the 13 bits above the code).</summary>
    private const int AudioClientFacility = 0x889;

    /// <summary>The message for a machine with no active capture endpoint.</summary>
    public static AudioSourceException NoCaptureDevice(Exception? cause = null)
    {
        const string Message = "Windows reports no capture device (no default recording device is set, or none is enabled). " +
            "Connect or enable a microphone (Settings, System, Sound, Input), then check 'sers devices'.";
        return cause is null ? new AudioSourceException(Message) : new AudioSourceException(Message, cause);
    }

    /// <summary>The message for a name that matches no active capture endpoint.</summary>
    /// <param name="requested">What <c>mic:NAME</c> said.</param>
    /// <param name="available">The names that exist.</param>
    public static AudioSourceException UnknownDevice(string requested, IReadOnlyCollection<string> available) => new(
        available.Count == 0
            ? $"There is no capture device '{requested}': Windows reports no active capture device at all. Connect or enable a microphone, then check 'sers devices'."
            : $"There is no active capture device '{requested}'. Use a name or an id from 'sers devices': {string.Join(", ", available.Select(n => $"'{n}'"))}.");

    /// <summary>The message for a friendly name that several endpoints share.</summary>
    /// <param name="requested">The shared name.</param>
    /// <param name="ids">The endpoint ids that have it.</param>
    public static AudioSourceException AmbiguousDevice(string requested, IReadOnlyCollection<string> ids) => new(
        $"{ids.Count.ToString(CultureInfo.InvariantCulture)} capture devices are called '{requested}'. Name one by its id (see 'sers devices'): {string.Join(", ", ids)}.");

    /// <summary>Explains why opening or starting capture failed.</summary>
    /// <param name="device">The device's name for the message.</param>
    /// <param name="error">What NAudio or COM threw.</param>
    public static AudioSourceException OpenFailed(string device, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var hresult = HResultOf(error);
        var what = hresult switch
        {
            DeviceInUse => $"{device} is in use by an application that holds it in exclusive mode. Close that application, or stop it from taking the device (Sound settings, the device's Properties, Advanced: untick 'Allow applications to take exclusive control of this device'), then try again.",
            ExclusiveModeNotAllowed => $"{device} does not allow exclusive mode, and exclusive mode was asked for.",
            NotFound => $"{device} was not found: it may have been unplugged or disabled. Check 'sers devices'.",
            DeviceInvalidated or ResourcesInvalidated => $"{device} went away while it was being opened (unplugged, disabled, or its format changed). Check 'sers devices' and try again.",
            ServiceNotRunning => "the Windows Audio service is not running. Start it (services.msc, Windows Audio) and try again.",
            AccessDenied => $"Windows denied access to {device}. Allow desktop apps to use the microphone (Settings, Privacy & security, Microphone) and try again.",
            UnsupportedFormat => $"{device} rejected its own shared-mode format. Choose another default format for it (Sound settings, the device's Properties, Advanced).",
            _ => $"{device} could not be opened: {error.Message}{HResultSuffix(hresult)}.",
        };
        return new AudioSourceException($"Cannot capture from the microphone: {what}", error);
    }

    /// <summary>Explains why capture ended in the middle of a session (NAudio's RecordingStopped with an exception).</summary>
    /// <param name="device">The device's name for the message.</param>
    /// <param name="error">The exception RecordingStopped carried.</param>
    public static AudioSourceException CaptureFailed(string device, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var hresult = HResultOf(error);
        var what = hresult switch
        {
            DeviceInvalidated or ResourcesInvalidated or NotFound =>
                $"{device} is no longer available: it was unplugged or disabled, its format was changed in the sound settings, or an application took it over in exclusive mode. Reconnect it (see 'sers devices') and start again.",
            DeviceInUse => $"{device} was taken over by an application in exclusive mode. Close that application and start again.",
            ServiceNotRunning => "the Windows Audio service stopped. Start it (services.msc, Windows Audio) and start again.",
            _ => $"capture from {device} failed: {error.Message}{HResultSuffix(hresult)}.",
        };
        return new AudioSourceException($"The microphone stopped: {what}", error);
    }

    /// <summary>The message when capture ended without an error and without being asked to.</summary>
    /// <param name="device">The device's name for the message.</param>
    public static AudioSourceException StoppedUnexpectedly(string device) =>
        new($"The microphone stopped: capture from {device} ended without being asked to and without an error. Check the device (see 'sers devices') and start again.");

    /// <summary>
    /// The HRESULT that explains <paramref name="error"/>: the first audio-client (or other known) code found along
    /// its chain of inner exceptions, else the outermost code.
    /// </summary>
    public static int HResultOf(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (((e.HResult >> 16) & 0x1FFF) == AudioClientFacility || e.HResult is NotFound or AccessDenied)
            {
                return e.HResult;
            }
        }

        return error.HResult;
    }

    private static string HResultSuffix(int hresult) => string.Create(CultureInfo.InvariantCulture, $" (HRESULT 0x{hresult:X8})");
}
