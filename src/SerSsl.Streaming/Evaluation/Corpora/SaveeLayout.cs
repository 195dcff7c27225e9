using System.Text.RegularExpressions;

namespace SerSsl.Streaming.Evaluation.Corpora;

/// <summary>
/// SAVEE (Surrey audio-visual expressed emotion): <c>SPEAKER/xNN</c>, e.g. <c>DC/a01.wav</c>: a speaker folder (DC,
/// JE, JK, KL), then the emotion prefix (a anger, d disgust, f fear, h happiness, n neutral, sa sadness, su surprise)
/// and two digits. The flattened form <c>DC_a01.wav</c> names the speaker in the file instead.
/// </summary>
internal sealed partial class SaveeLayout : FileNameLayout
{
    private static readonly string[] s_speakers = ["DC", "JE", "JK", "KL"];

    private static readonly Dictionary<string, string> s_emotions = new(StringComparer.Ordinal)
    {
        ["a"] = "anger",
        ["d"] = "disgust",
        ["f"] = "fear",
        ["h"] = "happiness",
        ["n"] = "neutral",
        ["sa"] = "sadness",
        ["su"] = "surprise",
    };

    /// <inheritdoc />
    public override string Name => "savee";

    /// <inheritdoc />
    public override string Convention => "SPEAKER/xNN, e.g. DC/a01.wav or DC_a01.wav (a d f h n sa su; speakers DC JE JK KL)";

    /// <inheritdoc />
    protected override ClipNameParse ParseName(string stem, string folder)
    {
        var match = ClipName().Match(stem);
        if (!match.Success)
        {
            return ClipNameParse.Fail($"'{stem}' is not an emotion prefix ({string.Join(", ", s_emotions.Keys)}) and two digits, e.g. a01 or DC_a01");
        }

        var speaker = match.Groups["speaker"].Success ? match.Groups["speaker"].Value : folder;
        if (!s_speakers.Contains(speaker, StringComparer.Ordinal))
        {
            return ClipNameParse.Fail($"the speaker is unknown: the folder '{folder}' is not one of {string.Join(", ", s_speakers)} and the name has no speaker prefix");
        }

        return ClipNameParse.Ok(s_emotions[match.Groups["emotion"].Value], speaker);
    }

    [GeneratedRegex("^(?:(?<speaker>DC|JE|JK|KL)_)?(?<emotion>sa|su|a|d|f|h|n)[0-9]{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex ClipName();
}
