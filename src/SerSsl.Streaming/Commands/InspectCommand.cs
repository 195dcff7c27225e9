using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using SerSsl.Core.Audio;
using SerSsl.Streaming.Inspection;

namespace SerSsl.Streaming.Commands;

/// <summary><c>sers inspect FILE</c>: runs a recording through the streaming front end and reports what it saw.</summary>
internal static class InspectCommand
{
    public static Command Build()
    {
        var file = new Argument<FileInfo>("file")
        {
            Description = "A recording, recognised by its content: " + AudioReader.SupportedFormats + ".",
        };
        var hop = new Option<int>("--hop-ms")
        {
            Description = "Time between streaming chunks in milliseconds (a multiple of the 10 ms frame hop).",
            DefaultValueFactory = _ => 250,
        };
        var format = new Option<string>("--format")
        {
            Description = "Output format: text (a summary and a table of chunks) or json.",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "json");
        hop.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value < 10 || value % 10 != 0)
            {
                result.AddError($"--hop-ms must be a positive multiple of 10 (the frame hop); got {value}.");
            }
        });

        var command = new Command(
            "inspect",
            "Run a recording through the streaming front end (decode, downmix, resample to 16 kHz, log-mel, chunking) and report its format, frames, energy and chunks. No model is needed.")
        {
            file,
            hop,
            format,
        };
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var path = parseResult.GetRequiredValue(file).FullName;

            // The same one-line errors and exit codes as analyze: a missing file or directory, an unreadable or
            // damaged one, a rate or channel count the front end does not take.
            return CommandErrors.RunAsync(error, () =>
            {
                var report = new AudioInspector(hopFrames: parseResult.GetValue(hop) / 10).Inspect(path);
                if (parseResult.GetValue(format) == "json")
                {
                    output.WriteLine(JsonSerializer.Serialize(report, InspectJsonContext.Default.InspectionReport));
                }
                else
                {
                    WriteText(report, output);
                }

                return Task.FromResult(0);
            }).GetAwaiter().GetResult();
        });
        return command;
    }

    private static void WriteText(InspectionReport r, TextWriter output)
    {
        output.WriteLine($"file         {r.Path}");
        output.WriteLine($"format       {r.Codec}, {r.Channels} channel(s), {r.SampleRate} Hz, {r.DurationSeconds:F3} s");
        output.WriteLine($"canonical    16 kHz mono, {r.CanonicalSamples} samples");
        output.WriteLine($"frames       {r.Frames} log-mel frames of {r.MelBins} bins (25 ms window, 10 ms hop)");
        output.WriteLine($"chunks       {r.Chunks.Count} of {r.ChunkFrames} frames, one every {r.HopFrames * 10} ms");
        if (r.Frames > 0)
        {
            output.WriteLine($"energy       mean {r.MeanEnergyDb:F1} dB, min {r.MinEnergyDb:F1} dB, max {r.MaxEnergyDb:F1} dB");
            output.WriteLine($"active       {r.ActiveFraction:P0} of frames at or above {r.ActivityThresholdDb:F0} dB");
        }
        else
        {
            output.WriteLine("energy       no frames: the recording is shorter than one 25 ms window");
        }

        if (r.Chunks.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("chunk    start s    end s   mean dB   std dB");
            foreach (var chunk in r.Chunks)
            {
                output.WriteLine($"{chunk.Index,5} {chunk.StartSeconds,9:F2} {chunk.EndSeconds,8:F2} {chunk.MeanEnergyDb,9:F1} {chunk.EnergyStdDb,8:F2}");
            }
        }
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(InspectionReport))]
internal sealed partial class InspectJsonContext : JsonSerializerContext;
