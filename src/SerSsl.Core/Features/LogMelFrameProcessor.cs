using System.Numerics.Tensors;

namespace SerSsl.Core.Features;

/// <summary>
/// The one per-frame computation used by both <see cref="LogMelExtractor"/> and <see cref="OnlineLogMelExtractor"/>:
/// window, real FFT, power, sparse mel filterbank, floor and natural log.
/// </summary>
/// <remarks>
/// Only element-wise vector operations (TensorPrimitives Multiply, MultiplyAdd, Max, Log) and fixed-order loops
/// are used: no reductions whose association could depend on buffer alignment. The output of a frame is therefore
/// a function of the window samples alone, which is what makes online and batch extraction bitwise identical.
/// Allocates nothing per frame; not thread-safe (owns scratch buffers).
/// </remarks>
internal sealed class LogMelFrameProcessor
{
    private readonly float[] _window;
    private readonly RealFft _fft;
    private readonly MelFilterBank _filterBank;
    private readonly float _floor;
    private readonly float[] _windowed;
    private readonly float[] _real;
    private readonly float[] _imaginary;
    private readonly float[] _power;
    private readonly float[] _mel;

    /// <summary>Builds tables and scratch for <paramref name="settings"/> (validated here).</summary>
    public LogMelFrameProcessor(LogMelSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        Settings = settings;
        _window = CreatePeriodicHann(settings.WindowLength);
        _fft = new RealFft(settings.FftLength);
        _filterBank = new MelFilterBank(settings);
        _floor = (float)settings.LogFloor;
        _windowed = new float[settings.WindowLength];
        _real = new float[_fft.BinCount];
        _imaginary = new float[_fft.BinCount];
        _power = new float[_fft.BinCount];
        _mel = new float[settings.MelBinCount];

        var zeros = new float[settings.WindowLength];
        var level = new float[settings.MelBinCount];
        Process(zeros, level);
        SilenceLevel = level[0];
    }

    /// <summary>The validated settings.</summary>
    public LogMelSettings Settings { get; }

    /// <summary>The filterbank in use.</summary>
    public MelFilterBank FilterBank => _filterBank;

    /// <summary>The output of an all-zero window in every bin: ln(LogFloor) as computed by this code path.</summary>
    public float SilenceLevel { get; }

    /// <summary>Computes one log-mel frame.</summary>
    /// <param name="window">Exactly <see cref="LogMelSettings.WindowLength"/> raw samples.</param>
    /// <param name="output">Receives <see cref="LogMelSettings.MelBinCount"/> values.</param>
    public void Process(ReadOnlySpan<float> window, Span<float> output)
    {
        // Conventions (torchaudio MelSpectrogram(power=2, center=False, norm=None, mel_scale="htk") equivalent, see
        // LogMelSettings): periodic Hann over the WindowLength raw samples, zero-padded at the end to FftLength;
        // unnormalised power |X[k]|^2, k = 0..FftLength/2; HTK triangular mel filters, peak 1, no area
        // normalisation; natural log of max(mel, LogFloor).
        TensorPrimitives.Multiply(window, _window, _windowed);
        _fft.Forward(_windowed, _real, _imaginary);
        TensorPrimitives.Multiply(_real, _real, _power);
        TensorPrimitives.MultiplyAdd(_imaginary, _imaginary, _power, _power);
        _filterBank.Apply(_power, _mel);
        TensorPrimitives.Max(_mel, _floor, _mel);
        TensorPrimitives.Log(_mel, output[.._mel.Length]);
    }

    /// <summary>Periodic Hann window of <paramref name="length"/> samples: 0.5 - 0.5 cos(2 pi i / length).</summary>
    internal static float[] CreatePeriodicHann(int length)
    {
        var window = new float[length];
        for (var i = 0; i < length; i++)
        {
            window[i] = (float)(0.5 - (0.5 * Math.Cos(2.0 * Math.PI * i / length)));
        }

        return window;
    }
}
