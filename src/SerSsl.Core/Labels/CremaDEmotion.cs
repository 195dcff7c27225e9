namespace SerSsl.Core.Labels;

/// <summary>The six categorical emotions of CREMA-D, in the order SerSsl models use for their outputs.</summary>
public static class CremaDEmotion
{
    /// <summary>The three-letter codes of CREMA-D file names, in model output order.</summary>
    public static IReadOnlyList<string> Codes { get; } = ["ANG", "DIS", "FEA", "HAP", "NEU", "SAD"];

    /// <summary>The one-letter codes of CREMA-D's vote tables (A, D, F, H, N, S), in model output order.</summary>
    public static IReadOnlyList<char> VoteLetters { get; } = ['A', 'D', 'F', 'H', 'N', 'S'];

    /// <summary>Readable names, in model output order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["anger", "disgust", "fear", "happiness", "neutral", "sadness"];

    /// <summary>Number of classes (6).</summary>
    public static int Count => Codes.Count;

    /// <summary>The class index of a three-letter code such as <c>HAP</c>; -1 when it is not one.</summary>
    /// <param name="code">A code, compared case-insensitively.</param>
    public static int IndexOfCode(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        for (var i = 0; i < Codes.Count; i++)
        {
            if (string.Equals(Codes[i], code, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The class index of a vote letter such as <c>H</c>; -1 when it is not one.</summary>
    /// <param name="letter">A letter, compared case-insensitively.</param>
    public static int IndexOfVoteLetter(char letter)
    {
        var upper = char.ToUpperInvariant(letter);
        for (var i = 0; i < VoteLetters.Count; i++)
        {
            if (VoteLetters[i] == upper)
            {
                return i;
            }
        }

        return -1;
    }
}
