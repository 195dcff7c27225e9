using System.CommandLine;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using SerSsl.Streaming.Sources;
using SerSsl.Streaming.Sources.Pulse;
using SerSsl.Streaming.Tests.Support;
using SerSsl.TestSupport;

namespace SerSsl.Streaming.Tests.Sources.Pulse;

[Collection(PulseAudioCollection.Name)]
public sealed class PulseAudioDevicesTests(PulseAudioTestServer server) : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("pulse-devices");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void List_TestServer_ReportsTheMonitorAndTheMicrophoneWithTheirSampleSpecs()
    {
        server.Require();

        var list = PulseAudioDevices.List(server.ServerString);

        Assert.Equal("pulseaudio", list.ServerName);
        Assert.False(string.IsNullOrEmpty(list.ServerVersion));
        var monitor = Assert.Single(list.Sources, s => s.Name == PulseAudioTestServer.MonitorName);
        Assert.True(monitor.IsMonitor);
        Assert.Equal(PulseAudioTestServer.SinkName, monitor.MonitorOfSink);
        Assert.Equal(("s16le", 16_000, 1), (monitor.SampleFormat, monitor.SampleRate, monitor.Channels));
        Assert.False(string.IsNullOrEmpty(monitor.Description));
        var microphone = Assert.Single(list.Sources, s => s.Name == PulseAudioTestServer.MicrophoneName);
        Assert.False(microphone.IsMonitor);
        Assert.Null(microphone.MonitorOfSink);
        Assert.Equal(("float32le", 48_000, 2), (microphone.SampleFormat, microphone.SampleRate, microphone.Channels));
        Assert.NotEqual(monitor.Index, microphone.Index);
        var fallback = Assert.Single(list.Sources, s => s.IsDefault);
        Assert.Equal(list.DefaultSourceName, fallback.Name);
    }

    [Fact]
    public void List_NoServerListening_ThrowsSayingToStartPulseAudio()
    {
        PulseAudioSourceTests.RequireClientLibrary();
        var nowhere = $"unix:{Path.Combine(_dir, "native")}";

        var ex = Assert.Throws<AudioSourceException>(() => PulseAudioDevices.List(nowhere));

        Assert.Contains("is not running", ex.Message, StringComparison.Ordinal);
        Assert.Contains("pulseaudio --start", ex.Message, StringComparison.Ordinal);
        Assert.Contains(nowhere, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_ServerThatNeverAnswers_TimesOutWithAClearMessage()
    {
        PulseAudioSourceTests.RequireClientLibrary();
        var path = Path.Combine(_dir, "silent");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen();
        var accepted = listener.AcceptAsync(TestContext.Current.CancellationToken).AsTask();

        var stopwatch = Stopwatch.StartNew();
        var ex = Assert.Throws<AudioSourceException>(() => PulseAudioDevices.List($"unix:{path}", TimeSpan.FromMilliseconds(300)));

        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(3));
        Assert.Contains("did not answer within 0.3 s", ex.Message, StringComparison.Ordinal);
        (await accepted).Dispose();
    }

    [Fact]
    public void DevicesCommand_TestServer_PrintsATableMarkingTheDefaultAndTheMonitor()
    {
        server.Require();

        var (exitCode, output, error) = Run("devices", "--server", server.ServerString);

        Assert.True(exitCode == 0, error);
        var lines = output.Split('\n', StringSplitOptions.TrimEntries);
        var monitorLine = Assert.Single(lines, l => l.Contains(PulseAudioTestServer.MonitorName, StringComparison.Ordinal));
        Assert.Contains(" monitor ", monitorLine, StringComparison.Ordinal);
        Assert.Contains("s16le 1 ch 16000 Hz", monitorLine, StringComparison.Ordinal);
        var microphoneLine = Assert.Single(lines, l => l.Contains(PulseAudioTestServer.MicrophoneName, StringComparison.Ordinal));
        Assert.Contains(" input ", microphoneLine, StringComparison.Ordinal);
        Assert.StartsWith("*  ", microphoneLine, StringComparison.Ordinal); // a real source is preferred to a monitor as default
        Assert.Contains("server  pulseaudio", output, StringComparison.Ordinal);
    }

    [Fact]
    public void DevicesCommand_JsonFormat_WritesEverySourceWithItsFlags()
    {
        server.Require();

        var (exitCode, output, error) = Run("devices", "--server", server.ServerString, "--format", "json");

        Assert.True(exitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        var sources = json.RootElement.GetProperty("sources").EnumerateArray().ToArray();
        var monitor = Assert.Single(sources, s => s.GetProperty("name").GetString() == PulseAudioTestServer.MonitorName);
        Assert.True(monitor.GetProperty("isMonitor").GetBoolean());
        Assert.Equal(PulseAudioTestServer.SinkName, monitor.GetProperty("monitorOfSink").GetString());
        Assert.Equal(16_000, monitor.GetProperty("sampleRate").GetInt32());
        var defaultSource = json.RootElement.GetProperty("defaultSource").GetString();
        Assert.Single(sources, s => s.GetProperty("isDefault").GetBoolean() && s.GetProperty("name").GetString() == defaultSource);
    }

    [Fact]
    public void DevicesCommand_NoServer_ExitsWithTwoAndAOneLineMessage()
    {
        PulseAudioSourceTests.RequireClientLibrary();
        var nowhere = $"unix:{Path.Combine(_dir, "native")}";

        var (exitCode, output, error) = Run("devices", "--server", nowhere);

        Assert.Equal(2, exitCode);
        Assert.Empty(output);
        Assert.StartsWith("error: PulseAudio (or PipeWire's pipewire-pulse) is not running", error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_ListsTheDevicesCommand()
    {
        var (exitCode, output, _) = Run("--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("devices", output, StringComparison.Ordinal);
    }

    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = SersCommandLine.Build().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }
}
