using System.CommandLine;
using SerSsl.Streaming.Analysis;
using SerSsl.Streaming.Pipeline;
using SerSsl.Streaming.Sources;

namespace SerSsl.Streaming.Commands;

/// <summary><c>sers analyze FILE</c>: the emotion timeline of a recording, as text, JSON or CSV, and optionally a PNG.</summary>
internal static class AnalyzeCommand
{
    public static Command Build()
    {
        var file = new Argument<FileInfo>("file")
        {
            Description = "A recording, recognised by its content: " + SerSsl.Core.Audio.AudioReader.SupportedFormats + ", any channel count.",
        };
        var format = new Option<string>("--format", "-f")
        {
            Description = "Output: text (a table), json or csv.",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "json", "csv");
        var plot = new Option<FileInfo?>("--plot")
        {
            Description = "Also write a PNG of the probabilities over time to this file.",
        };
        var output = new Option<FileInfo?>("--output", "-o")
        {
            Description = "Write the timeline to this file instead of standard output.",
        };
        var engine = new EngineCommandOptions();
        var command = new Command(
            "analyze",
            "Run a recording through the streaming pipeline as fast as possible and print its emotion timeline: one estimate per hop (250 ms by default), each from the last second of audio and the chunks before it.")
        {
            file,
            format,
            plot,
            output,
        };
        engine.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            return CommandErrors.RunAsync(error, async () =>
            {
                var path = parse.GetRequiredValue(file).FullName;
                var sessionOptions = engine.Session(parse);
                using var loggers = engine.Logging(parse).CreateFactory();
                await using var recognition = RecognitionEngine.Create(engine.ModelDirectory(parse), engine.Inference(parse), loggers);
                var analysis = await RecordingAnalysis.RunAsync(recognition, new WavFileSource(path, paced: false), sessionOptions, cancellationToken).ConfigureAwait(false);
                var text = Render(analysis, parse.GetRequiredValue(format));
                if (parse.GetValue(output) is { } target)
                {
                    await File.WriteAllTextAsync(target.FullName, text, cancellationToken).ConfigureAwait(false);
                    error.WriteLine($"timeline: {target.FullName}");
                }
                else
                {
                    await parse.InvocationConfiguration.Output.WriteAsync(text).ConfigureAwait(false);
                }

                if (parse.GetValue(plot) is { } png)
                {
                    TimelinePlot.Save(analysis, png.FullName);
                    error.WriteLine($"plot: {png.FullName}");
                }

                return 0;
            });
        });
        return command;
    }

    private static string Render(RecordingAnalysis analysis, string format)
    {
        if (format == "json")
        {
            using var stream = new MemoryStream();
            TimelineWriter.WriteJson(analysis, stream);
            return System.Text.Encoding.UTF8.GetString(stream.ToArray());
        }

        using var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        if (format == "csv")
        {
            TimelineWriter.WriteCsv(analysis, writer);
        }
        else
        {
            TimelineWriter.WriteText(analysis, writer);
        }

        return writer.ToString();
    }
}
