using System.Text.Json.Serialization;

namespace SerSsl.Core.Evaluation;

/// <summary>
/// Classification metrics of one evaluation (a partition's test set in training, a corpus in <c>sers evaluate</c>), all
/// as fractions in [0, 1].
/// </summary>
/// <remarks>
/// <para>Definitions, per class k with TP_k, FP_k, FN_k read off the confusion matrix:</para>
/// <list type="bullet">
/// <item>precision_k = TP_k / (TP_k + FP_k), and 0 when the class was never predicted (TP_k + FP_k = 0);</item>
/// <item>recall_k = TP_k / (TP_k + FN_k), and 0 when the class never occurs (TP_k + FN_k = 0);</item>
/// <item>F1_k = 2 TP_k / (2 TP_k + FP_k + FN_k) (the harmonic mean of precision_k and recall_k), and 0 when
/// TP_k + FP_k + FN_k = 0.</item>
/// </list>
/// <para>These zero-division rules are scikit-learn's <c>zero_division=0</c>. Macro precision, macro recall and macro
/// F1 are the unweighted means of the per-class values over all K classes, including classes that never occur or
/// are never predicted (scikit-learn's <c>average="macro"</c> with <c>labels=range(K)</c>). Macro F1 is the mean
/// of the per-class F1 values, not the F1 of macro precision and macro recall. Unweighted average recall (UAR) is
/// macro recall. Accuracy is the trace over the total, 0 for an empty matrix.</para>
/// </remarks>
/// <param name="Accuracy">Fraction of items whose predicted class is the true class.</param>
/// <param name="Precision">Per-class precision, K values in class order.</param>
/// <param name="Recall">Per-class recall, K values in class order.</param>
/// <param name="F1">Per-class F1, K values in class order.</param>
/// <param name="Support">Per-class number of items whose true class it is, K values in class order.</param>
/// <param name="MacroPrecision">Mean of <paramref name="Precision"/>.</param>
/// <param name="MacroRecall">Mean of <paramref name="Recall"/>.</param>
/// <param name="MacroF1">Mean of <paramref name="F1"/>.</param>
public sealed record ClassificationMetrics(
    double Accuracy,
    IReadOnlyList<double> Precision,
    IReadOnlyList<double> Recall,
    IReadOnlyList<double> F1,
    IReadOnlyList<long> Support,
    double MacroPrecision,
    double MacroRecall,
    double MacroF1)
{
    /// <summary>Unweighted average recall: the same value as <see cref="MacroRecall"/>.</summary>
    [JsonIgnore]
    public double UnweightedAverageRecall => MacroRecall;

    /// <summary>Computes the metrics of a confusion matrix (definitions in the remarks of this type).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="matrix"/> is null.</exception>
    public static ClassificationMetrics From(ConfusionMatrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        var k = matrix.ClassCount;
        var precision = new double[k];
        var recall = new double[k];
        var f1 = new double[k];
        var support = new long[k];
        long correct = 0;
        for (var c = 0; c < k; c++)
        {
            var tp = matrix[c, c];
            var predicted = matrix.ColumnTotal(c);
            var actual = matrix.RowTotal(c);
            var fp = predicted - tp;
            var fn = actual - tp;
            correct += tp;
            support[c] = actual;
            precision[c] = SafeDivide(tp, predicted);
            recall[c] = SafeDivide(tp, actual);
            f1[c] = SafeDivide(2 * tp, (2 * tp) + fp + fn);
        }

        return new ClassificationMetrics(
            SafeDivide(correct, matrix.Total),
            precision,
            recall,
            f1,
            support,
            precision.Average(),
            recall.Average(),
            f1.Average());
    }

    private static double SafeDivide(long numerator, long denominator) =>
        denominator == 0 ? 0.0 : (double)numerator / denominator;
}
