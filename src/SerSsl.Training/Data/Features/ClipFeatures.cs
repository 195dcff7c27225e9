using SerSsl.Core.Features;

namespace SerSsl.Training.Data.Features;

/// <summary>The features of one clip: log-mel frames and frame energies on the same framing.</summary>
internal sealed class ClipFeatures
{
    /// <summary>Wraps feature arrays (not copied).</summary>
    /// <param name="clipId">The clip id.</param>
    /// <param name="logMel">[frameCount, binCount] row-major natural-log mel energies.</param>
    /// <param name="frameCount">Number of frames T, not negative.</param>
    /// <param name="binCount">Number of mel bins, positive.</param>
    /// <param name="energyDb">[frameCount] frame energies in dB (<see cref="FrameEnergy"/>).</param>
    /// <exception cref="ArgumentException">An array length does not match the counts.</exception>
    public ClipFeatures(string clipId, float[] logMel, int frameCount, int binCount, float[] energyDb)
    {
        ArgumentNullException.ThrowIfNull(clipId);
        ArgumentNullException.ThrowIfNull(logMel);
        ArgumentNullException.ThrowIfNull(energyDb);
        ArgumentOutOfRangeException.ThrowIfNegative(frameCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(binCount);
        if (logMel.Length != (long)frameCount * binCount || energyDb.Length != frameCount)
        {
            throw new ArgumentException($"Clip '{clipId}': {logMel.Length} log-mel values and {energyDb.Length} energies do not fit {frameCount} frames of {binCount} bins.");
        }

        ClipId = clipId;
        LogMel = logMel;
        FrameCount = frameCount;
        BinCount = binCount;
        EnergyDb = energyDb;
    }

    /// <summary>The clip id.</summary>
    public string ClipId { get; }

    /// <summary>[FrameCount, BinCount] row-major log-mel values.</summary>
    public float[] LogMel { get; }

    /// <summary>Number of frames (10 ms hops with the default settings).</summary>
    public int FrameCount { get; }

    /// <summary>Number of mel bins per frame (64 by default).</summary>
    public int BinCount { get; }

    /// <summary>[FrameCount] frame energies in dB.</summary>
    public float[] EnergyDb { get; }

    /// <summary>The bins of frame <paramref name="frame"/>.</summary>
    /// <param name="frame">A frame index in [0, FrameCount).</param>
    public ReadOnlySpan<float> Frame(int frame)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frame);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(frame, FrameCount);
        return LogMel.AsSpan(frame * BinCount, BinCount);
    }

    /// <summary>The log-mel values as a <see cref="LogMelFrames"/> view (not copied).</summary>
    public LogMelFrames ToLogMelFrames() => new(LogMel, FrameCount, BinCount);
}
