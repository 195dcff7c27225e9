using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace SerSsl.Streaming.Pipeline;

/// <summary>
/// Decides, frame by frame, how likely the audio is speech. A session owns one instance (detectors keep state) and
/// calls it from its feature stage with each block of canonical 16 kHz samples and the frames that block completed.
/// </summary>
public interface ISpeechDetector : IDisposable
{
    /// <summary>A short description for logs and the console view.</summary>
    public string Description { get; }

    /// <summary>Processes a block.</summary>
    /// <param name="samples">The block's canonical 16 kHz mono samples (finite).</param>
    /// <param name="frameEnergiesDb">The energy in dB of each frame the block completed.</param>
    /// <param name="frameSpeech">Receives a speech probability in [0, 1] per completed frame.</param>
    public void Process(ReadOnlySpan<float> samples, ReadOnlySpan<float> frameEnergiesDb, Span<float> frameSpeech);
}

/// <summary>Energy gate: a frame is speech when its energy is above a threshold (dBFS, as <see cref="Core.Features.FrameEnergy"/> measures it).</summary>
/// <param name="thresholdDb">The threshold; -45 dB by default (quiet speech at a desk microphone is around -40 to -20 dB, a quiet room around -60 dB).</param>
public sealed class EnergySpeechDetector(float thresholdDb = EnergySpeechDetector.DefaultThresholdDb) : ISpeechDetector
{
    /// <summary>The default threshold, -45 dB.</summary>
    public const float DefaultThresholdDb = -45f;

    /// <summary>The threshold in dB.</summary>
    public float ThresholdDb { get; } = thresholdDb;

    /// <inheritdoc />
    public string Description => string.Create(CultureInfo.InvariantCulture, $"energy > {ThresholdDb:0.#} dB");

    /// <inheritdoc />
    public void Process(ReadOnlySpan<float> samples, ReadOnlySpan<float> frameEnergiesDb, Span<float> frameSpeech)
    {
        for (var i = 0; i < frameEnergiesDb.Length; i++)
        {
            frameSpeech[i] = frameEnergiesDb[i] > ThresholdDb ? 1f : 0f;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }
}

/// <summary>
/// Silero VAD (v5 or v6 ONNX model, given by path): 512-sample windows at 16 kHz with 64 samples of left context and a
/// recurrent state; every frame gets the probability of the latest window.
/// </summary>
public sealed class SileroSpeechDetector : ISpeechDetector
{
    /// <summary>Samples per window at 16 kHz.</summary>
    public const int WindowSamples = 512;

    /// <summary>Samples of the previous window prepended to each one.</summary>
    public const int ContextSamples = 64;

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly float[] _input = new float[ContextSamples + WindowSamples];
    private readonly float[] _state = new float[2 * 128];
    private readonly float[] _stateOut = new float[2 * 128];
    private readonly long[] _rate = [16_000];
    private readonly float[] _output = new float[1];
    private readonly OrtValue[] _inputs;
    private readonly OrtValue[] _outputs;
    private readonly string[] _inputNames = ["input", "state", "sr"];
    private readonly string[] _outputNames = ["output", "stateN"];
    private int _filled;
    private float _latest;

    /// <summary>Loads the model.</summary>
    /// <param name="modelPath">A Silero VAD v5 or v6 ONNX file.</param>
    /// <exception cref="ArgumentException">The file is missing or not a Silero VAD v5/v6 model.</exception>
    public SileroSpeechDetector(string modelPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        if (!File.Exists(modelPath))
        {
            throw new ArgumentException($"No Silero VAD model at '{modelPath}'. It ships e.g. in the npm package @ricky0123/vad-web (dist/silero_vad_v5.onnx).", nameof(modelPath));
        }

        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        try
        {
            _session = new InferenceSession(modelPath, options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ArgumentException($"'{modelPath}' is not an ONNX model ONNX Runtime can load: {ex.Message}", nameof(modelPath), ex);
        }

        if (!_inputNames.All(_session.InputMetadata.ContainsKey) || !_outputNames.All(_session.OutputMetadata.ContainsKey))
        {
            var found = string.Join(", ", _session.InputMetadata.Keys.Concat(_session.OutputMetadata.Keys));
            _session.Dispose();
            throw new ArgumentException($"'{modelPath}' is not a Silero VAD v5/v6 model: it needs inputs input, state, sr and outputs output, stateN; it has {found}.", nameof(modelPath));
        }

        _inputs =
        [
            OrtValue.CreateTensorValueFromMemory(_input, [1, _input.Length]),
            OrtValue.CreateTensorValueFromMemory(_state, [2, 1, 128]),
            OrtValue.CreateTensorValueFromMemory(_rate, [1]),
        ];
        _outputs =
        [
            OrtValue.CreateTensorValueFromMemory(_output, [1, 1]),
            OrtValue.CreateTensorValueFromMemory(_stateOut, [2, 1, 128]),
        ];
        ModelPath = modelPath;
    }

    /// <summary>The model file.</summary>
    public string ModelPath { get; }

    /// <inheritdoc />
    public string Description => $"Silero VAD ({Path.GetFileName(ModelPath)})";

    /// <inheritdoc />
    public void Process(ReadOnlySpan<float> samples, ReadOnlySpan<float> frameEnergiesDb, Span<float> frameSpeech)
    {
        while (!samples.IsEmpty)
        {
            var take = Math.Min(WindowSamples - _filled, samples.Length);
            samples[..take].CopyTo(_input.AsSpan(ContextSamples + _filled));
            _filled += take;
            samples = samples[take..];
            if (_filled == WindowSamples)
            {
                _session.Run(_runOptions, _inputNames, _inputs, _outputNames, _outputs);
                _latest = Math.Clamp(_output[0], 0f, 1f);
                _stateOut.CopyTo(_state, 0);
                _input.AsSpan(WindowSamples, ContextSamples).CopyTo(_input);
                _filled = 0;
            }
        }

        frameSpeech[..frameEnergiesDb.Length].Fill(_latest);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var value in _inputs.Concat(_outputs))
        {
            value.Dispose();
        }

        _session.Dispose();
        _runOptions.Dispose();
    }
}
