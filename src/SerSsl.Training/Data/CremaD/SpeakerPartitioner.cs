namespace SerSsl.Training.Data.CremaD;

/// <summary>
/// Speaker-independent, gender-balanced, seeded partitions of a set of actors into train / development / test.
/// </summary>
/// <remarks>
/// <para>
/// Sizes: dev and test sizes from <see cref="PartitionOptions"/> (by default round(N · 14 / 91), so 14 each for
/// CREMA-D's 91 actors), train gets the rest (63 for CREMA-D). Every actor is in exactly one set of each partition.
/// </para>
/// <para>
/// Gender balance: the males of each set are apportioned in proportion to the set's size by the largest-remainder
/// method (quota_s = size_s · males / N; each set gets floor(quota_s), and the remaining males go to the sets with the
/// largest fractional parts, ties in train, dev, test order); the rest of each set is female. Each set's male and
/// female counts are therefore within 1 of proportional. For CREMA-D (48 male, 43 female): train 33 M + 30 F,
/// dev 8 M + 6 F, test 7 M + 7 F.
/// </para>
/// <para>
/// Seeding: partition p shuffles the males (by ascending id) and then the females with a SplitMix64 generator seeded
/// with seed + p (Fisher-Yates, our own generator so that the result never depends on the runtime's
/// <see cref="Random"/>), then takes train, dev and test in that order from each shuffled list. Equal seeds give equal
/// partitions on every machine.
/// </para>
/// </remarks>
internal static class SpeakerPartitioner
{
    /// <summary>CREMA-D's development (and test) share: 14 of 91 actors.</summary>
    private const double HeldOutShare = 14.0 / 91.0;

    /// <summary>Creates the partitions.</summary>
    /// <param name="actors">Distinct actor ids with their sex.</param>
    /// <param name="seed">The base seed; partition p uses seed + p.</param>
    /// <param name="options">Count and sizes; <see cref="PartitionOptions.Default"/> when null.</param>
    /// <returns>The partitions, index 0 first.</returns>
    /// <exception cref="ArgumentException">An actor id repeats, or the sizes leave no training actor.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A count is not positive.</exception>
    public static IReadOnlyList<SpeakerPartition> Create(IReadOnlyList<(int Id, ActorSex Sex)> actors, int seed, PartitionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(actors);
        options ??= PartitionOptions.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PartitionCount, 1, nameof(options.PartitionCount));
        if (actors.Select(static a => a.Id).Distinct().Count() != actors.Count)
        {
            throw new ArgumentException("Actor ids must be distinct.", nameof(actors));
        }

        var n = actors.Count;
        var dev = options.DevActorCount ?? DefaultHeldOut(n);
        var test = options.TestActorCount ?? DefaultHeldOut(n);
        ArgumentOutOfRangeException.ThrowIfLessThan(dev, 1, nameof(options.DevActorCount));
        ArgumentOutOfRangeException.ThrowIfLessThan(test, 1, nameof(options.TestActorCount));
        var train = n - dev - test;
        if (train < 1)
        {
            throw new ArgumentException($"{n} actors cannot make {dev} dev and {test} test actors and still leave one for training.", nameof(actors));
        }

        var males = actors.Where(static a => a.Sex == ActorSex.Male).Select(static a => a.Id).Order().ToArray();
        var females = actors.Where(static a => a.Sex == ActorSex.Female).Select(static a => a.Id).Order().ToArray();
        int[] sizes = [train, dev, test];
        var maleQuota = Apportion(sizes, males.Length, n);

        var partitions = new List<SpeakerPartition>(options.PartitionCount);
        for (var p = 0; p < options.PartitionCount; p++)
        {
            var partitionSeed = (long)seed + p;
            var rng = new SplitMix64(unchecked((ulong)partitionSeed));
            var shuffledMales = (int[])males.Clone();
            var shuffledFemales = (int[])females.Clone();
            rng.Shuffle(shuffledMales);
            rng.Shuffle(shuffledFemales);

            var sets = new List<int>[3];
            int m = 0, f = 0;
            for (var s = 0; s < 3; s++)
            {
                var femaleCount = sizes[s] - maleQuota[s];
                sets[s] = [.. shuffledMales.AsSpan(m, maleQuota[s]), .. shuffledFemales.AsSpan(f, femaleCount)];
                sets[s].Sort();
                m += maleQuota[s];
                f += femaleCount;
            }

            partitions.Add(new SpeakerPartition(p, partitionSeed, sets[0], sets[1], sets[2]));
        }

        return partitions;
    }

    private static int DefaultHeldOut(int actorCount) => Math.Max(1, (int)Math.Round(actorCount * HeldOutShare, MidpointRounding.AwayFromZero));

    /// <summary>Largest-remainder apportionment of <paramref name="total"/> items over sets of the given sizes.</summary>
    private static int[] Apportion(int[] sizes, int total, int population)
    {
        var result = new int[sizes.Length];
        var remainders = new (long Numerator, int Set)[sizes.Length];
        var given = 0;
        for (var s = 0; s < sizes.Length; s++)
        {
            var exact = (long)sizes[s] * total;
            result[s] = (int)(exact / population);
            remainders[s] = (exact % population, s);
            given += result[s];
        }

        // Largest fractional part first; equal parts keep set order (a stable sort).
        foreach (var (_, set) in remainders.OrderByDescending(static r => r.Numerator).Take(total - given))
        {
            result[set]++;
        }

        return result;
    }

    /// <summary>SplitMix64 (Steele, Lea, Flood 2014): a small, fully specified generator.</summary>
    private struct SplitMix64(ulong seed)
    {
        private ulong _state = seed;

        public ulong Next()
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>An integer in [0, bound) by rejection sampling (no modulo bias).</summary>
        public int NextInt(int bound)
        {
            var limit = ulong.MaxValue - (ulong.MaxValue % (ulong)bound);
            ulong value;
            do
            {
                value = Next();
            }
            while (value >= limit);

            return (int)(value % (ulong)bound);
        }

        public void Shuffle(int[] values)
        {
            for (var i = values.Length - 1; i > 0; i--)
            {
                var j = NextInt(i + 1);
                (values[i], values[j]) = (values[j], values[i]);
            }
        }
    }
}
