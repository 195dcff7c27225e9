using System.Diagnostics.CodeAnalysis;

namespace SerSsl.Streaming.Evaluation;

/// <summary>
/// Maps corpus labels onto the model's labels: by default each corpus label to the model label of the same meaning
/// (<see cref="EmotionVocabulary"/>: a corpus's <c>angry</c> to a model's <c>ANG</c>); labels the model does not have
/// (calm, boredom, surprise ...) are left out. <c>--map</c> entries override both: <c>calm=neutral</c> scores calm
/// clips as neutral, <c>fear=drop</c> leaves fear clips out.
/// </summary>
internal sealed class LabelMapping
{
    /// <summary>The word that, on the right of a <c>--map</c> entry, leaves the label out.</summary>
    public const string Drop = "drop";

    private readonly IReadOnlyList<string> _modelLabels;
    private readonly Dictionary<string, int?> _overrides;

    private LabelMapping(IReadOnlyList<string> modelLabels, Dictionary<string, int?> overrides)
    {
        _modelLabels = modelLabels;
        _overrides = overrides;
    }

    /// <summary>The model's labels in output order.</summary>
    public IReadOnlyList<string> ModelLabels => _modelLabels;

    /// <summary>The <c>--map</c> entries as given: corpus label (normalised) to model label index, null for drop.</summary>
    public IReadOnlyDictionary<string, int?> Overrides => _overrides;

    /// <summary>Builds the mapping.</summary>
    /// <param name="modelLabels">The model's labels in output order.</param>
    /// <param name="entries">
    /// <c>--map</c> values: <c>CORPUS=MODEL</c> or <c>CORPUS=drop</c>, several per value separated by commas.
    /// </param>
    /// <exception cref="ArgumentException">An entry is malformed, repeats a label, or names a label the model does not have.</exception>
    public static LabelMapping Create(IReadOnlyList<string> modelLabels, IEnumerable<string> entries)
    {
        ArgumentNullException.ThrowIfNull(modelLabels);
        ArgumentNullException.ThrowIfNull(entries);
        var overrides = new Dictionary<string, int?>(StringComparer.Ordinal);
        foreach (var entry in entries.SelectMany(e => e.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == entry.Length - 1)
            {
                throw new ArgumentException($"--map '{entry}': write CORPUS_LABEL=MODEL_LABEL (e.g. calm=neutral) or CORPUS_LABEL={Drop}.");
            }

            var corpus = EmotionVocabulary.Normalize(entry[..equals]);
            var target = entry[(equals + 1)..].Trim();
            int? index = null;
            if (!string.Equals(target, Drop, StringComparison.OrdinalIgnoreCase))
            {
                if (!TryResolve(modelLabels, target, out var resolved))
                {
                    throw new ArgumentException($"--map '{entry}': the model has no label '{target}'. Its labels are {Describe(modelLabels)}; or write {entry[..equals].Trim()}={Drop} to leave the label out.");
                }

                index = resolved;
            }

            if (!overrides.TryAdd(corpus, index))
            {
                throw new ArgumentException($"--map '{entry}': '{corpus}' is mapped twice; give each corpus label once.");
            }
        }

        return new LabelMapping(modelLabels, overrides);
    }

    /// <summary>The model label index a corpus label is scored as, or null with the reason it is left out.</summary>
    /// <param name="corpusLabel">A corpus label (normalised by <see cref="EmotionVocabulary.Normalize"/>).</param>
    /// <param name="reason">Why the label is left out, when it is.</param>
    public int? Map(string corpusLabel, out SkipReason reason)
    {
        ArgumentNullException.ThrowIfNull(corpusLabel);
        var key = EmotionVocabulary.Normalize(corpusLabel);
        if (_overrides.TryGetValue(key, out var mapped))
        {
            reason = SkipReason.DroppedByMap;
            return mapped;
        }

        reason = SkipReason.LabelNotInModel;
        return TryResolve(_modelLabels, key, out var index) ? index : null;
    }

    /// <summary>
    /// The model label that <paramref name="label"/> names: the one equal to it ignoring case, else the only one of the
    /// same meaning (<see cref="EmotionVocabulary"/>).
    /// </summary>
    public static bool TryResolve(IReadOnlyList<string> modelLabels, string label, [NotNullWhen(true)] out int? index)
    {
        for (var i = 0; i < modelLabels.Count; i++)
        {
            if (string.Equals(modelLabels[i].Trim(), label.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                index = i;
                return true;
            }
        }

        var meaning = EmotionVocabulary.Normalize(label);
        var matches = Enumerable.Range(0, modelLabels.Count).Where(i => EmotionVocabulary.Normalize(modelLabels[i]) == meaning).ToArray();
        index = matches.Length == 1 ? matches[0] : null;
        return index is not null;
    }

    /// <summary>The model's labels with their meaning where it differs, e.g. <c>ANG (anger), DIS (disgust)</c>.</summary>
    public static string Describe(IReadOnlyList<string> modelLabels) =>
        string.Join(", ", modelLabels.Select(l => EmotionVocabulary.Normalize(l) is var m && !string.Equals(m, l, StringComparison.OrdinalIgnoreCase) ? $"{l} ({m})" : l));
}
