using System.Text.Json.Serialization;

namespace SerSsl.Training.Training;

/// <summary>
/// Global per-bin mean and standard deviation of log-mel frames, fitted on training data and stored with the model
/// (per-utterance normalisation cannot stream). Applying it maps a frame x to (x - mean) / std per bin.
/// </summary>
internal sealed class FeatureNormalizer
{
    /// <summary>Smallest standard deviation used, so a constant bin does not divide by zero.</summary>
    public const float MinStd = 1e-3f;

    /// <summary>Creates a normaliser from stored statistics.</summary>
    /// <param name="mean">Per-bin mean.</param>
    /// <param name="std">Per-bin standard deviation, as long as <paramref name="mean"/>.</param>
    [JsonConstructor]
    public FeatureNormalizer(float[] mean, float[] std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Length == 0 || mean.Length != std.Length)
        {
            throw new ArgumentException($"Mean and std need the same, non-zero length; got {mean.Length} and {std.Length}.");
        }

        Mean = mean;
        Std = std.Select(s => float.IsFinite(s) ? Math.Max(s, MinStd) : MinStd).ToArray();
    }

    /// <summary>Per-bin mean.</summary>
    public float[] Mean { get; }

    /// <summary>Per-bin standard deviation (at least <see cref="MinStd"/>).</summary>
    public float[] Std { get; }

    /// <summary>Number of bins.</summary>
    [JsonIgnore]
    public int BinCount => Mean.Length;

    /// <summary>Fits the statistics over every frame of every clip, in double precision.</summary>
    /// <param name="clips">Row-major [T, bins] log-mel matrices.</param>
    /// <param name="binCount">Values per frame.</param>
    /// <exception cref="ArgumentException">No frames were given.</exception>
    public static FeatureNormalizer Fit(IEnumerable<float[]> clips, int binCount)
    {
        ArgumentNullException.ThrowIfNull(clips);
        ArgumentOutOfRangeException.ThrowIfLessThan(binCount, 1);
        var sum = new double[binCount];
        var squares = new double[binCount];
        long frames = 0;
        foreach (var clip in clips)
        {
            for (var offset = 0; offset + binCount <= clip.Length; offset += binCount)
            {
                for (var b = 0; b < binCount; b++)
                {
                    double v = clip[offset + b];
                    sum[b] += v;
                    squares[b] += v * v;
                }

                frames++;
            }
        }

        if (frames == 0)
        {
            throw new ArgumentException("Cannot fit feature statistics: the training data has no frames (every clip is shorter than one 25 ms window).", nameof(clips));
        }

        var mean = new float[binCount];
        var std = new float[binCount];
        for (var b = 0; b < binCount; b++)
        {
            var m = sum[b] / frames;
            mean[b] = (float)m;
            std[b] = (float)Math.Sqrt(Math.Max(0, (squares[b] / frames) - (m * m)));
        }

        return new FeatureNormalizer(mean, std);
    }

    /// <summary>Normalises row-major [T, bins] frames in place.</summary>
    /// <param name="frames">Frames to normalise; the length must be a multiple of <see cref="BinCount"/>.</param>
    public void ApplyInPlace(Span<float> frames)
    {
        if (frames.Length % BinCount != 0)
        {
            throw new ArgumentException($"{frames.Length} values are not whole frames of {BinCount} bins.", nameof(frames));
        }

        for (var offset = 0; offset < frames.Length; offset += BinCount)
        {
            var frame = frames.Slice(offset, BinCount);
            for (var b = 0; b < BinCount; b++)
            {
                frame[b] = (frame[b] - Mean[b]) / Std[b];
            }
        }
    }

    /// <summary>The normalised value of one bin's raw value, e.g. the silence floor used for padding.</summary>
    public float Normalize(int bin, float value) => (value - Mean[bin]) / Std[bin];
}
