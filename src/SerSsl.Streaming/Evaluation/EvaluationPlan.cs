namespace SerSsl.Streaming.Evaluation;

/// <summary>A clip to evaluate and the model label index it is scored against.</summary>
/// <param name="Clip">The clip.</param>
/// <param name="Target">The model label index of the clip's (mapped) label.</param>
internal sealed record EvaluationClip(CorpusClip Clip, int Target);

/// <summary>What an evaluation will run: the scan's clips whose labels map onto the model, sampled down to a limit.</summary>
/// <param name="Scan">What the layout found.</param>
/// <param name="Clips">The clips to run, ordered by relative path.</param>
/// <param name="Skipped">Everything left out before running: the scan's skips and the clips whose labels do not map.</param>
/// <param name="Mapped">Clips whose labels map onto the model, before <c>--limit</c>.</param>
/// <param name="CorpusLabels">How many clips of the scan carry each corpus label, by label.</param>
/// <param name="LabelMap">Each corpus label found, and the model label it is scored as (null: left out).</param>
internal sealed record EvaluationPlan(
    CorpusScan Scan,
    IReadOnlyList<EvaluationClip> Clips,
    IReadOnlyList<SkippedClip> Skipped,
    int Mapped,
    IReadOnlyDictionary<string, int> CorpusLabels,
    IReadOnlyDictionary<string, string?> LabelMap)
{
    /// <summary>Clips that map but were not drawn into the <c>--limit</c> sample.</summary>
    public int NotSampled => Mapped - Clips.Count;

    /// <summary>Maps a scan's clips and draws the sample.</summary>
    /// <param name="scan">The scan.</param>
    /// <param name="mapping">The label mapping.</param>
    /// <param name="limit">At most this many clips, drawn uniformly at random without replacement; null for all.</param>
    /// <param name="seed">Seed of the draw (the same seed and corpus draw the same clips).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is below 1.</exception>
    public static EvaluationPlan Create(CorpusScan scan, LabelMapping mapping, int? limit, int seed)
    {
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentNullException.ThrowIfNull(mapping);
        if (limit is { } l)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(l, 1, nameof(limit));
        }

        var mapped = new List<EvaluationClip>();
        var skipped = new List<SkippedClip>(scan.Skipped);
        var labelMap = new SortedDictionary<string, string?>(StringComparer.Ordinal);
        foreach (var clip in scan.Clips)
        {
            var target = mapping.Map(clip.Label, out var reason);
            labelMap[clip.Label] = target is { } t ? mapping.ModelLabels[t] : null;
            if (target is { } index)
            {
                mapped.Add(new EvaluationClip(clip, index));
            }
            else
            {
                skipped.Add(new SkippedClip(
                    clip.RelativePath,
                    reason,
                    reason == SkipReason.DroppedByMap
                        ? $"label '{clip.Label}' is dropped by --map {clip.Label}={LabelMapping.Drop}"
                        : $"label '{clip.Label}' has no counterpart among the model's labels ({LabelMapping.Describe(mapping.ModelLabels)}); map it with --map {clip.Label}=LABEL",
                    clip.Label));
            }
        }

        var selected = mapped;
        if (limit is { } n && n < mapped.Count)
        {
            var order = Enumerable.Range(0, mapped.Count).ToArray();
            new Random(seed).Shuffle(order);
            selected = [.. order.Take(n).Order().Select(i => mapped[i])];
        }

        skipped.Sort(static (a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        var labels = scan.Clips.GroupBy(c => c.Label, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return new EvaluationPlan(scan, selected, skipped, mapped.Count, labels, labelMap);
    }
}
