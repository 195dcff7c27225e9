using System.CommandLine;
using System.Globalization;
using SerSsl.Streaming.Pipeline;
using SerSsl.Streaming.Server;
using SerSsl.Streaming.Sources;
using Spectre.Console;

namespace SerSsl.Streaming.Commands;

/// <summary><c>sers listen</c>: live recognition from a microphone, a file or a playlist played in real time, or stdin.</summary>
internal static class ListenCommand
{
    public static Command Build()
    {
        var source = new Option<string>("--source", "-s")
        {
            Description = "Where audio comes from: mic (the default capture source), mic:NAME (see `sers devices`), file:PATH (a WAV or Ogg Opus recording played in real time), playlist:PATH (a text file naming recordings, one per line, relative to its folder or absolute; blank lines and '#' comments skipped; played in turn with silence between them) or stdin.",
            DefaultValueFactory = _ => "mic",
        };
        source.Validators.Add(result =>
        {
            try
            {
                SourceSpec.Parse(result.GetValueOrDefault<string>() ?? string.Empty);
            }
            catch (FormatException ex)
            {
                result.AddError(ex.Message);
            }
        });
        var fast = new Option<bool>("--fast")
        {
            Description = "With file:PATH or playlist:PATH, read the audio as fast as possible instead of in real time.",
        };
        var gapSeconds = new Option<double?>("--gap-seconds")
        {
            Description = string.Create(CultureInfo.InvariantCulture, $"With playlist:PATH, the digital silence between clips, 0 to {PlaylistSource.MaxGapSeconds} seconds (default {PlaylistSource.DefaultGapSeconds})."),
        };
        var pulseServer = new Option<string?>("--pulse-server")
        {
            Description = "PulseAudio server for mic, e.g. unix:/run/user/1000/pulse/native (Linux; Windows captures through WASAPI). Default: the session's server.",
        };
        var stdinFormat = new Option<string>("--stdin-format")
        {
            Description = "Audio on stdin: s16le or f32le (raw interleaved PCM, see --rate and --channels), or wav or opus (a WAV or Ogg Opus stream; either is recognised by its content).",
            DefaultValueFactory = _ => "s16le",
        };
        stdinFormat.AcceptOnlyFromAmong("s16le", "f32le", "wav", "opus");
        var rate = new Option<int>("--rate")
        {
            Description = "Sample rate of raw PCM on stdin, 8000 to 192000 Hz.",
            DefaultValueFactory = _ => 16_000,
        };
        var channels = new Option<int>("--channels")
        {
            Description = "Interleaved channels of raw PCM on stdin, 1 to 32.",
            DefaultValueFactory = _ => 1,
        };
        var duration = new Option<double?>("--duration")
        {
            Description = "Stop after this many seconds (default: until the source ends or Ctrl+C).",
        };
        var output = new Option<string>("--output")
        {
            Description = "auto (a live view on a terminal, lines otherwise), view, lines (one line per estimate) or json (one JSON estimate per line).",
            DefaultValueFactory = _ => "auto",
        };
        output.AcceptOnlyFromAmong("auto", "view", "lines", "json");
        var serve = new Option<bool>("--serve")
        {
            Description = "Also serve this session over gRPC (Subscribe with session id 'listen', and the rest of `sers serve`), on --urls or --port (default loopback port 50051), and the dashboard on --http-urls (default the next port: http://127.0.0.1:50052).",
        };
        var engine = new EngineCommandOptions();
        var server = new ServerCommandOptions();
        var command = new Command(
            "listen",
            "Recognise emotions live: capture audio, and show rolling estimates (a bar per label, the top label, speech or silence, latency, dropped audio) as they arrive.")
        {
            source,
            fast,
            gapSeconds,
            pulseServer,
            stdinFormat,
            rate,
            channels,
            duration,
            output,
            serve,
        };
        engine.AddTo(command);
        server.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            return CommandErrors.RunAsync(error, async () =>
            {
                var spec = SourceSpec.Parse(parse.GetRequiredValue(source));
                var gap = parse.GetValue(gapSeconds);
                if (gap.HasValue && spec.Kind != "playlist")
                {
                    error.WriteLine($"error: --gap-seconds applies only to --source playlist:PATH (the silence between its clips); the source is {spec}.");
                    return CommandErrors.BadInput;
                }

                if (gap is { } gapValue && !(gapValue >= 0 && gapValue <= PlaylistSource.MaxGapSeconds))
                {
                    error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"error: --gap-seconds must be 0 to {PlaylistSource.MaxGapSeconds} seconds; got {gapValue}."));
                    return CommandErrors.BadInput;
                }

                var sessionOptions = engine.Session(parse);
                var modelDirectory = engine.ModelDirectory(parse);
                var logging = engine.Logging(parse);
                using var loggers = logging.CreateFactory();
                await using var recognition = RecognitionEngine.Create(modelDirectory, engine.Inference(parse), loggers);
                var audio = spec.Create(
                    new StdinSettings(parse.GetRequiredValue(stdinFormat), parse.GetValue(rate), parse.GetValue(channels)),
                    pacedFile: !parse.GetValue(fast),
                    parse.GetValue(pulseServer),
                    gap ?? PlaylistSource.DefaultGapSeconds,
                    recognition.Bundle.Manifest.Features.SampleRate);
                var serverOptions = parse.GetValue(serve) ? server.Read(parse) with { SessionOptions = sessionOptions, Logging = logging } : null;
                await using var registry = serverOptions is null ? null : new ServerSessions(recognition, serverOptions);
                await using var app = registry is null ? null : RecognitionServer.Build(registry);
                var view = new LiveView(recognition.Bundle.Labels, audio.Description, recognition.Bundle.Manifest.Name);
                var mode = parse.GetRequiredValue(output);
                if (mode == "auto")
                {
                    mode = Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive ? "lines" : "view";
                }

                var writer = parse.InvocationConfiguration.Output;
                if (audio is PlaylistSource playlist)
                {
                    // Which clip is playing: in the live view's header, else a line on stderr beside the estimates.
                    playlist.ClipStarted += mode == "view"
                        ? (_, clip) => view.OnClip(clip.ToString())
                        : (_, clip) => error.WriteLine(clip.ToString());
                }

                var session = registry is null
                    ? await recognition.CreateSessionAsync(audio, sessionOptions, "listen", cancellationToken).ConfigureAwait(false)
                    : await registry.CreateAsync(audio, sessionOptions, "listen", cancellationToken).ConfigureAwait(false);

                // The console's own subscription: lossless, and made before the session starts, so that a fast
                // source's first estimates are shown too.
                using var subscription = session.TrySubscribe(fromSequence: null, capacity: null, lossless: true)!;
                session.Start();
                var show = Task.Run(
                    async () =>
                    {
                        await foreach (var e in subscription.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
                        {
                            if (e.Utterance is { } utterance)
                            {
                                view.OnUtterance(utterance);
                                continue;
                            }

                            if (e.Estimate is not { } estimate)
                            {
                                continue;
                            }

                            view.OnEstimate(estimate);
                            if (mode == "lines")
                            {
                                writer.WriteLine(LiveView.Line(estimate));
                            }
                            else if (mode == "json")
                            {
                                writer.WriteLine(Google.Protobuf.JsonFormatter.Default.Format(estimate));
                            }
                        }
                    },
                    CancellationToken.None);
                if (app is not null)
                {
                    await ServeCommand.StartAsync(app, error, cancellationToken).ConfigureAwait(false);
                }

                using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                if (parse.GetValue(duration) is { } seconds)
                {
                    stop.CancelAfter(TimeSpan.FromSeconds(seconds));
                }

                await using (stop.Token.Register(() => _ = session.StopAsync()))
                {
                    if (mode == "view")
                    {
                        await view.RunAsync(AnsiConsole.Console, Task.WhenAll(session.Completion, show)).ConfigureAwait(false);
                    }

                    try
                    {
                        await session.Completion.ConfigureAwait(false);
                    }
                    finally
                    {
                        // Everything published has been shown (a failure ends the subscription too, and is reported above).
                        await show.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
                        error.WriteLine($"{audio.Description}: {view.Summary()}");
                        if (app is not null)
                        {
                            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
                        }
                    }
                }

                return 0;
            });
        });
        return command;
    }
}
