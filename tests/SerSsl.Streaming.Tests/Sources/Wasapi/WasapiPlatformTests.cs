using System.Runtime.InteropServices;
using System.Text.Json;
using SerSsl.Streaming.Commands;
using SerSsl.Streaming.Sources;
using SerSsl.Streaming.Sources.Pulse;
using SerSsl.Streaming.Sources.Wasapi;

namespace SerSsl.Streaming.Tests.Sources.Wasapi;

/// <summary>
/// The platform-neutral parts of Windows capture: choosing an endpoint by name, the error messages, the device
/// listing's text and JSON, and that nothing of NAudio.Wasapi loads off Windows.
/// </summary>
public sealed class WasapiPlatformTests
{
    private static readonly CaptureEndpoint[] s_endpoints =
    [
        new("{0.0.1.00000000}.{aaaa}", "Microphone (USB Audio)", "USB Audio", "s16", 48_000, 1, IsDefault: false),
        new("{0.0.1.00000000}.{bbbb}", "Microphone Array (Realtek Audio)", "Realtek Audio", "f32", 48_000, 2, IsDefault: true),
        new("{0.0.1.00000000}.{cccc}", "Headset (Bluetooth)", "Bluetooth", "unknown", 0, 0, IsDefault: false),
        new("{0.0.1.00000000}.{dddd}", "Headset (Bluetooth)", "Bluetooth", "s16", 16_000, 1, IsDefault: false),
    ];

    [Fact]
    public void Choose_ByIdOrFriendlyNameIgnoringCase()
    {
        Assert.Same(s_endpoints[2], CaptureEndpoint.Choose(s_endpoints, "{0.0.1.00000000}.{cccc}"));
        Assert.Same(s_endpoints[0], CaptureEndpoint.Choose(s_endpoints, "microphone (usb audio)"));
    }

    [Fact]
    public void Choose_UnknownName_ListsTheNamesThatExist()
    {
        var error = Assert.Throws<AudioSourceException>(() => CaptureEndpoint.Choose(s_endpoints, "Webcam"));

        Assert.Contains("'Webcam'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Microphone Array (Realtek Audio)'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Choose_NameTwoDevicesShare_AsksForTheId()
    {
        var error = Assert.Throws<AudioSourceException>(() => CaptureEndpoint.Choose(s_endpoints, "Headset (Bluetooth)"));

        Assert.Contains("{0.0.1.00000000}.{cccc}", error.Message, StringComparison.Ordinal);
        Assert.Contains("{0.0.1.00000000}.{dddd}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Choose_NoDevicesAtAll_SaysSo()
    {
        var error = Assert.Throws<AudioSourceException>(() => CaptureEndpoint.Choose([], "Microphone"));

        Assert.Contains("no active capture device at all", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(WasapiErrors.DeviceInUse, "exclusive mode")]
    [InlineData(WasapiErrors.AccessDenied, "Privacy & security, Microphone")]
    [InlineData(WasapiErrors.ServiceNotRunning, "Windows Audio service")]
    [InlineData(WasapiErrors.NotFound, "unplugged or disabled")]
    [InlineData(unchecked((int)0x80004005), "HRESULT 0x80004005")]
    public void OpenFailed_KnownCodes_SayWhatToDo(int hresult, string expected)
    {
        var error = WasapiErrors.OpenFailed("Microphone (USB Audio)", new COMException("failed", hresult));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("Cannot capture from the microphone", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HResultOf_AudioClientCodeInsideAWrapper_IsFound()
    {
        var wrapped = new InvalidOperationException("Recording failed", new COMException("gone", WasapiErrors.DeviceInvalidated));

        Assert.Equal(WasapiErrors.DeviceInvalidated, WasapiErrors.HResultOf(wrapped));
        Assert.Contains("no longer available", WasapiErrors.CaptureFailed("Mic", wrapped).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteText_ListsEndpointsWithTheDefaultMarked()
    {
        using var output = new StringWriter();

        DevicesCommand.WriteText(s_endpoints, output);

        var lines = output.ToString().Split(Environment.NewLine);
        Assert.Equal("api  WASAPI, shared mode", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("*  Microphone Array (Realtek Audio)", StringComparison.Ordinal) && l.Contains("f32 2 ch 48000 Hz", StringComparison.Ordinal) && l.EndsWith("{0.0.1.00000000}.{bbbb}", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("   Headset (Bluetooth)", StringComparison.Ordinal) && l.Contains("unknown", StringComparison.Ordinal));
    }

    [Fact]
    public void WriteText_NoEndpoints_SaysSo()
    {
        using var output = new StringWriter();

        DevicesCommand.WriteText([], output);

        Assert.Contains("No capture devices", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Json_WasapiReportCarriesIdsAndPulseReportDoesNot()
    {
        var wasapi = JsonSerializer.Serialize(DevicesReport.From(s_endpoints, "Microsoft Windows NT 10.0.22631.0"), DevicesJsonContext.Default.DevicesReport);
        var pulse = JsonSerializer.Serialize(
            DevicesReport.From(new PulseAudioSourceList("pulseaudio", "17.0", null, [new PulseAudioDevice("mic", 1, "A mic", "s16le", 44_100, 2, null, false)])),
            DevicesJsonContext.Default.DevicesReport);

        using var document = JsonDocument.Parse(wasapi);
        Assert.Equal("WASAPI", document.RootElement.GetProperty("server").GetString());
        Assert.Equal("Microphone Array (Realtek Audio)", document.RootElement.GetProperty("defaultSource").GetString());
        Assert.Equal("{0.0.1.00000000}.{aaaa}", document.RootElement.GetProperty("sources")[0].GetProperty("id").GetString());
        Assert.DoesNotContain("\"id\"", pulse, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OffWindows_MicSourceIsPulseAudioAndNAudioWasapiNeverLoads()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "checks the non-Windows path");

        var source = SourceSpec.Parse("mic:alsa_input.test").Create(new StdinSettings("s16le", 16_000, 1), pacedFile: false, pulseServer: null);
        await source.DisposeAsync();

        Assert.IsType<PulseAudioSource>(source);
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == "NAudio.Wasapi");
    }
}
