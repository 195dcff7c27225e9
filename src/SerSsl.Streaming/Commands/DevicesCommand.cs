using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using SerSsl.Streaming.Sources;
using SerSsl.Streaming.Sources.Pulse;
using SerSsl.Streaming.Sources.Wasapi;

namespace SerSsl.Streaming.Commands;

/// <summary>
/// <c>sers devices</c>: lists the capture sources of the PulseAudio (or pipewire-pulse) server, or on Windows the active
/// WASAPI capture endpoints.
/// </summary>
internal static class DevicesCommand
{
    public static Command Build()
    {
        var format = new Option<string>("--format")
        {
            Description = "Output format: text (a table) or json.",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "json");
        var server = new Option<string?>("--server")
        {
            Description = "PulseAudio server to ask, e.g. unix:/run/user/1000/pulse/native. Default: PULSE_SERVER, then the session's server.",
        };
        server.Validators.Add(result =>
        {
            if (string.IsNullOrWhiteSpace(result.GetValueOrDefault<string?>()))
            {
                result.AddError("--server needs a server string, e.g. unix:/run/user/1000/pulse/native; leave it out for the default server.");
            }
        });
        var timeout = new Option<double>("--timeout")
        {
            Description = "Seconds to wait for the server.",
            DefaultValueFactory = _ => PulseAudioDevices.DefaultTimeout.TotalSeconds,
        };
        timeout.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (!(value > 0 && value <= 600))
            {
                result.AddError($"--timeout must be more than 0 and at most 600 seconds; got {value}.");
            }
        });

        var command = new Command(
            "devices",
            "List the capture sources (microphones, line inputs and output monitors) of the PulseAudio or PipeWire server; " +
            "on Windows, the active WASAPI capture devices. " +
            "Pass a name to the microphone source to capture from it; without one the default source (marked *) is used.")
        {
            format,
            server,
            timeout,
        };
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            try
            {
                if (OperatingSystem.IsWindows())
                {
                    if (parseResult.GetResult(server) is not null)
                    {
                        error.WriteLine("error: --server names a PulseAudio server, and on Windows capture devices are WASAPI's: leave it out.");
                        return CommandErrors.BadInput;
                    }

                    var endpoints = WasapiMicrophone.List();
                    if (parseResult.GetValue(format) == "json")
                    {
                        output.WriteLine(JsonSerializer.Serialize(DevicesReport.From(endpoints, Environment.OSVersion.VersionString), DevicesJsonContext.Default.DevicesReport));
                    }
                    else
                    {
                        WriteText(endpoints, output);
                    }

                    return 0;
                }

                var list = PulseAudioDevices.List(
                    parseResult.GetValue(server), TimeSpan.FromSeconds(parseResult.GetValue(timeout)));
                if (parseResult.GetValue(format) == "json")
                {
                    output.WriteLine(JsonSerializer.Serialize(DevicesReport.From(list), DevicesJsonContext.Default.DevicesReport));
                }
                else
                {
                    WriteText(list, output);
                }

                return 0;
            }
            catch (AudioSourceException ex)
            {
                error.WriteLine($"error: {ex.Message}");
                return CommandErrors.BadInput;
            }
        });
        return command;
    }

    private static void WriteText(PulseAudioSourceList list, TextWriter output)
    {
        output.WriteLine($"server  {list.ServerName} {list.ServerVersion}");
        if (list.Sources.Count == 0)
        {
            output.WriteLine("No capture sources: the server has no microphone, line input or output to monitor.");
            return;
        }

        var nameWidth = Math.Max("NAME".Length, list.Sources.Max(s => s.Name.Length));
        var specs = list.Sources.Select(FormatSpec).ToArray();
        var specWidth = Math.Max("FORMAT".Length, specs.Max(s => s.Length));
        output.WriteLine();
        output.WriteLine($"   {"NAME".PadRight(nameWidth)}  {"KIND".PadRight(7)}  {"FORMAT".PadRight(specWidth)}  DESCRIPTION");
        for (var i = 0; i < list.Sources.Count; i++)
        {
            var source = list.Sources[i];
            var marker = source.IsDefault ? "*" : " ";
            var kind = source.IsMonitor ? "monitor" : "input";
            output.WriteLine($"{marker}  {source.Name.PadRight(nameWidth)}  {kind,-7}  {specs[i].PadRight(specWidth)}  {source.Description}");
        }

        output.WriteLine();
        output.WriteLine(list.DefaultSourceName is null
            ? "The server has no default source."
            : "* default source (used when no device is named); monitor = what an output plays, not a microphone.");
    }

    /// <summary>Writes the WASAPI capture endpoints as a table.</summary>
    /// <param name="endpoints">The active endpoints.</param>
    /// <param name="output">Where to write.</param>
    internal static void WriteText(IReadOnlyList<CaptureEndpoint> endpoints, TextWriter output)
    {
        output.WriteLine("api  WASAPI, shared mode");
        if (endpoints.Count == 0)
        {
            output.WriteLine("No capture devices: Windows reports no active microphone or line input. Connect or enable one (Settings, System, Sound, Input).");
            return;
        }

        var nameWidth = Math.Max("NAME".Length, endpoints.Max(e => e.Name.Length));
        var specs = endpoints.Select(e => e.SampleRate == 0 ? "unknown" : $"{e.SampleFormat} {e.Channels} ch {e.SampleRate} Hz").ToArray();
        var specWidth = Math.Max("FORMAT".Length, specs.Max(s => s.Length));
        output.WriteLine();
        output.WriteLine($"   {"NAME".PadRight(nameWidth)}  {"FORMAT".PadRight(specWidth)}  ID");
        for (var i = 0; i < endpoints.Count; i++)
        {
            var endpoint = endpoints[i];
            output.WriteLine($"{(endpoint.IsDefault ? "*" : " ")}  {endpoint.Name.PadRight(nameWidth)}  {specs[i].PadRight(specWidth)}  {endpoint.Id}");
        }

        output.WriteLine();
        output.WriteLine(endpoints.Any(e => e.IsDefault)
            ? "* default recording device (used when no device is named); name another by its NAME or, when names repeat, its ID."
            : "No default recording device is set; name one by its NAME or ID.");
    }

    private static string FormatSpec(PulseAudioDevice source) =>
        $"{source.SampleFormat} {source.Channels} ch {source.SampleRate} Hz";
}

/// <summary>The JSON shape of <c>sers devices --format json</c>.</summary>
/// <param name="Server">The server's name.</param>
/// <param name="ServerVersion">The server's version.</param>
/// <param name="DefaultSource">The default source's name, or null.</param>
/// <param name="Sources">Every capture source.</param>
internal sealed record DevicesReport(string Server, string ServerVersion, string? DefaultSource, IReadOnlyList<DeviceEntry> Sources)
{
    /// <summary>Builds the report from a listing.</summary>
    /// <param name="list">What the server reported.</param>
    public static DevicesReport From(PulseAudioSourceList list) =>
        new(list.ServerName, list.ServerVersion, list.DefaultSourceName, list.Sources
            .Select(s => new DeviceEntry(s.Name, s.Index, s.Description, s.SampleFormat, s.SampleRate, s.Channels, s.IsMonitor, s.MonitorOfSink, s.IsDefault))
            .ToArray());

    /// <summary>Builds the report from the WASAPI capture endpoints: the "server" is WASAPI, its version the OS's.</summary>
    /// <param name="endpoints">The active endpoints.</param>
    /// <param name="osVersion">The operating system's version string.</param>
    public static DevicesReport From(IReadOnlyList<CaptureEndpoint> endpoints, string osVersion) =>
        new("WASAPI", osVersion, endpoints.FirstOrDefault(e => e.IsDefault)?.Name, endpoints
            .Select((e, i) => new DeviceEntry(e.Name, (uint)i, e.Adapter, e.SampleFormat, e.SampleRate, e.Channels, IsMonitor: false, MonitorOfSink: null, e.IsDefault, e.Id))
            .ToArray());
}

/// <summary>One source in <see cref="DevicesReport"/>.</summary>
/// <param name="Name">The name to capture from.</param>
/// <param name="Index">The server's index.</param>
/// <param name="Description">The human-readable name.</param>
/// <param name="SampleFormat">The native sample format, e.g. <c>s16le</c>.</param>
/// <param name="SampleRate">The native rate in Hz.</param>
/// <param name="Channels">The native channel count.</param>
/// <param name="IsMonitor">True for the monitor of an output.</param>
/// <param name="MonitorOfSink">The monitored output's name, or null.</param>
/// <param name="IsDefault">True for the default source.</param>
/// <param name="Id">The WASAPI endpoint id (Windows; left out of the JSON elsewhere).</param>
internal sealed record DeviceEntry(
    string Name,
    uint Index,
    string Description,
    string SampleFormat,
    int SampleRate,
    int Channels,
    bool IsMonitor,
    string? MonitorOfSink,
    bool IsDefault,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Id = null);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(DevicesReport))]
internal sealed partial class DevicesJsonContext : JsonSerializerContext;
