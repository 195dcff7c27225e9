using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using NAudio.CoreAudioApi;

namespace SerSsl.Streaming.Sources.Wasapi;

/// <summary>The active WASAPI capture endpoints (Windows only): what <c>sers devices</c> lists and <c>mic:NAME</c> chooses from.</summary>
[SupportedOSPlatform("windows")]
internal static class WasapiDevices
{
    /// <summary>Lists the active capture endpoints, the default one marked.</summary>
    /// <exception cref="AudioSourceException">Windows could not list them (the audio service is not running).</exception>
    public static IReadOnlyList<CaptureEndpoint> List()
    {
        using var enumerator = new MMDeviceEnumerator();
        return List(enumerator, out _);
    }

    /// <summary>Finds the device <paramref name="requested"/> names, or the default capture device when it is null.</summary>
    /// <param name="enumerator">The enumerator to ask.</param>
    /// <param name="requested">An id or friendly name from <see cref="List()"/>, or null.</param>
    /// <param name="name">The device's friendly name, for messages.</param>
    /// <returns>The device; the caller disposes it.</returns>
    /// <exception cref="AudioSourceException">No capture device, or none by that name.</exception>
    public static MMDevice Find(MMDeviceEnumerator enumerator, string? requested, out string name)
    {
        ArgumentNullException.ThrowIfNull(enumerator);
        if (requested is null)
        {
            try
            {
                if (!enumerator.TryGetDefaultAudioEndpoint(DataFlow.Capture, Role.Console, out var device) || device is null)
                {
                    throw WasapiErrors.NoCaptureDevice();
                }

                name = device.FriendlyName;
                return device;
            }
            catch (COMException ex)
            {
                throw ex.HResult == WasapiErrors.NotFound ? WasapiErrors.NoCaptureDevice(ex) : WasapiErrors.OpenFailed("the default capture device", ex);
            }
        }

        var endpoints = List(enumerator, out var devices);
        try
        {
            var chosen = CaptureEndpoint.Choose(endpoints, requested);
            var index = endpoints.ToList().IndexOf(chosen);
            name = chosen.Name;
            var found = devices[index];
            devices[index] = null;
            return found!;
        }
        finally
        {
            foreach (var device in devices)
            {
                device?.Dispose();
            }
        }
    }

    private static CaptureEndpoint[] List(MMDeviceEnumerator enumerator, out MMDevice?[] devices)
    {
        string? defaultId = null;
        try
        {
            if (enumerator.TryGetDefaultAudioEndpoint(DataFlow.Capture, Role.Console, out var preferred) && preferred is not null)
            {
                using (preferred)
                {
                    defaultId = preferred.ID;
                }
            }

            var collection = enumerator.EnumerateAudioEndPoints(DataFlow.Capture, DeviceState.Active);
            devices = new MMDevice?[collection.Count];
            var endpoints = new CaptureEndpoint[collection.Count];
            for (var i = 0; i < collection.Count; i++)
            {
                var device = collection[i];
                devices[i] = device;
                endpoints[i] = Describe(device, device.ID == defaultId);
            }

            return endpoints;
        }
        catch (COMException ex)
        {
            throw WasapiErrors.OpenFailed("the list of capture devices", ex);
        }
    }

    private static CaptureEndpoint Describe(MMDevice device, bool isDefault)
    {
        string sample = "unknown";
        int rate = 0, channels = 0;
        try
        {
            // The shared-mode mix format: what a shared-mode capture stream delivers.
            using var client = device.CreateAudioClient();
            var format = client.MixFormat;
            sample = CaptureBufferConverter.DescribeSample(format);
            rate = format.SampleRate;
            channels = format.Channels;
        }
        catch (COMException)
        {
            // A device that cannot be activated now (in use exclusively, say) is still listed, without its format.
        }

        return new CaptureEndpoint(device.ID, device.FriendlyName, device.DeviceFriendlyName, sample, rate, channels, isDefault);
    }
}
