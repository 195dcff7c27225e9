namespace SerSsl.Core.Features;

/// <summary>A [FrameCount, BinCount] row-major matrix of log-mel frames.</summary>
public sealed class LogMelFrames
{
    private readonly float[] _values;

    /// <summary>Wraps <paramref name="values"/> (not copied) as <paramref name="frameCount"/> rows of <paramref name="binCount"/>.</summary>
    /// <param name="values">Row-major values, exactly frameCount * binCount long.</param>
    /// <param name="frameCount">Number of frames (rows), not negative.</param>
    /// <param name="binCount">Number of mel bins (columns), positive.</param>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A count is out of range.</exception>
    /// <exception cref="ArgumentException">The length of <paramref name="values"/> does not match the shape.</exception>
    public LogMelFrames(float[] values, int frameCount, int binCount)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegative(frameCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(binCount);
        if ((long)frameCount * binCount != values.Length)
        {
            throw new ArgumentException($"Expected {(long)frameCount * binCount} values for {frameCount} x {binCount} frames, got {values.Length}.", nameof(values));
        }

        _values = values;
        FrameCount = frameCount;
        BinCount = binCount;
    }

    /// <summary>Number of frames (rows).</summary>
    public int FrameCount { get; }

    /// <summary>Number of mel bins per frame (columns).</summary>
    public int BinCount { get; }

    /// <summary>All values, row-major [FrameCount, BinCount].</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>The bins of frame <paramref name="frame"/>.</summary>
    /// <param name="frame">Frame index in [0, FrameCount).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="frame"/> is out of range.</exception>
    public ReadOnlySpan<float> this[int frame]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(frame);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(frame, FrameCount);
            return _values.AsSpan(frame * BinCount, BinCount);
        }
    }

    /// <summary>A copy of the values, row-major [FrameCount, BinCount].</summary>
    public float[] ToArray() => (float[])_values.Clone();
}
