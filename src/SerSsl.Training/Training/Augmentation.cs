using System.Globalization;
using static TorchSharp.torch;

namespace SerSsl.Training.Training;

/// <summary>
/// SpecAugment-style masking (Park et al., Interspeech 2019) of normalised log-mel chunks: in every chunk,
/// <see cref="FrequencyMasks"/> bands of up to <see cref="FrequencyWidth"/> mel bins and <see cref="TimeMasks"/>
/// spans of up to <see cref="TimeWidth"/> frames are set to zero, which after normalisation is the training mean.
/// Widths and positions are drawn uniformly, independently per chunk, from torch's seeded generator.
/// </summary>
internal sealed record SpecAugment(int FrequencyMasks, int FrequencyWidth, int TimeMasks, int TimeWidth)
{
    /// <summary>No masking.</summary>
    public static SpecAugment None { get; } = new(0, 0, 0, 0);

    /// <summary>Whether any mask can be non-empty.</summary>
    public bool Enabled => (FrequencyMasks > 0 && FrequencyWidth > 0) || (TimeMasks > 0 && TimeWidth > 0);

    /// <summary>Parses <c>none</c> or <c>F,W,T,V</c>: F frequency masks of up to W bins, T time masks of up to V frames.</summary>
    /// <exception cref="ArgumentException">The text is neither; the message shows the expected form.</exception>
    public static SpecAugment Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Trim().Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return None;
        }

        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new int[4];
        if (parts.Length != 4 || !parts.Select((p, i) => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out values[i])).All(ok => ok))
        {
            throw new ArgumentException($"--spec-augment: expected 'none' or four whole numbers 'frequency masks,max bins,time masks,max frames' such as '2,8,2,10'; got '{text}'.");
        }

        return new SpecAugment(values[0], values[1], values[2], values[3]);
    }

    /// <summary>Checks the widths against a chunk's shape.</summary>
    /// <exception cref="ArgumentException">A width is not smaller than the axis it masks.</exception>
    public void Validate(int chunkFrames, int bins)
    {
        if (FrequencyMasks < 0 || FrequencyWidth < 0 || TimeMasks < 0 || TimeWidth < 0)
        {
            throw new ArgumentException($"SpecAugment counts and widths must be 0 or more; got {this}.");
        }

        if (FrequencyWidth >= bins || TimeWidth >= chunkFrames)
        {
            throw new ArgumentException($"SpecAugment widths must be smaller than a chunk ({chunkFrames} frames x {bins} bins); got up to {TimeWidth} frames and {FrequencyWidth} bins.");
        }
    }

    /// <summary>"2 x 8 bins, 2 x 10 frames" or "none".</summary>
    public override string ToString() => Enabled ? string.Create(CultureInfo.InvariantCulture, $"{FrequencyMasks} x {FrequencyWidth} bins, {TimeMasks} x {TimeWidth} frames") : "none";

    /// <summary>The masked copy of <paramref name="chunks"/> [B, K, frames, bins] (a new tensor; the input is untouched).</summary>
    public Tensor Apply(Tensor chunks)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        if (chunks.dim() != 4)
        {
            throw new ArgumentException($"SpecAugment expects [B, K, frames, bins]; got [{string.Join(", ", chunks.shape)}].", nameof(chunks));
        }

        using var scope = NewDisposeScope();
        var (b, k, frames, bins) = (chunks.shape[0], chunks.shape[1], chunks.shape[2], chunks.shape[3]);
        var mask = zeros([b, k, frames, bins], ScalarType.Bool);
        mask = mask.logical_or(Bands(b, k, bins, FrequencyMasks, FrequencyWidth).view(b, k, 1, bins));
        mask = mask.logical_or(Bands(b, k, frames, TimeMasks, TimeWidth).view(b, k, frames, 1));
        return chunks.masked_fill(mask, 0f).MoveToOuterDisposeScope();
    }

    /// <summary>[B, K, length] true inside any of <paramref name="count"/> random bands of width 0..maxWidth.</summary>
    private static Tensor Bands(long b, long k, long length, int count, int maxWidth)
    {
        var covered = zeros([b, k, length], ScalarType.Bool);
        if (count <= 0 || maxWidth <= 0)
        {
            return covered;
        }

        var position = arange(length).view(1, 1, length);
        for (var i = 0; i < count; i++)
        {
            var width = randint(0, maxWidth + 1, [b, k, 1]);
            var start = rand([b, k, 1]).mul(width.neg().add(length + 1)).floor().to_type(ScalarType.Int64);
            covered = covered.logical_or(position.ge(start).logical_and(position.lt(start.add(width))));
        }

        return covered;
    }
}

/// <summary>
/// Mixup (Zhang et al., ICLR 2018) of a batch: every clip's chunks and label distribution are blended with those
/// of another clip of the batch, <c>λ x_i + (1 − λ) x_π(i)</c>, with one λ ~ Beta(α, α) per batch, taken as
/// max(λ, 1 − λ) so each clip keeps the larger share of itself.
/// </summary>
internal static class Mixup
{
    /// <summary>The mixed chunks and targets, and the λ drawn.</summary>
    /// <param name="chunks">[B, K, frames, bins].</param>
    /// <param name="targets">[B, C] label distributions.</param>
    /// <param name="alpha">Beta parameter α &gt; 0 (0.2-0.4 is usual for speech).</param>
    /// <param name="random">Source of λ and of the pairing.</param>
    public static (Tensor Chunks, Tensor Targets, double Lambda) Apply(Tensor chunks, Tensor targets, double alpha, Random random)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(random);
        if (targets.dim() != 2 || targets.shape[0] != chunks.shape[0])
        {
            throw new ArgumentException($"Mixup needs [B, C] target distributions for the {chunks.shape[0]} clips; got [{string.Join(", ", targets.shape)}].", nameof(targets));
        }

        var lambda = Beta(alpha, random);
        lambda = Math.Max(lambda, 1 - lambda);
        var order = Enumerable.Range(0, (int)chunks.shape[0]).Select(static i => (long)i).ToArray();
        random.Shuffle(order);
        using var scope = NewDisposeScope();
        using var pairing = tensor(order);
        var mixedChunks = chunks.mul(lambda).add(chunks.index_select(0, pairing), alpha: 1 - lambda);
        var mixedTargets = targets.mul(lambda).add(targets.index_select(0, pairing), alpha: 1 - lambda);
        return (mixedChunks.MoveToOuterDisposeScope(), mixedTargets.MoveToOuterDisposeScope(), lambda);
    }

    /// <summary>A draw from Beta(α, α), as X / (X + Y) of two Gamma(α, 1) draws.</summary>
    public static double Beta(double alpha, Random random)
    {
        if (!(alpha > 0) || !double.IsFinite(alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "The mixup α must be positive.");
        }

        var x = Gamma(alpha, random);
        var y = Gamma(alpha, random);
        return x + y > 0 ? x / (x + y) : 0.5;
    }

    /// <summary>Gamma(shape, 1) by Marsaglia and Tsang (2000); shapes below 1 by the U^(1/a) boost.</summary>
    private static double Gamma(double shape, Random random)
    {
        if (shape < 1)
        {
            return Gamma(shape + 1, random) * Math.Pow(1 - random.NextDouble(), 1 / shape);
        }

        var d = shape - (1.0 / 3);
        var c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal(random);
                v = 1 + (c * x);
            }
            while (v <= 0);

            v = v * v * v;
            var u = 1 - random.NextDouble();
            if (Math.Log(u) < (0.5 * x * x) + d - (d * v) + (d * Math.Log(v)))
            {
                return d * v;
            }
        }
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}

/// <summary>
/// The learning rate at every step: linear warm-up from near zero over <see cref="TrainingSettings.WarmupEpochs"/>,
/// then constant or a cosine decay to <see cref="FinalFactor"/> of the peak at the last epoch (Loshchilov and
/// Hutter, ICLR 2017, without restarts).
/// </summary>
internal static class LearningRateSchedule
{
    /// <summary>Share of the peak rate the cosine ends at.</summary>
    public const double FinalFactor = 0.01;

    /// <summary>The rate for batch <paramref name="batch"/> (0-based) of <paramref name="batches"/> in 1-based <paramref name="epoch"/>.</summary>
    public static double At(TrainingSettings settings, int epoch, int batch, int batches)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var done = (epoch - 1) + ((batch + 1.0) / Math.Max(batches, 1)); // epochs completed after this step
        if (done < settings.WarmupEpochs)
        {
            return settings.LearningRate * done / settings.WarmupEpochs;
        }

        if (settings.Schedule == LearningRateScheduleKind.Constant)
        {
            return settings.LearningRate;
        }

        var span = settings.Epochs - settings.WarmupEpochs;
        var progress = span <= 0 ? 1 : Math.Clamp((done - settings.WarmupEpochs) / span, 0, 1);
        return settings.LearningRate * (FinalFactor + ((1 - FinalFactor) * 0.5 * (1 + Math.Cos(Math.PI * progress))));
    }
}

/// <summary>How the learning rate changes after warm-up.</summary>
internal enum LearningRateScheduleKind
{
    /// <summary>Stays at the peak.</summary>
    Constant,

    /// <summary>Cosine decay to 1 % of the peak at the last epoch.</summary>
    Cosine,
}
