using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using SerSsl.Core.Labels;

namespace SerSsl.Training.Data.CremaD;

/// <summary>
/// A CREMA-D clip name, <c>ActorID_Sentence_Emotion_Level</c> (e.g. <c>1001_IEO_HAP_HI</c>), parsed strictly.
/// </summary>
/// <param name="Name">The name without extension, exactly as given.</param>
/// <param name="ActorId">The four-digit actor id (1001..1091 in CREMA-D).</param>
/// <param name="Sentence">The three-letter sentence code (IEO, TIE, ...).</param>
/// <param name="Emotion">The intended emotion as a class index in <see cref="CremaDEmotion.Codes"/> order.</param>
/// <param name="Level">The intensity level: <c>LO</c>, <c>MD</c>, <c>HI</c> or <c>XX</c> (unspecified).</param>
internal sealed record CremaDClipName(string Name, int ActorId, string Sentence, int Emotion, string Level)
{
    /// <summary>The intensity levels CREMA-D uses.</summary>
    public static IReadOnlyList<string> Levels { get; } = ["LO", "MD", "HI", "XX"];

    /// <summary>
    /// Parses a clip name. Rules: exactly four parts separated by <c>_</c>; the actor id is four ASCII digits; the
    /// sentence is three upper-case ASCII letters; the emotion is one of <see cref="CremaDEmotion.Codes"/> (upper case);
    /// the level is one of <see cref="Levels"/>. A trailing <c>.wav</c> (any case) is removed first.
    /// </summary>
    /// <param name="name">The clip name or WAV file name.</param>
    /// <param name="source">Where the name came from (file and line), for the error message; null when unknown.</param>
    /// <returns>The parsed name.</returns>
    /// <exception cref="FormatException">The name breaks a rule; the message names it, its source and the rule.</exception>
    public static CremaDClipName Parse(string name, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        return TryParse(name, out var parsed, out var problem)
            ? parsed
            : throw new FormatException($"Malformed CREMA-D clip name '{name}'{(source is null ? string.Empty : $" ({source})")}: {problem}. Expected ActorID_Sentence_Emotion_Level, e.g. 1001_IEO_HAP_HI.");
    }

    /// <summary>Parses a clip name by the rules of <see cref="Parse"/>, without throwing.</summary>
    /// <param name="name">The clip name or WAV file name.</param>
    /// <param name="parsed">The parsed name, or null.</param>
    /// <param name="problem">The broken rule, or null.</param>
    /// <returns>True when the name is valid.</returns>
    public static bool TryParse(string name, [NotNullWhen(true)] out CremaDClipName? parsed, [NotNullWhen(false)] out string? problem)
    {
        ArgumentNullException.ThrowIfNull(name);
        parsed = null;
        var stem = name.EndsWith(".wav", StringComparison.OrdinalIgnoreCase) ? name[..^4] : name;
        var parts = stem.Split('_');
        if (parts.Length != 4)
        {
            problem = $"it has {parts.Length} part(s) separated by '_', not 4";
            return false;
        }

        if (parts[0].Length != 4 || !parts[0].All(char.IsAsciiDigit))
        {
            problem = $"actor id '{parts[0]}' is not four digits";
            return false;
        }

        if (parts[1].Length != 3 || !parts[1].All(char.IsAsciiLetterUpper))
        {
            problem = $"sentence '{parts[1]}' is not three upper-case letters";
            return false;
        }

        var emotion = -1;
        for (var i = 0; i < CremaDEmotion.Codes.Count; i++)
        {
            if (string.Equals(CremaDEmotion.Codes[i], parts[2], StringComparison.Ordinal))
            {
                emotion = i;
            }
        }

        if (emotion < 0)
        {
            problem = $"emotion '{parts[2]}' is not one of {string.Join(", ", CremaDEmotion.Codes)}";
            return false;
        }

        if (!Levels.Contains(parts[3], StringComparer.Ordinal))
        {
            problem = $"level '{parts[3]}' is not one of {string.Join(", ", Levels)}";
            return false;
        }

        parsed = new CremaDClipName(stem, int.Parse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture), parts[1], emotion, parts[3]);
        problem = null;
        return true;
    }
}
