using SerSsl.Core.Labels;

namespace SerSsl.Synthesis;

/// <summary>
/// The emotions a synthetic clip is generated with: the eight AU-derived classes of the AU pretext task (neutral and
/// the seven EMFACS emotions). The six CREMA-D emotions are a subset (surprise and contempt are used only by the
/// audiovisual corpus).
/// </summary>
internal enum SynthEmotion
{
    /// <summary>No emotion: neutral prosody, no AU pattern.</summary>
    Neutral,

    /// <summary>Happiness (CREMA-D HAP; AU 6+12).</summary>
    Happiness,

    /// <summary>Sadness (CREMA-D SAD; AU 1+4+15).</summary>
    Sadness,

    /// <summary>Surprise (not in CREMA-D; AU 1+2+5+26).</summary>
    Surprise,

    /// <summary>Fear (CREMA-D FEA; AU 1+2+4+5+7+20+26).</summary>
    Fear,

    /// <summary>Anger (CREMA-D ANG; AU 4+5+7+23).</summary>
    Anger,

    /// <summary>Disgust (CREMA-D DIS; AU 9+15, OpenFace has no AU16).</summary>
    Disgust,

    /// <summary>Contempt (not in CREMA-D; AU 12+14).</summary>
    Contempt,
}

/// <summary>Names and CREMA-D codes of <see cref="SynthEmotion"/>.</summary>
internal static class SynthEmotions
{
    /// <summary>All eight, in enum order.</summary>
    public static IReadOnlyList<SynthEmotion> All { get; } =
    [
        SynthEmotion.Neutral, SynthEmotion.Happiness, SynthEmotion.Sadness, SynthEmotion.Surprise,
        SynthEmotion.Fear, SynthEmotion.Anger, SynthEmotion.Disgust, SynthEmotion.Contempt,
    ];

    /// <summary>The lower-case name written to <c>latent.csv</c> (<c>neutral</c>, <c>happiness</c>, ...).</summary>
    public static string Name(SynthEmotion emotion) => emotion switch
    {
        SynthEmotion.Neutral => "neutral",
        SynthEmotion.Happiness => "happiness",
        SynthEmotion.Sadness => "sadness",
        SynthEmotion.Surprise => "surprise",
        SynthEmotion.Fear => "fear",
        SynthEmotion.Anger => "anger",
        SynthEmotion.Disgust => "disgust",
        SynthEmotion.Contempt => "contempt",
        _ => throw new ArgumentOutOfRangeException(nameof(emotion), emotion, null),
    };

    /// <summary>The emotion of a CREMA-D code (ANG, DIS, FEA, HAP, NEU, SAD).</summary>
    /// <exception cref="ArgumentException"><paramref name="code"/> is not a CREMA-D emotion code.</exception>
    public static SynthEmotion FromCremaDCode(string code) => CremaDEmotion.IndexOfCode(code) switch
    {
        0 => SynthEmotion.Anger,
        1 => SynthEmotion.Disgust,
        2 => SynthEmotion.Fear,
        3 => SynthEmotion.Happiness,
        4 => SynthEmotion.Neutral,
        5 => SynthEmotion.Sadness,
        _ => throw new ArgumentException($"'{code}' is not a CREMA-D emotion code ({string.Join(", ", CremaDEmotion.Codes)}).", nameof(code)),
    };
}
