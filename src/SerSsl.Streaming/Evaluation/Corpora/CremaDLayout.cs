namespace SerSsl.Streaming.Evaluation.Corpora;

/// <summary>
/// CREMA-D: <c>ActorID_Sentence_Emotion_Level</c> (e.g. <c>1001_DFA_ANG_XX.wav</c>): a four-digit actor id, a
/// three-letter sentence code, the emotion (ANG, DIS, FEA, HAP, NEU, SAD) and the level (LO, MD, HI, XX).
/// </summary>
/// <remarks>
/// The corpus folder may be the release's top folder, holding <c>AudioWAV/</c> (used when present) or
/// <c>AudioOpus/</c>, or a folder with the audio files themselves, in subfolders or not.
/// </remarks>
internal sealed class CremaDLayout : FileNameLayout
{
    private static readonly Dictionary<string, string> s_emotions = new(StringComparer.Ordinal)
    {
        ["ANG"] = "anger",
        ["DIS"] = "disgust",
        ["FEA"] = "fear",
        ["HAP"] = "happiness",
        ["NEU"] = "neutral",
        ["SAD"] = "sadness",
    };

    private static readonly string[] s_levels = ["LO", "MD", "HI", "XX"];

    /// <summary>The audio folders of a CREMA-D release, in order of preference.</summary>
    public static IReadOnlyList<string> AudioFolders { get; } = ["AudioWAV", "AudioOpus"];

    /// <inheritdoc />
    public override string Name => "crema-d";

    /// <inheritdoc />
    public override string Convention => "ActorID_Sentence_Emotion_Level, e.g. 1001_DFA_ANG_XX.wav, in AudioWAV/, AudioOpus/ or the folder itself";

    /// <inheritdoc />
    protected override string AudioRoot(string corpus) =>
        AudioFolders.Select(f => Path.Combine(corpus, f)).FirstOrDefault(Directory.Exists) ?? corpus;

    /// <inheritdoc />
    protected override ClipNameParse ParseName(string stem, string folder)
    {
        var parts = stem.Split('_');
        if (parts.Length != 4)
        {
            return ClipNameParse.Fail($"'{stem}' has {parts.Length} part(s) separated by '_', not 4 (ActorID_Sentence_Emotion_Level, e.g. 1001_DFA_ANG_XX)");
        }

        if (parts[0].Length != 4 || !parts[0].All(char.IsAsciiDigit))
        {
            return ClipNameParse.Fail($"actor id '{parts[0]}' is not four digits");
        }

        if (parts[1].Length != 3 || !parts[1].All(char.IsAsciiLetterUpper))
        {
            return ClipNameParse.Fail($"sentence '{parts[1]}' is not three upper-case letters");
        }

        if (!s_emotions.TryGetValue(parts[2], out var label))
        {
            return ClipNameParse.Fail($"emotion '{parts[2]}' is not one of {string.Join(", ", s_emotions.Keys)}");
        }

        if (!s_levels.Contains(parts[3], StringComparer.Ordinal))
        {
            return ClipNameParse.Fail($"level '{parts[3]}' is not one of {string.Join(", ", s_levels)}");
        }

        return ClipNameParse.Ok(label, parts[0]);
    }
}
