using System.Text.Json;
using System.Text.Json.Serialization;
using SerSsl.Core.Evaluation;

namespace SerSsl.Training.Evaluation;

/// <summary>The content of a results.json file: every condition's per-partition results and their summary.</summary>
/// <param name="Dataset">Name of the evaluation data, e.g. <c>CREMA-D</c> or the synthetic corpus's name.</param>
/// <param name="Synthetic">Whether the data is synthetic; results on synthetic data are always labelled so.</param>
/// <param name="Labels">Class labels in model output order (the order of every per-class list and matrix row).</param>
/// <param name="Baseline">Name of the condition others are compared with, or null.</param>
/// <param name="Conditions">One entry per condition.</param>
internal sealed record EvaluationReport(
    string Dataset,
    bool Synthetic,
    IReadOnlyList<string> Labels,
    string? Baseline,
    IReadOnlyList<ConditionResult> Conditions);

/// <summary>One condition's results on every partition and their summary.</summary>
/// <param name="Name">Name of the condition.</param>
/// <param name="Partitions">Results per partition.</param>
/// <param name="Summary">Mean and sample standard deviation over <paramref name="Partitions"/>.</param>
internal sealed record ConditionResult(string Name, IReadOnlyList<PartitionResult> Partitions, ConditionSummary Summary)
{
    /// <summary>Creates a condition's result, computing its summary from the partitions.</summary>
    /// <exception cref="ArgumentException"><paramref name="partitions"/> is empty or mixes class counts.</exception>
    public static ConditionResult Create(string name, IReadOnlyList<PartitionResult> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        return new ConditionResult(name, partitions, ConditionSummary.FromPartitions(name, [.. partitions.Select(p => p.Metrics)]));
    }
}

/// <summary>The test result of one partition (one speaker-independent split) under one condition.</summary>
/// <param name="Partition">Partition name or number.</param>
/// <param name="Metrics">Metrics on the partition's test set.</param>
/// <param name="ConfusionMatrix">K rows of K counts, row = true class, column = predicted class.</param>
/// <param name="History">Per-epoch losses and dev F1 of the run, or null.</param>
/// <param name="WallSeconds">Wall time of the fine-tuning and test in this process (not counting an earlier, interrupted sitting), or null.</param>
/// <param name="PeakResidentBytes">The process's peak resident memory when the result was written, or null.</param>
internal sealed record PartitionResult(
    string Partition,
    ClassificationMetrics Metrics,
    IReadOnlyList<IReadOnlyList<long>> ConfusionMatrix,
    TrainingHistory? History = null,
    double? WallSeconds = null,
    long? PeakResidentBytes = null)
{
    /// <summary>Creates a partition's result from its test confusion matrix.</summary>
    public static PartitionResult Create(string partition, ConfusionMatrix matrix, TrainingHistory? history = null)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        return new PartitionResult(partition, ClassificationMetrics.From(matrix), matrix.ToRows(), history);
    }
}

/// <summary>Reads and writes results.json: System.Text.Json, camelCase names, indented, nulls left out.</summary>
internal static class ResultsJson
{
    /// <summary>The serializer options every results file uses.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Serialises <paramref name="value"/> to JSON text.</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Parses JSON text written by <see cref="Serialize{T}"/>.</summary>
    /// <exception cref="JsonException">The text is not valid JSON for <typeparamref name="T"/>.</exception>
    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"results JSON holds null, not a {typeof(T).Name}.");

    /// <summary>Writes <paramref name="report"/> to <paramref name="path"/>, creating its folder.</summary>
    public static void Write(string path, EvaluationReport report)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(report);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(path, Serialize(report) + "\n");
    }

    /// <summary>Reads a report written by <see cref="Write"/>.</summary>
    /// <exception cref="JsonException">The file is not a valid report.</exception>
    public static EvaluationReport Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Deserialize<EvaluationReport>(File.ReadAllText(path));
    }
}
