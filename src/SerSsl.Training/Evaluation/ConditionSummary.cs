using SerSsl.Core.Evaluation;

namespace SerSsl.Training.Evaluation;

/// <summary>
/// The metrics of one condition (e.g. "no pre-training", "pre-trained, all tasks") summarised over its partitions:
/// mean and sample standard deviation of each partition's value.
/// </summary>
/// <param name="Condition">Name of the condition, as shown in tables and plots.</param>
/// <param name="Accuracy">Accuracy over partitions.</param>
/// <param name="MacroPrecision">Macro precision over partitions.</param>
/// <param name="MacroRecall">Macro recall (unweighted average recall) over partitions.</param>
/// <param name="MacroF1">Macro F1 (mean of per-class F1) over partitions.</param>
/// <param name="ClassF1">Per-class F1 over partitions, K summaries in class order.</param>
internal sealed record ConditionSummary(
    string Condition,
    MetricSummary Accuracy,
    MetricSummary MacroPrecision,
    MetricSummary MacroRecall,
    MetricSummary MacroF1,
    IReadOnlyList<MetricSummary> ClassF1)
{
    /// <summary>Summarises the metrics of each partition of a condition.</summary>
    /// <param name="condition">Name of the condition.</param>
    /// <param name="partitions">Metrics of each partition, at least one, all with the same number of classes.</param>
    /// <exception cref="ArgumentException"><paramref name="partitions"/> is empty or mixes class counts.</exception>
    public static ConditionSummary FromPartitions(string condition, IReadOnlyList<ClassificationMetrics> partitions)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(condition);
        ArgumentNullException.ThrowIfNull(partitions);
        if (partitions.Count == 0)
        {
            throw new ArgumentException($"Condition '{condition}' has no partitions to summarise.", nameof(partitions));
        }

        var classCount = partitions[0].F1.Count;
        if (partitions.Any(p => p.F1.Count != classCount))
        {
            throw new ArgumentException($"Condition '{condition}' mixes partitions with different class counts.", nameof(partitions));
        }

        var classF1 = new MetricSummary[classCount];
        for (var k = 0; k < classCount; k++)
        {
            classF1[k] = MetricSummary.FromValues(partitions.Select(p => p.F1[k]));
        }

        return new ConditionSummary(
            condition,
            MetricSummary.FromValues(partitions.Select(p => p.Accuracy)),
            MetricSummary.FromValues(partitions.Select(p => p.MacroPrecision)),
            MetricSummary.FromValues(partitions.Select(p => p.MacroRecall)),
            MetricSummary.FromValues(partitions.Select(p => p.MacroF1)),
            classF1);
    }
}
