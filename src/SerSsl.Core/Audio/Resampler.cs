namespace SerSsl.Core.Audio;

/// <summary>
/// A streaming, block-invariant sample-rate converter for mono float32 audio (by default to 16 kHz).
/// </summary>
/// <remarks>
/// <para>
/// <b>Timing.</b> Output sample <c>k</c> is the band-limited input signal at input time
/// <c>k · InputRate / OutputRate</c>: the filter is linear-phase and centred, so the output has no group delay
/// (<see cref="DelaySamples"/> is 0) and output sample <c>k</c> belongs at <c>k / OutputRate</c> seconds on the
/// input's timeline. The price is look-ahead: an output sample is emitted once
/// <see cref="LookaheadInputSamples"/> input samples past its instant have arrived. Input before the first
/// sample and after the last one (at <see cref="Flush"/>) is taken as zero.
/// </para>
/// <para>
/// <b>Length.</b> A stream of <c>N</c> input samples yields exactly
/// <c>ceil(N · OutputRate / InputRate)</c> output samples in total over all <see cref="Process"/> calls and the
/// final <see cref="Flush"/> (see <see cref="GetTotalOutputLength"/>); the samples are those at input times
/// <c>0 ≤ t &lt; N</c>.
/// </para>
/// <para>
/// <b>Block invariance.</b> Each output sample is computed from the same input samples, the same coefficients
/// and the same (integer) phase with an address-independent summation order, whatever the block sizes
/// (including empty and one-sample blocks): splitting a stream differently gives bit-identical output.
/// </para>
/// <para>
/// <b>Quality.</b> Kaiser-windowed sinc, 80 dB design stopband attenuation. With <c>B = min(InputRate,
/// OutputRate)</c> the passband is flat (ripple well under 0.01 dB) to <c>7/16·B</c> and the stopband starts
/// at <c>B/2</c>: for 16 kHz output and any input of 16 kHz or more, flat to 7 kHz, and everything above
/// 8 kHz that would alias into 0–8 kHz is attenuated by at least 70 dB. Inputs below 16 kHz (e.g. 8 kHz or
/// 11.025 kHz) keep their own band: flat to 7/16 of their rate (3.5 kHz, 4.82 kHz), images above half their
/// rate removed. <c>InputRate == OutputRate</c> is an exact copy. The coefficients form an exact rational
/// polyphase table (one row per output phase) when that table fits in 4 MB; awkward ratios such as
/// 44 101 Hz → 16 kHz (16 000 phases) use a table of 512 rows per input sample with linear interpolation
/// between the two neighbouring rows, still driven by integer phase arithmetic.
/// </para>
/// <para>
/// <b>Non-finite input.</b> NaN or infinity does not throw; it propagates to every output sample whose window
/// (<c>2 · LookaheadInputSamples</c> input samples) covers it, after which output is finite again.
/// </para>
/// <para>
/// Filter tables are built once per rate pair and shared (thread-safe); an instance holds only a small
/// history buffer and is not thread-safe. <see cref="Process"/> and <see cref="Flush"/> do not allocate.
/// </para>
/// </remarks>
public sealed class Resampler
{
    /// <summary>The lowest supported sample rate, in Hz.</summary>
    public const int MinSampleRate = 8000;

    /// <summary>The highest supported sample rate, in Hz.</summary>
    public const int MaxSampleRate = 192000;

    /// <summary>The default output rate, in Hz.</summary>
    public const int DefaultOutputRate = 16000;

    // New input is copied into the history buffer in chunks of at most this many samples.
    private const int ChunkSamples = 2048;

    private readonly ResamplerFilter? _filter;
    private readonly float[] _history;
    private readonly int _halfTaps;
    private readonly int _taps;

    // _history[0.._count) holds input; _position is the history index of the integer part of the next output
    // instant and _phase its fractional part in units of 1/Interpolation.
    private int _count;
    private int _position;
    private int _phase;

    /// <summary>Creates a resampler from <paramref name="inputRate"/> to <paramref name="outputRate"/>.</summary>
    /// <param name="inputRate">Input sample rate in Hz, 8000 to 192000 inclusive.</param>
    /// <param name="outputRate">Output sample rate in Hz, 8000 to 192000 inclusive; 16000 by default.</param>
    /// <exception cref="ArgumentOutOfRangeException">A rate is outside 8000–192000 Hz.</exception>
    public Resampler(int inputRate, int outputRate = DefaultOutputRate)
    {
        ValidateRate(inputRate, nameof(inputRate));
        ValidateRate(outputRate, nameof(outputRate));
        InputRate = inputRate;
        OutputRate = outputRate;

        if (inputRate == outputRate)
        {
            _history = [];
            return;
        }

        _filter = ResamplerFilter.Get(inputRate, outputRate);
        _taps = _filter.Taps;
        _halfTaps = _filter.HalfTaps;
        _history = new float[_taps + ChunkSamples];
        Reset();
    }

    /// <summary>The input sample rate in Hz.</summary>
    public int InputRate { get; }

    /// <summary>The output sample rate in Hz.</summary>
    public int OutputRate { get; }

    /// <summary>
    /// Group delay of the output relative to the input timeline, in output samples: always 0, because the
    /// filter is centred on each output instant (output sample <c>k</c> is the signal at <c>k / OutputRate</c>
    /// seconds). An impulse at input sample <c>n</c> peaks at output sample
    /// <c>round(n · OutputRate / InputRate) + DelaySamples</c>.
    /// </summary>
    public int DelaySamples => 0;

    /// <summary>
    /// Input samples past an output instant that must arrive before that output sample is emitted (the
    /// filter's half-length; 0 for pass-through). The real-time latency is this divided by
    /// <see cref="InputRate"/>: about 2.7 ms at 48 kHz.
    /// </summary>
    public int LookaheadInputSamples => _halfTaps;

    /// <summary>The most samples <see cref="Flush"/> writes; size its output span to at least this.</summary>
    public int MaxFlushLength =>
        _filter is null ? 0 : (int)CeilingScale(_halfTaps, _filter.Interpolation, _filter.Decimation);

    /// <summary>
    /// The most samples one <see cref="Process"/> call writes for <paramref name="inputLength"/> input samples,
    /// whatever came before: <c>ceil(inputLength · OutputRate / InputRate)</c>.
    /// </summary>
    /// <param name="inputLength">Number of input samples in the call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inputLength"/> is negative, or the result does not fit in an <see cref="int"/>.</exception>
    public int GetMaxOutputLength(int inputLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputLength);
        if (_filter is null)
        {
            return inputLength;
        }

        var length = CeilingScale(inputLength, _filter.Interpolation, _filter.Decimation);
        if (length > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(inputLength), inputLength, $"{inputLength} input samples would give {length} output samples, more than one span can hold; process the input in smaller blocks.");
        }

        return (int)length;
    }

    /// <summary>
    /// Total output samples (all <see cref="Process"/> calls plus <see cref="Flush"/>) for a stream of
    /// <paramref name="inputLength"/> input samples: <c>ceil(inputLength · OutputRate / InputRate)</c>.
    /// </summary>
    /// <param name="inputLength">Total number of input samples in the stream.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inputLength"/> is negative.</exception>
    public long GetTotalOutputLength(long inputLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputLength);
        return _filter is null ? inputLength : CeilingScale(inputLength, _filter.Interpolation, _filter.Decimation);
    }

    /// <summary>
    /// Consumes all of <paramref name="input"/> and writes every output sample that has become computable.
    /// </summary>
    /// <param name="input">The next block of input samples; may be empty.</param>
    /// <param name="output">Destination; must hold at least <see cref="GetMaxOutputLength"/>(<c>input.Length</c>) samples.</param>
    /// <returns>The number of samples written to the start of <paramref name="output"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="output"/> is shorter than <see cref="GetMaxOutputLength"/>(<c>input.Length</c>).</exception>
    public int Process(ReadOnlySpan<float> input, Span<float> output)
    {
        var required = GetMaxOutputLength(input.Length);
        if (output.Length < required)
        {
            throw new ArgumentException($"The output span holds {output.Length} samples but up to {required} may be written for {input.Length} input samples at {InputRate} Hz -> {OutputRate} Hz; size it with {nameof(GetMaxOutputLength)}.", nameof(output));
        }

        if (_filter is null)
        {
            input.CopyTo(output);
            return input.Length;
        }

        var written = 0;
        var consumed = 0;
        while (true)
        {
            written += Produce(output[written..], int.MaxValue);
            if (consumed == input.Length)
            {
                return written;
            }

            Compact();
            var take = Math.Min(input.Length - consumed, _history.Length - _count);
            input.Slice(consumed, take).CopyTo(_history.AsSpan(_count));
            _count += take;
            consumed += take;
        }
    }

    /// <summary>
    /// Ends the stream: writes the remaining output samples (those whose instants fall before the end of the
    /// input, computed with zeros after it) and then resets the resampler for a new stream.
    /// </summary>
    /// <param name="output">Destination; must hold at least <see cref="MaxFlushLength"/> samples.</param>
    /// <returns>The number of samples written to the start of <paramref name="output"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="output"/> is shorter than <see cref="MaxFlushLength"/>.</exception>
    public int Flush(Span<float> output)
    {
        var required = MaxFlushLength;
        if (output.Length < required)
        {
            throw new ArgumentException($"The output span holds {output.Length} samples but Flush may write {required} at {InputRate} Hz -> {OutputRate} Hz; size it with {nameof(MaxFlushLength)}.", nameof(output));
        }

        if (_filter is null)
        {
            return 0;
        }

        var end = _count; // one past the last real input sample
        var written = 0;
        while (true)
        {
            written += Produce(output[written..], end);
            if (_position >= end)
            {
                break;
            }

            end -= Compact();
            _history.AsSpan(_count).Clear();
            _count = _history.Length;
        }

        Reset();
        return written;
    }

    /// <summary>Discards all history and phase, as if newly constructed.</summary>
    public void Reset()
    {
        if (_filter is null)
        {
            return;
        }

        // HalfTaps - 1 zeros of history stand for the silence before the first sample; the first output
        // instant is input sample 0, which sits right after them.
        _history.AsSpan(0, _halfTaps - 1).Clear();
        _count = _halfTaps - 1;
        _position = _halfTaps - 1;
        _phase = 0;
    }

    private int Produce(Span<float> output, int positionLimit)
    {
        var filter = _filter!;
        var history = _history;
        var interpolation = filter.Interpolation;
        var stepWhole = filter.StepWhole;
        var stepFraction = filter.StepFraction;
        var written = 0;
        while (_position < positionLimit && _position + _halfTaps < _count)
        {
            var window = new ReadOnlySpan<float>(history, _position - _halfTaps + 1, _taps);
            output[written++] = filter.Evaluate(window, _phase);
            _position += stepWhole;
            _phase += stepFraction;
            if (_phase >= interpolation)
            {
                _phase -= interpolation;
                _position++;
            }
        }

        return written;
    }

    // Drops history no output still needs; returns how many samples were dropped.
    private int Compact()
    {
        var drop = Math.Min(_position - _halfTaps + 1, _count);
        if (drop <= 0)
        {
            return 0;
        }

        _history.AsSpan(drop, _count - drop).CopyTo(_history);
        _count -= drop;
        _position -= drop;
        return drop;
    }

    private static long CeilingScale(long value, int numerator, int denominator)
    {
        // ceil(value * numerator / denominator) without overflowing the intermediate product.
        var whole = Math.DivRem(value, denominator, out var remainder);
        return (whole * numerator) + (((remainder * numerator) + denominator - 1) / denominator);
    }

    private static void ValidateRate(int rate, string paramName)
    {
        if (rate is < MinSampleRate or > MaxSampleRate)
        {
            throw new ArgumentOutOfRangeException(paramName, rate, $"Sample rate must be between {MinSampleRate} and {MaxSampleRate} Hz inclusive; got {rate} Hz.");
        }
    }
}
