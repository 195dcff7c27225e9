namespace SerSsl.Synthesis;

/// <summary>
/// A small deterministic random source for the synthesizers: xoshiro256** seeded through SplitMix64 from the corpus
/// seed and a string key naming what is being drawn (a clip, an actor, a vote table row).
/// </summary>
/// <remarks>
/// Every random choice of a generated corpus comes from an instance made by <see cref="For(long, string)"/> for the
/// thing it belongs to, never from a shared generator, so the result does not depend on thread scheduling or on which
/// other clips were generated. The algorithm is fixed here (unlike <see cref="Random"/>), so the same seed gives the
/// same draws in every .NET version. Instances are not thread-safe.
/// </remarks>
internal sealed class SynthRandom
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;
    private double _spareNormal;
    private bool _hasSpareNormal;

    private SynthRandom(ulong seed)
    {
        _s0 = SplitMix(ref seed);
        _s1 = SplitMix(ref seed);
        _s2 = SplitMix(ref seed);
        _s3 = SplitMix(ref seed);
    }

    /// <summary>A generator for the thing named by <paramref name="key"/> in the corpus made with <paramref name="seed"/>.</summary>
    /// <param name="seed">The corpus seed.</param>
    /// <param name="key">A stable name, e.g. <c>speech/clip/1001_IEO_HAP_HI</c>.</param>
    public static SynthRandom For(long seed, string key)
    {
        ArgumentNullException.ThrowIfNull(key);

        // FNV-1a over the UTF-16 code units, then mixed with the seed.
        var hash = 14695981039346656037UL;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        var state = unchecked((ulong)seed) ^ (hash * 0x9E3779B97F4A7C15UL);
        return new SynthRandom(SplitMix(ref state));
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform double in [<paramref name="min"/>, <paramref name="max"/>).</summary>
    public double Uniform(double min, double max) => min + ((max - min) * NextDouble());

    /// <summary>A uniform integer in [0, <paramref name="count"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not positive.</exception>
    public int NextInt(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return (int)(NextDouble() * count);
    }

    /// <summary>True with probability <paramref name="probability"/>.</summary>
    public bool Chance(double probability) => NextDouble() < probability;

    /// <summary>A normal draw (Box-Muller, polar form).</summary>
    public double Normal(double mean = 0, double standardDeviation = 1)
    {
        if (_hasSpareNormal)
        {
            _hasSpareNormal = false;
            return mean + (standardDeviation * _spareNormal);
        }

        double u;
        double v;
        double s;
        do
        {
            u = (2 * NextDouble()) - 1;
            v = (2 * NextDouble()) - 1;
            s = (u * u) + (v * v);
        }
        while (s >= 1 || s == 0);

        var factor = Math.Sqrt(-2 * Math.Log(s) / s);
        _spareNormal = v * factor;
        _hasSpareNormal = true;
        return mean + (standardDeviation * u * factor);
    }

    /// <summary>A normal draw clamped to [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public double ClampedNormal(double mean, double standardDeviation, double min, double max) =>
        Math.Clamp(Normal(mean, standardDeviation), min, max);

    /// <summary>An index drawn with the given (not necessarily normalised, non-negative) weights.</summary>
    /// <exception cref="ArgumentException">The weights are empty or sum to zero.</exception>
    public int Categorical(ReadOnlySpan<double> weights)
    {
        var total = 0.0;
        foreach (var w in weights)
        {
            total += w;
        }

        if (weights.IsEmpty || total <= 0)
        {
            throw new ArgumentException("Categorical weights must be non-empty with a positive sum.", nameof(weights));
        }

        var x = NextDouble() * total;
        for (var i = 0; i < weights.Length; i++)
        {
            x -= weights[i];
            if (x < 0)
            {
                return i;
            }
        }

        // Rounding left x at or just above 0: take the last positive weight.
        for (var i = weights.Length - 1; i >= 0; i--)
        {
            if (weights[i] > 0)
            {
                return i;
            }
        }

        return weights.Length - 1;
    }

    /// <summary>One element of <paramref name="items"/>, uniformly.</summary>
    public T Pick<T>(IReadOnlyList<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        return items[NextInt(items.Count)];
    }

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher-Yates).</summary>
    public void Shuffle<T>(IList<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong SplitMix(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        var z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
