namespace SerSsl.Streaming.Evaluation;

/// <summary>
/// The emotion names corpora and models use, reduced to one canonical English name each (anger, disgust, fear,
/// happiness, neutral, sadness, calm, boredom, surprise), so that a corpus's "angry" meets a model's "ANG".
/// </summary>
internal static class EmotionVocabulary
{
    private static readonly Dictionary<string, string> s_aliases = BuildAliases(
        ("anger", ["anger", "angry", "ang"]),
        ("disgust", ["disgust", "disgusted", "dis"]),
        ("fear", ["fear", "fearful", "fea", "afraid"]),
        ("happiness", ["happiness", "happy", "hap", "joy"]),
        ("neutral", ["neutral", "neu"]),
        ("sadness", ["sadness", "sad"]),
        ("calm", ["calm"]),
        ("boredom", ["boredom", "bored", "bor"]),
        ("surprise", ["surprise", "surprised", "sur", "ps", "pleasant_surprise", "pleasant_surprised"]));

    /// <summary>
    /// The canonical name of <paramref name="label"/> when it is a known spelling (case, spaces and hyphens ignored:
    /// <c>ANG</c>, <c>Angry</c> and <c>anger</c> are all <c>anger</c>); otherwise the label trimmed and in lower case.
    /// </summary>
    /// <param name="label">A label as a corpus or a model writes it.</param>
    public static string Normalize(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        var key = Key(label);
        return s_aliases.TryGetValue(key, out var canonical) ? canonical : key;
    }

    /// <summary>True when <paramref name="label"/> is one of the spellings this vocabulary knows.</summary>
    /// <param name="label">A label.</param>
    public static bool IsKnown(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        return s_aliases.ContainsKey(Key(label));
    }

    private static string Key(string label) => label.Trim().ToLowerInvariant().Replace(' ', '_').Replace('-', '_');

    private static Dictionary<string, string> BuildAliases(params (string Canonical, string[] Spellings)[] entries)
    {
        var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (canonical, spellings) in entries)
        {
            foreach (var spelling in spellings)
            {
                aliases.Add(spelling, canonical);
            }
        }

        return aliases;
    }
}
