using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using SerSsl.Streaming.Inference;
using SerSsl.Streaming.Pipeline;
using SerSsl.Streaming.Server;

namespace SerSsl.Streaming.Commands;

/// <summary>The options every command that runs the model shares: model, device, threads, hop, smoothing, window, voice activity.</summary>
internal sealed class EngineCommandOptions
{
    public Option<string?> Model { get; } = new("--model", "-m")
    {
        Description = $"Model bundle folder (manifest.json and two ONNX graphs, as `sers-train export` writes). Default: ${ModelLocator.EnvironmentVariable}, else the bundled models/default.",
    };

    public Option<string> Device { get; } = new("--device")
    {
        Description = "Where ONNX Runtime runs the model: cpu, cuda or cuda:N. CUDA needs a build with -p:SerSslOnnxRuntime=Gpu.",
        DefaultValueFactory = _ => "cpu",
    };

    public Option<string> Precision { get; } = new("--precision")
    {
        Description = "Which encoder runs: fp32 (every bundle) or int8 (integer convolutions, faster on the CPU; the bundle needs an encoder.int8.onnx from `sers-train quantize`).",
        DefaultValueFactory = _ => "fp32",
    };

    public Option<int> Threads { get; } = new("--threads")
    {
        Description = "ONNX Runtime intra-op threads per run; 0 lets it use every core.",
        DefaultValueFactory = _ => InferenceOptions.Default.IntraOpThreads,
    };

    public Option<int> MaxBatch { get; } = new("--max-batch")
    {
        Description = "Most chunks the inference thread encodes in one run (chunks of all sessions share runs).",
        DefaultValueFactory = _ => InferenceOptions.Default.MaxBatch,
    };

    public Option<double> MaxWaitMs { get; } = new("--max-wait-ms")
    {
        Description = "How long the inference thread waits for more chunks after the first one before it runs a batch, in milliseconds.",
        DefaultValueFactory = _ => InferenceOptions.Default.MaxWait.TotalMilliseconds,
    };

    public Option<int?> HopMs { get; } = new("--hop-ms")
    {
        Description = "Time between estimates in milliseconds, a multiple of 10. Default: the model's (250 ms).",
    };

    public Option<double> Smoothing { get; } = new("--smoothing")
    {
        Description = "Exponential smoothing of probabilities over speech, 0 (off) to below 1: reported = s * previous + (1 - s) * current.",
        DefaultValueFactory = _ => 0.0,
    };

    public Option<string> Window { get; } = new("--window")
    {
        Description = "What a speech estimate aggregates: speech (only the chunks the voice-activity detector calls speech among the last K, so that a pause does not colour the next utterance) or all (the last K chunks, pauses included).",
        DefaultValueFactory = _ => "speech",
    };

    public Option<string> Vad { get; } = new("--vad")
    {
        Description = "Voice-activity detection: energy (frames above --vad-threshold-db) or silero:PATH (a Silero VAD v5/v6 ONNX model).",
        DefaultValueFactory = _ => "energy",
    };

    public Option<float> VadThresholdDb { get; } = new("--vad-threshold-db")
    {
        Description = "Energy gate threshold in dB (full-scale sine = -3 dB, digital silence = -100 dB).",
        DefaultValueFactory = _ => EnergySpeechDetector.DefaultThresholdDb,
    };

    public Option<string?> LogLevelOption { get; } = new("--log-level")
    {
        Description = "Least severe log events written to stderr: trace, debug, information, warning, error, critical or none. Default: warning (serve: information).",
    };

    public Option<string?> LogFormat { get; } = new("--log-format")
    {
        Description = "Log lines on stderr as text or json (one JSON object per event, with its event id and fields). Default: text (serve: json).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(LogLevelOption);
        command.Options.Add(LogFormat);
        LogLevelOption.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } value && !Enum.TryParse<LogLevel>(value, ignoreCase: true, out _))
            {
                result.AddError($"--log-level must be trace, debug, information, warning, error, critical or none; got '{value}'.");
            }
        });
        LogFormat.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } value && value is not ("text" or "json"))
            {
                result.AddError($"--log-format must be text or json; got '{value}'.");
            }
        });
        command.Options.Add(Model);
        command.Options.Add(Device);
        command.Options.Add(Precision);
        Precision.AcceptOnlyFromAmong("fp32", "int8");
        command.Options.Add(Threads);
        command.Options.Add(MaxBatch);
        command.Options.Add(MaxWaitMs);
        command.Options.Add(HopMs);
        command.Options.Add(Smoothing);
        command.Options.Add(Window);
        command.Options.Add(Vad);
        command.Options.Add(VadThresholdDb);
        Device.Validators.Add(result =>
        {
            try
            {
                InferenceDevice.Parse(result.GetValueOrDefault<string>() ?? string.Empty);
            }
            catch (FormatException ex)
            {
                result.AddError($"--device: {ex.Message}");
            }
        });
        Threads.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value is < 0 or > 256)
            {
                result.AddError($"--threads must be 0 to 256; got {value}.");
            }
        });
        MaxBatch.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value is < 1 or > 4096)
            {
                result.AddError($"--max-batch must be 1 to 4096; got {value}.");
            }
        });
        MaxWaitMs.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (!(value >= 0 && value <= 1000))
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"--max-wait-ms must be 0 to 1000; got {value}."));
            }
        });
        HopMs.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int?>();
            if (value is { } ms && (ms < 10 || ms % 10 != 0))
            {
                result.AddError($"--hop-ms must be a positive multiple of 10 (the frame hop); got {ms}.");
            }
        });
        Smoothing.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (!(value >= 0 && value < 1))
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"--smoothing must be at least 0 and below 1; got {value}."));
            }
        });
        Window.AcceptOnlyFromAmong("speech", "all");
        Vad.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>() ?? string.Empty;
            if (value != "energy" && !(value.StartsWith("silero:", StringComparison.Ordinal) && value.Length > "silero:".Length))
            {
                result.AddError($"--vad must be energy or silero:PATH; got '{value}'.");
            }
        });
    }

    /// <summary>The command's log settings, with the command's own defaults where the options are not given.</summary>
    public LogSettings Logging(ParseResult parse, LogLevel defaultLevel = LogLevel.Warning, bool defaultJson = false) => new(
        parse.GetValue(LogLevelOption) is { } level ? Enum.Parse<LogLevel>(level, ignoreCase: true) : defaultLevel,
        parse.GetValue(LogFormat) is { } format ? format == "json" : defaultJson);

    public string ModelDirectory(ParseResult parse) => parse.GetValue(Model) ?? ModelLocator.DefaultBundle();

    public InferenceOptions Inference(ParseResult parse) => InferenceOptions.Default with
    {
        Device = InferenceDevice.Parse(parse.GetRequiredValue(Device)),
        Precision = parse.GetRequiredValue(Precision) == "int8" ? InferencePrecision.Int8 : InferencePrecision.Fp32,
        IntraOpThreads = parse.GetValue(Threads),
        MaxBatch = parse.GetValue(MaxBatch),
        MaxWait = TimeSpan.FromMilliseconds(parse.GetValue(MaxWaitMs)),
    };

    public StreamingSessionOptions Session(ParseResult parse)
    {
        var vad = parse.GetRequiredValue(Vad);
        var threshold = parse.GetValue(VadThresholdDb);
        Func<ISpeechDetector> detector = vad.StartsWith("silero:", StringComparison.Ordinal)
            ? () => new SileroSpeechDetector(vad["silero:".Length..])
            : () => new EnergySpeechDetector(threshold);
        if (vad.StartsWith("silero:", StringComparison.Ordinal))
        {
            // Load once now so that a bad path is reported before any audio is captured.
            detector().Dispose();
        }

        return StreamingSessionOptions.Default with
        {
            HopFrames = parse.GetValue(HopMs) is { } ms ? ms / 10 : null,
            Smoothing = parse.GetValue(Smoothing),
            SpeechWindow = parse.GetRequiredValue(Window) == "speech",
            SpeechDetector = detector,
        };
    }
}
