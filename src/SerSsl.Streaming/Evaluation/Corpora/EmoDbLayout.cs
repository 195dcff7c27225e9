namespace SerSsl.Streaming.Evaluation.Corpora;

/// <summary>
/// Berlin EmoDB: seven characters, e.g. <c>03a01Fa.wav</c>: the speaker (two digits), the text code (a letter and two
/// digits), the emotion as the German initial (W Ärger/Wut anger, L Langeweile boredom, E Ekel disgust, A Angst fear,
/// F Freude happiness, T Trauer sadness, N neutral) and the version (a lower-case letter), usually in <c>wav/</c>.
/// </summary>
internal sealed class EmoDbLayout : FileNameLayout
{
    private static readonly Dictionary<char, string> s_emotions = new()
    {
        ['W'] = "anger",
        ['L'] = "boredom",
        ['E'] = "disgust",
        ['A'] = "fear",
        ['F'] = "happiness",
        ['T'] = "sadness",
        ['N'] = "neutral",
    };

    /// <inheritdoc />
    public override string Name => "emodb";

    /// <inheritdoc />
    public override string Convention => "speaker, text, emotion letter, version, e.g. wav/03a01Fa.wav (W L E A F T N)";

    /// <inheritdoc />
    protected override ClipNameParse ParseName(string stem, string folder)
    {
        if (stem.Length != 7)
        {
            return ClipNameParse.Fail($"'{stem}' has {stem.Length} characters, not 7 (speaker, text, emotion, version: e.g. 03a01Fa)");
        }

        if (!char.IsAsciiDigit(stem[0]) || !char.IsAsciiDigit(stem[1]))
        {
            return ClipNameParse.Fail($"speaker '{stem[..2]}' is not two digits");
        }

        if (!char.IsAsciiLetterLower(stem[2]) || !char.IsAsciiDigit(stem[3]) || !char.IsAsciiDigit(stem[4]))
        {
            return ClipNameParse.Fail($"text code '{stem[2..5]}' is not a lower-case letter and two digits");
        }

        if (!s_emotions.TryGetValue(stem[5], out var label))
        {
            return ClipNameParse.Fail($"emotion letter '{stem[5]}' is not one of {string.Join(", ", s_emotions.Keys)}");
        }

        if (!char.IsAsciiLetterLower(stem[6]))
        {
            return ClipNameParse.Fail($"version '{stem[6]}' is not a lower-case letter");
        }

        return ClipNameParse.Ok(label, stem[..2]);
    }
}
