namespace SerSsl.Synthesis;

/// <summary>A synthetic speaker: an espeak-ng voice variant, a base pitch and rate, expressiveness and demographics.</summary>
/// <param name="Id">The speaker id (a CREMA-D actor id such as <c>1001</c>, or <c>spk001</c>).</param>
/// <param name="Voice">The espeak-ng voice, e.g. <c>en-us+f3</c>.</param>
/// <param name="BasePitch">Base pitch on espeak-ng's 0-99 scale, before the emotion's offset.</param>
/// <param name="RateWpm">Neutral speaking rate in words per minute.</param>
/// <param name="Expressiveness">Factor on every clip's emotional intensity (some actors are more expressive).</param>
/// <param name="Female">True for a female speaker (an <c>f</c> voice variant).</param>
/// <param name="Age">Age in years, for the demographics table.</param>
/// <param name="Race">Race as CREMA-D's demographics table writes it.</param>
/// <param name="Ethnicity">Ethnicity as CREMA-D's demographics table writes it.</param>
internal sealed record SpeakerProfile(
    string Id,
    string Voice,
    double BasePitch,
    double RateWpm,
    double Expressiveness,
    bool Female,
    int Age,
    string Race,
    string Ethnicity)
{
    private static readonly string[] s_maleVariants = ["m1", "m2", "m3", "m4", "m5", "m6", "m7"];
    private static readonly string[] s_femaleVariants = ["f1", "f2", "f3", "f4", "f5"];

    // CREMA-D's actor mix, roughly: 91 actors, mostly Caucasian and African American, some Asian, ~10% Hispanic.
    private static readonly string[] s_races = ["Caucasian", "African American", "Asian", "Unknown"];
    private static readonly double[] s_raceWeights = [0.63, 0.23, 0.08, 0.01];

    /// <summary>
    /// Makes the speakers of a corpus: half of them female (the extra one male when the count is odd) in a seeded
    /// order, voice variants cycling from a seeded start, everything else drawn per speaker from the seed and its id.
    /// </summary>
    /// <param name="ids">The speaker ids, in table order.</param>
    /// <param name="seed">The corpus seed.</param>
    /// <param name="scope">A name for the corpus kind (e.g. <c>speech</c>), so different kinds draw differently.</param>
    public static IReadOnlyList<SpeakerProfile> CreateSet(IReadOnlyList<string> ids, long seed, string scope)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var random = SynthRandom.For(seed, scope + "/speakers");
        var female = Enumerable.Range(0, ids.Count).Select(i => i >= (ids.Count + 1) / 2).ToList();
        random.Shuffle(female);
        var maleOffset = random.NextInt(s_maleVariants.Length);
        var femaleOffset = random.NextInt(s_femaleVariants.Length);
        var males = 0;
        var females = 0;
        var speakers = new SpeakerProfile[ids.Count];
        for (var i = 0; i < ids.Count; i++)
        {
            var speakerRandom = SynthRandom.For(seed, scope + "/speaker/" + ids[i]);
            speakers[i] = female[i]
                ? Create(ids[i], females++, femaleOffset, female: true, speakerRandom)
                : Create(ids[i], males++, maleOffset, female: false, speakerRandom);
        }

        return speakers;
    }

    /// <summary>
    /// Makes speaker number <paramref name="index"/> of a corpus. Voice variants cycle through the male (m1-m7) or
    /// female (f1-f5) espeak-ng variants so that neighbouring speakers of one sex sound different; pitch, rate,
    /// expressiveness, age and background are drawn from <paramref name="random"/>.
    /// </summary>
    /// <param name="id">The speaker id.</param>
    /// <param name="index">The speaker's index among speakers of the same sex.</param>
    /// <param name="variantOffset">A per-corpus offset into the voice variants, so corpora start on different ones.</param>
    /// <param name="female">The speaker's sex.</param>
    /// <param name="random">The speaker's own random source.</param>
    public static SpeakerProfile Create(string id, int index, int variantOffset, bool female, SynthRandom random)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfNegative(variantOffset);
        var variants = female ? s_femaleVariants : s_maleVariants;
        var variant = variants[(index + variantOffset) % variants.Length];
        var basePitch = random.ClampedNormal(50, 8, 25, 75);
        var rate = random.ClampedNormal(165, 12, 130, 200);
        var expressiveness = random.Uniform(0.75, 1.2);

        // Ages 20-74, most in their twenties and thirties like CREMA-D's.
        var age = (int)Math.Round(Math.Min(74, 20 + Math.Abs(random.Normal(0, 17))));
        var race = s_races[random.Categorical(s_raceWeights)];
        var ethnicity = random.Chance(0.11) ? "Hispanic" : "Not Hispanic";
        return new SpeakerProfile(id, $"en-us+{variant}", basePitch, rate, expressiveness, female, age, race, ethnicity);
    }
}
