namespace SerSsl.Streaming.Evaluation.Corpora;

/// <summary>
/// TESS (Toronto emotional speech set): <c>SPEAKER_word_emotion</c>, e.g. <c>OAF_back_angry.wav</c>: speaker OAF or
/// YAF, the target word, and the emotion (angry, disgust, fear, happy, neutral, ps or pleasant_surprise(d), sad; any
/// case), usually in per-speaker-and-emotion folders such as <c>OAF_angry/</c>.
/// </summary>
internal sealed class TessLayout : FileNameLayout
{
    private static readonly string[] s_speakers = ["OAF", "YAF"];

    private static readonly Dictionary<string, string> s_emotions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["angry"] = "anger",
        ["disgust"] = "disgust",
        ["fear"] = "fear",
        ["happy"] = "happiness",
        ["neutral"] = "neutral",
        ["ps"] = "surprise",
        ["pleasant_surprise"] = "surprise",
        ["pleasant_surprised"] = "surprise",
        ["sad"] = "sadness",
    };

    /// <inheritdoc />
    public override string Name => "tess";

    /// <inheritdoc />
    public override string Convention => "SPEAKER_word_emotion, e.g. OAF_angry/OAF_back_angry.wav (speaker OAF or YAF)";

    /// <inheritdoc />
    protected override ClipNameParse ParseName(string stem, string folder)
    {
        var parts = stem.Split('_');
        if (parts.Length < 3)
        {
            return ClipNameParse.Fail($"'{stem}' has {parts.Length} part(s) separated by '_', not at least 3 (SPEAKER_word_emotion, e.g. OAF_back_angry)");
        }

        var speaker = s_speakers.FirstOrDefault(s => string.Equals(s, parts[0], StringComparison.OrdinalIgnoreCase));
        if (speaker is null)
        {
            return ClipNameParse.Fail($"speaker '{parts[0]}' is not OAF or YAF");
        }

        // "pleasant_surprise" spans two parts; every other emotion is the last part.
        var twoPart = parts.Length >= 4 ? $"{parts[^2]}_{parts[^1]}" : null;
        if (twoPart is not null && s_emotions.TryGetValue(twoPart, out var label))
        {
            return ClipNameParse.Ok(label, speaker);
        }

        return s_emotions.TryGetValue(parts[^1], out label)
            ? ClipNameParse.Ok(label, speaker)
            : ClipNameParse.Fail($"emotion '{parts[^1]}' is not one of {string.Join(", ", s_emotions.Keys)}");
    }
}
