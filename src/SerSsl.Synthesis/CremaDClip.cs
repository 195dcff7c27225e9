using System.Globalization;

namespace SerSsl.Synthesis;

/// <summary>One clip of a synthetic CREMA-D-layout corpus.</summary>
/// <param name="StimulusNumber">1-based number in <c>SentenceFilenames.csv</c> and the vote tables.</param>
/// <param name="ActorId">The actor, 1001 and up.</param>
/// <param name="Sentence">The sentence code, e.g. <c>IEO</c>.</param>
/// <param name="Emotion">The intended emotion code, e.g. <c>HAP</c>.</param>
/// <param name="Level">The intended intensity: <c>LO</c>, <c>MD</c>, <c>HI</c> or <c>XX</c> (unspecified).</param>
internal sealed record CremaDClip(int StimulusNumber, int ActorId, string Sentence, string Emotion, string Level)
{
    /// <summary>CREMA-D's order of emotions inside each actor and sentence in its clip list.</summary>
    public static IReadOnlyList<string> ListOrder { get; } = ["NEU", "HAP", "SAD", "ANG", "FEA", "DIS"];

    /// <summary>The levels of the sentence that CREMA-D records at three intensities (IEO), in list order.</summary>
    public static IReadOnlyList<string> GradedLevels { get; } = ["LO", "MD", "HI"];

    /// <summary>The sentence CREMA-D records at three intensities; every other sentence is <c>XX</c> only.</summary>
    public const string GradedSentence = "IEO";

    /// <summary>The file name without extension: <c>ActorID_Sentence_Emotion_Level</c>.</summary>
    public string Name => string.Create(CultureInfo.InvariantCulture, $"{ActorId}_{Sentence}_{Emotion}_{Level}");

    /// <summary>
    /// The nominal intensity of a level, the factor on the emotion's distance from neutral prosody:
    /// LO 0.55, MD 0.8, HI 1.1; XX (unspecified) is drawn per clip from 0.65-1.0.
    /// </summary>
    public static double LevelIntensity(string level, SynthRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return level switch
        {
            "LO" => 0.55,
            "MD" => 0.8,
            "HI" => 1.1,
            "XX" => random.Uniform(0.65, 1.0),
            _ => throw new ArgumentException($"'{level}' is not a CREMA-D level (LO, MD, HI, XX).", nameof(level)),
        };
    }

    /// <summary>
    /// The clips of a corpus in CREMA-D's list order (actor, sentence, emotion NEU HAP SAD ANG FEA DIS, level LO MD HI)
    /// following CREMA-D's rule: the graded sentence IEO has LO, MD and HI for every emotion but neutral; neutral and
    /// every other sentence have XX only. With <paramref name="clipsPerEmotion"/>, each emotion keeps at most that
    /// many clips, a seeded choice spread over actors and sentences; stimulus numbers are then 1..N in list order.
    /// </summary>
    public static IReadOnlyList<CremaDClip> Plan(int actors, IReadOnlyList<string> sentences, int? clipsPerEmotion, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(actors, 1);
        ArgumentNullException.ThrowIfNull(sentences);
        var all = new List<(int Actor, string Sentence, string Emotion, string Level)>();
        for (var a = 0; a < actors; a++)
        {
            foreach (var sentence in sentences)
            {
                foreach (var emotion in ListOrder)
                {
                    if (sentence == GradedSentence && emotion != "NEU")
                    {
                        foreach (var level in GradedLevels)
                        {
                            all.Add((1001 + a, sentence, emotion, level));
                        }
                    }
                    else
                    {
                        all.Add((1001 + a, sentence, emotion, "XX"));
                    }
                }
            }
        }

        if (clipsPerEmotion is int cap)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(cap, 1, nameof(clipsPerEmotion));
            var keep = new HashSet<int>();
            foreach (var emotion in ListOrder)
            {
                var indices = Enumerable.Range(0, all.Count).Where(i => all[i].Emotion == emotion).ToList();
                SynthRandom.For(seed, "speech/subset/" + emotion).Shuffle(indices);
                keep.UnionWith(indices.Take(cap));
            }

            all = [.. all.Where((_, i) => keep.Contains(i))];
        }

        return [.. all.Select((c, i) => new CremaDClip(i + 1, c.Actor, c.Sentence, c.Emotion, c.Level))];
    }
}
