namespace SerSsl.Training.Pretext;

/// <summary>The eight classes of the AU-derived emotion pretext task (task 3), in the order of the model's outputs.</summary>
internal enum AuEmotion
{
    /// <summary>No emotion's action-unit combination was seen on enough frames.</summary>
    Neutral = 0,

    /// <summary>AU6 + AU12.</summary>
    Happiness = 1,

    /// <summary>AU1 + AU4 + AU15.</summary>
    Sadness = 2,

    /// <summary>AU1 + AU2 + AU5 + AU26.</summary>
    Surprise = 3,

    /// <summary>AU1 + AU2 + AU4 + AU5 + AU7 + AU20 + AU26.</summary>
    Fear = 4,

    /// <summary>AU4 + AU5 + AU7 + AU23.</summary>
    Anger = 5,

    /// <summary>AU9 + AU15 (OpenFace has no AU16).</summary>
    Disgust = 6,

    /// <summary>AU12 + AU14.</summary>
    Contempt = 7,
}

/// <summary>The EMFACS-style action-unit combinations of the AU-derived emotion task.</summary>
internal static class EmfacsCombinations
{
    /// <summary>Number of classes of the task, neutral included (8).</summary>
    public const int ClassCount = 8;

    /// <summary>
    /// The combinations of the design: happiness 6+12; sadness 1+4+15; surprise 1+2+5+26; fear 1+2+4+5+7+20+26;
    /// anger 4+5+7+23; disgust 9+15; contempt 12+14. Neutral has none.
    /// </summary>
    public static IReadOnlyDictionary<AuEmotion, IReadOnlyList<int>> Default { get; } = new Dictionary<AuEmotion, IReadOnlyList<int>>
    {
        [AuEmotion.Happiness] = [6, 12],
        [AuEmotion.Sadness] = [1, 4, 15],
        [AuEmotion.Surprise] = [1, 2, 5, 26],
        [AuEmotion.Fear] = [1, 2, 4, 5, 7, 20, 26],
        [AuEmotion.Anger] = [4, 5, 7, 23],
        [AuEmotion.Disgust] = [9, 15],
        [AuEmotion.Contempt] = [12, 14],
    };

    /// <summary>Lower-case class names in output order: neutral, happiness, sadness, surprise, fear, anger, disgust, contempt.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [.. Enum.GetValues<AuEmotion>().Order().Select(e => e.ToString().ToLowerInvariant())];
}
