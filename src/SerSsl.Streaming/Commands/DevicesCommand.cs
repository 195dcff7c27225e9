using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using SerSsl.Streaming.Sources;
using SerSsl.Streaming.Sources.Pulse;

namespace SerSsl.Streaming.Commands;

/// <summary><c>sers devices</c>: lists the capture sources of the PulseAudio (or pipewire-pulse) server.</summary>
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
            "List the capture sources (microphones, line inputs and output monitors) of the PulseAudio or PipeWire server. " +
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
internal sealed record DeviceEntry(
    string Name,
    uint Index,
    string Description,
    string SampleFormat,
    int SampleRate,
    int Channels,
    bool IsMonitor,
    string? MonitorOfSink,
    bool IsDefault);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(DevicesReport))]
internal sealed partial class DevicesJsonContext : JsonSerializerContext;
