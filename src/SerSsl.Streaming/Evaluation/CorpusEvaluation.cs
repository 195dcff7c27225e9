using SerSsl.Core.Evaluation;

namespace SerSsl.Streaming.Evaluation;

/// <summary>The settings an evaluation ran with, as the report records them.</summary>
/// <param name="HopMs">Time between estimates in milliseconds.</param>
/// <param name="Smoothing">Exponential smoothing of the probabilities.</param>
/// <param name="Vad">The voice-activity detector (<c>energy</c> or <c>silero:PATH</c>).</param>
/// <param name="VadThresholdDb">The energy gate's threshold in dB.</param>
/// <param name="Jobs">Clips in flight at once.</param>
/// <param name="Limit">The <c>--limit</c>, or null.</param>
/// <param name="Seed">The seed of the <c>--limit</c> sample.</param>
/// <param name="Map">The <c>--map</c> entries as given.</param>
internal sealed record EvaluationSettings(int HopMs, double Smoothing, string Vad, float VadThresholdDb, int Jobs, int? Limit, int Seed, IReadOnlyList<string> Map);

/// <summary>One evaluated clip, as reports list it.</summary>
/// <param name="Clip">The clip and its target.</param>
/// <param name="Decision">Its decision.</param>
/// <param name="DurationSeconds">Its audio duration.</param>
/// <param name="Estimates">The estimates the decision came from, in sequence order (empty when not kept).</param>
internal sealed record ClipPrediction(EvaluationClip Clip, ClipDecision Decision, double DurationSeconds, IReadOnlyList<SerSsl.Protos.V1.EmotionEstimate>? Estimates = null)
{
    /// <summary>True when the predicted label is the target.</summary>
    public bool Correct => Decision.Predicted == Clip.Target;
}

/// <summary>
/// The outcome of evaluating a model on a corpus: per-clip predictions, what was skipped and why, and the metrics
/// (<see cref="ClassificationMetrics"/>, the same computation <c>sers-train evaluate</c> reports) over the model's labels.
/// </summary>
internal sealed class CorpusEvaluation
{
    private CorpusEvaluation(
        string modelName,
        string modelDirectory,
        IReadOnlyList<string> labels,
        string corpus,
        string layout,
        EvaluationSettings settings,
        EvaluationPlan plan,
        IReadOnlyList<ClipPrediction> predictions,
        IReadOnlyList<SkippedClip> skipped,
        ConfusionMatrix matrix)
    {
        ModelName = modelName;
        ModelDirectory = modelDirectory;
        Labels = labels;
        Corpus = corpus;
        Layout = layout;
        Settings = settings;
        Plan = plan;
        Predictions = predictions;
        Skipped = skipped;
        Matrix = matrix;
        Metrics = ClassificationMetrics.From(matrix);
    }

    /// <summary>The rule that turns a clip's estimates into its prediction, in words (see <see cref="ClipDecision"/>).</summary>
    public const string DecisionRule =
        "the arg-max of the mean probability vector over the clip's speech estimates whose window holds the model's full K chunks; over all its speech estimates when none does, over all its estimates when none is speech";

    /// <summary>The model's name (manifest).</summary>
    public string ModelName { get; }

    /// <summary>The model bundle folder.</summary>
    public string ModelDirectory { get; }

    /// <summary>The model's labels in output order: the classes of the metrics.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>The corpus as given.</summary>
    public string Corpus { get; }

    /// <summary>The layout name.</summary>
    public string Layout { get; }

    /// <summary>The settings.</summary>
    public EvaluationSettings Settings { get; }

    /// <summary>The plan: the scan, the label map, the sample.</summary>
    public EvaluationPlan Plan { get; }

    /// <summary>The evaluated clips, ordered by relative path.</summary>
    public IReadOnlyList<ClipPrediction> Predictions { get; }

    /// <summary>Everything not evaluated and why, ordered by relative path.</summary>
    public IReadOnlyList<SkippedClip> Skipped { get; }

    /// <summary>True class (row) by predicted class (column), over <see cref="Labels"/>.</summary>
    public ConfusionMatrix Matrix { get; }

    /// <summary>Accuracy, UAR, per-class and macro precision, recall and F1.</summary>
    public ClassificationMetrics Metrics { get; }

    /// <summary>Evaluated clips without a single speech estimate, decided from all their estimates.</summary>
    public int AllEstimatesFallbacks => Predictions.Count(p => p.Decision.UsedAllEstimates);

    /// <summary>Skipped items by reason, every reason listed (0 when none).</summary>
    public IReadOnlyDictionary<SkipReason, int> SkippedByReason =>
        SkipReasons.All.ToDictionary(r => r, r => Skipped.Count(s => s.Reason == r));

    /// <summary>Assembles the evaluation from the plan and the run's outcomes.</summary>
    /// <param name="modelName">The model's name.</param>
    /// <param name="modelDirectory">The bundle folder.</param>
    /// <param name="labels">The model's labels.</param>
    /// <param name="corpus">The corpus as given.</param>
    /// <param name="layout">The layout name.</param>
    /// <param name="settings">The settings.</param>
    /// <param name="plan">The plan the run followed.</param>
    /// <param name="outcomes">One outcome per clip of the plan.</param>
    /// <exception cref="ArgumentException">A target or prediction is outside the labels.</exception>
    public static CorpusEvaluation Create(
        string modelName,
        string modelDirectory,
        IReadOnlyList<string> labels,
        string corpus,
        string layout,
        EvaluationSettings settings,
        EvaluationPlan plan,
        IReadOnlyList<ClipOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(outcomes);
        var matrix = new ConfusionMatrix(labels.Count);
        var predictions = new List<ClipPrediction>();
        var skipped = new List<SkippedClip>(plan.Skipped);
        foreach (var outcome in outcomes)
        {
            if (outcome.Decision is { } decision)
            {
                matrix.Add(outcome.Clip.Target, decision.Predicted);
                predictions.Add(new ClipPrediction(outcome.Clip, decision, outcome.DurationSeconds, outcome.Estimates));
            }
            else
            {
                skipped.Add(new SkippedClip(outcome.Clip.Clip.RelativePath, outcome.Failure ?? SkipReason.UnreadableAudio, outcome.Error ?? "not evaluated", outcome.Clip.Clip.Label));
            }
        }

        predictions.Sort(static (a, b) => string.CompareOrdinal(a.Clip.Clip.RelativePath, b.Clip.Clip.RelativePath));
        skipped.Sort(static (a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        return new CorpusEvaluation(modelName, modelDirectory, labels, corpus, layout, settings, plan, predictions, skipped, matrix);
    }
}
