using System.CommandLine;
using System.Globalization;
using SerSsl.Synthesis;

namespace SerSsl.Training.Commands;

/// <summary>
/// <c>sers-train synth speech|av</c>: generates synthetic corpora with espeak-ng so that every training path runs end
/// to end without real data. Every generated folder carries a <c>SYNTHETIC.txt</c> notice.
/// </summary>
internal static class SynthCommand
{
    /// <summary>Exit code for a failure the user can fix (missing espeak-ng, a non-empty folder, espeak-ng failing).</summary>
    public const int FailureExitCode = 1;

    /// <summary>Exit code for invalid options.</summary>
    public const int UsageExitCode = 2;

    /// <summary>Builds the <c>synth</c> command and its subcommands.</summary>
    public static Command Build() =>
        new("synth", "Generate synthetic corpora with espeak-ng (always labelled synthetic) so that every training path runs without real data.")
        {
            BuildSpeech(),
            BuildAv(),
        };

    private static Command BuildSpeech()
    {
        var output = OutOption();
        var actors = new Option<int>("--actors")
        {
            Description = "Number of synthetic actors (ids 1001 and up, half female), 1-999.",
            DefaultValueFactory = _ => 91,
        };
        var sentences = new Option<string[]>("--sentences")
        {
            Description = $"CREMA-D sentence codes to record, space- or comma-separated ({string.Join(' ', SynthTexts.CremaDCodes)}); all twelve by default.",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [.. SynthTexts.CremaDCodes],
        };
        var clipsPerEmotion = new Option<int?>("--clips-per-emotion")
        {
            Description = "Keep at most this many clips per emotion (a seeded subset of the actor x sentence x level grid).",
        };
        var seed = SeedOption();
        var jobs = JobsOption();
        var espeak = EspeakOption();
        var overwrite = OverwriteOption();

        var command = new Command(
            "speech",
            "Synthetic emotional speech in the CREMA-D layout: AudioWAV/ActorID_Sentence_Emotion_Level.wav (16 kHz mono PCM), SentenceFilenames.csv, VideoDemographics.csv and simulated tabulatedVotes.csv and summaryTable.csv.")
        {
            output,
            actors,
            sentences,
            clipsPerEmotion,
            seed,
            jobs,
            espeak,
            overwrite,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            return Task.FromResult(Execute(parseResult, () =>
            {
                var options = new SpeechCorpusOptions
                {
                    OutputDirectory = Path.GetFullPath(parseResult.GetRequiredValue(output)),
                    Actors = parseResult.GetValue(actors),
                    Sentences = SplitCodes(parseResult.GetValue(sentences)),
                    ClipsPerEmotion = parseResult.GetValue(clipsPerEmotion),
                    Seed = parseResult.GetValue(seed),
                    Parallelism = parseResult.GetValue(jobs),
                    EspeakExecutable = parseResult.GetValue(espeak),
                    Overwrite = parseResult.GetValue(overwrite),
                };
                var synthesizer = new SpeechCorpusSynthesizer(options);
                var result = synthesizer.Run(new ProgressLine(error, "synth speech", ProgressLine.IsInteractive(error)), cancellationToken);
                return string.Create(
                    CultureInfo.InvariantCulture,
                    $"SYNTHETIC speech corpus: {result.Clips} clips, {result.Actors} actor(s), {result.AudioSeconds / 60:F1} min of audio in {result.OutputDirectory} ({result.Elapsed.TotalSeconds:F1} s)");
            }));
        });
        return command;
    }

    private static Command BuildAv()
    {
        var output = OutOption();
        var hours = new Option<double>("--hours")
        {
            Description = "Hours of audio to generate (clips are added until the total reaches it).",
            Required = true,
        };
        var speakers = new Option<int>("--speakers")
        {
            Description = "Number of synthetic speakers (ids spk01 and up, half female).",
            DefaultValueFactory = _ => 24,
        };
        var minSeconds = new Option<double>("--min-seconds")
        {
            Description = "Shortest clip in seconds.",
            DefaultValueFactory = _ => 3,
        };
        var maxSeconds = new Option<double>("--max-seconds")
        {
            Description = "Longest clip in seconds.",
            DefaultValueFactory = _ => 8,
        };
        var seed = SeedOption();
        var jobs = JobsOption();
        var espeak = EspeakOption();
        var overwrite = OverwriteOption();

        var command = new Command(
            "av",
            "A synthetic unlabeled audiovisual corpus: wav/<id>.wav plus openface/<id>.csv (OpenFace 2.x format, 30 fps) whose AUs follow a latent emotion and whose mouth follows the speech, manifest.csv, and latent.csv for analysis.")
        {
            output,
            hours,
            speakers,
            minSeconds,
            maxSeconds,
            seed,
            jobs,
            espeak,
            overwrite,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            return Task.FromResult(Execute(parseResult, () =>
            {
                var options = new AvCorpusOptions
                {
                    OutputDirectory = Path.GetFullPath(parseResult.GetRequiredValue(output)),
                    Hours = parseResult.GetValue(hours),
                    Speakers = parseResult.GetValue(speakers),
                    MinClipSeconds = parseResult.GetValue(minSeconds),
                    MaxClipSeconds = parseResult.GetValue(maxSeconds),
                    Seed = parseResult.GetValue(seed),
                    Parallelism = parseResult.GetValue(jobs),
                    EspeakExecutable = parseResult.GetValue(espeak),
                    Overwrite = parseResult.GetValue(overwrite),
                };
                var synthesizer = new AvCorpusSynthesizer(options);
                var result = synthesizer.Run(new ProgressLine(error, "synth av", ProgressLine.IsInteractive(error)), cancellationToken);
                return string.Create(
                    CultureInfo.InvariantCulture,
                    $"SYNTHETIC audiovisual corpus: {result.Clips} clips, {result.Speakers} speaker(s), {result.AudioSeconds / 3600:F3} h of audio in {result.OutputDirectory} ({result.Elapsed.TotalSeconds:F1} s)");
            }));
        });
        return command;
    }

    private static int Execute(ParseResult parseResult, Func<string> run)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var error = parseResult.InvocationConfiguration.Error;
        try
        {
            output.WriteLine(run());
            return 0;
        }
        catch (EspeakNotFoundException ex)
        {
            error.WriteLine($"error: {ex.Message}");
            return FailureExitCode;
        }
        catch (ArgumentException ex)
        {
            error.WriteLine($"error: {ex.Message}");
            return UsageExitCode;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            error.WriteLine($"error: {ex.Message}");
            return FailureExitCode;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("cancelled: the corpus is incomplete.");
            return FailureExitCode;
        }
    }

    private static string[] SplitCodes(string[]? values) =>
        values is null
            ? [.. SynthTexts.CremaDCodes]
            : [.. values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(v => v.ToUpperInvariant())];

    private static Option<string> OutOption() => new("--out")
    {
        Description = "The corpus folder to create (must be empty unless --overwrite).",
        Required = true,
    };

    private static Option<long> SeedOption() => new("--seed")
    {
        Description = "Seed for every random choice; the same seed gives byte-identical files.",
        DefaultValueFactory = _ => 42,
    };

    private static Option<int> JobsOption() => new("--jobs")
    {
        Description = "Clips synthesised in parallel (espeak-ng processes); the processor count by default.",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    private static Option<string> EspeakOption() => new("--espeak-ng")
    {
        Description = "The espeak-ng executable (a path, or a name looked up on PATH).",
        DefaultValueFactory = _ => EspeakSynthesizer.DefaultExecutable,
    };

    private static Option<bool> OverwriteOption() => new("--overwrite")
    {
        Description = "Write into a non-empty folder, deleting the files and folders an earlier synth run left there.",
    };
}
