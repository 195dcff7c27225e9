using System.CommandLine;
using System.Diagnostics;
using SerSsl.Protos.V1;
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
            Description = "Output, written as the estimates arrive: text (a table, the summary last), json (one document: source, labels, then the estimates one a line, then utterances, durationSeconds and stopped) or csv.",
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
            "Run a recording through the streaming pipeline as fast as possible and print its emotion timeline as it goes: one estimate per hop (250 ms by default), each from the last second of audio and the chunks before it. Reads pipes and FIFOs too (a WAV of unknown length); Ctrl+C stops within a second and keeps what is written, well formed, exit code 130.")
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
                var source = new WavFileSource(path, paced: false);
                var target = parse.GetValue(output);
                await using var destination = target is null ? null : new LazyFileWriter(target.FullName);
                var writer = (TextWriter?)destination ?? parse.InvocationConfiguration.Output;
                var timeline = TimelineWriter.Create(parse.GetRequiredValue(format), writer, source.Description, recognition.Bundle.Labels);

                // Written as the estimates arrive (flushed at least every 250 ms), so that an endless stream shows
                // its timeline live and keeps what is done on Ctrl+C; only a plot needs the whole timeline in memory.
                var png = parse.GetValue(plot);
                var estimates = new List<EmotionEstimate>();
                var utterances = new List<UtteranceEvent>();
                var flushed = Stopwatch.GetTimestamp();
                var end = await RecordingAnalysis.StreamAsync(
                    recognition,
                    source,
                    sessionOptions,
                    e =>
                    {
                        timeline.Add(e);
                        if (png is not null)
                        {
                            Keep(e, estimates, utterances);
                        }

                        if (Stopwatch.GetElapsedTime(flushed) > TimeSpan.FromMilliseconds(250))
                        {
                            writer.Flush();
                            flushed = Stopwatch.GetTimestamp();
                        }
                    },
                    cancellationToken).ConfigureAwait(false);
                timeline.End(end.DurationSeconds, end.Stopped);
                await writer.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                if (target is not null)
                {
                    error.WriteLine($"timeline: {target.FullName}");
                }

                if (png is not null)
                {
                    TimelinePlot.Save(new RecordingAnalysis(end.Source, recognition.Bundle.Labels, estimates, utterances, end.DurationSeconds), png.FullName);
                    error.WriteLine($"plot: {png.FullName}");
                }

                if (end.Stopped)
                {
                    error.WriteLine("stopped.");
                    return 130;
                }

                return 0;
            });
        });
        return command;
    }

    private static void Keep(SessionEvent e, List<EmotionEstimate> estimates, List<UtteranceEvent> utterances)
    {
        if (e.Estimate is { } estimate)
        {
            estimates.Add(estimate);
        }
        else if (e.Utterance is { } utterance)
        {
            utterances.Add(utterance);
        }
    }

    /// <summary>A file writer that creates its file at the first write, so that an analysis that fails to start leaves no file.</summary>
    private sealed class LazyFileWriter(string path) : TextWriter
    {
        private StreamWriter? _writer;

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value) => Open().Write(value);

        public override void Write(string? value) => Open().Write(value);

        public override void Write(char[] buffer, int index, int count) => Open().Write(buffer, index, count);

        public override void Flush() => _writer?.Flush();

        public override async ValueTask DisposeAsync()
        {
            if (_writer is not null)
            {
                await _writer.DisposeAsync().ConfigureAwait(false);
            }

            await base.DisposeAsync().ConfigureAwait(false);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _writer?.Dispose();
            }

            base.Dispose(disposing);
        }

        private StreamWriter Open() => _writer ??= new StreamWriter(path, append: false, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }
}
