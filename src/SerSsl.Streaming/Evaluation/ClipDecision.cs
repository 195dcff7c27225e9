using SerSsl.Protos.V1;

namespace SerSsl.Streaming.Evaluation;

/// <summary>
/// The emotion of a whole clip, decided from the estimates the streaming pipeline published for it (the timeline
/// <c>sers analyze</c> prints).
/// </summary>
/// <remarks>
/// The rule: the clip's probabilities are the mean of the probability vectors of its estimates whose speech decision
/// is true; when no estimate is speech (a quiet or noisy clip the voice-activity gate rejects throughout), the mean
/// over all its estimates. The predicted label is the arg-max of that mean, the first label on a tie. Estimates are
/// weighted equally; each covers one chunk (1 s with the bundled model) ending at its own hop.
/// </remarks>
/// <param name="Predicted">The predicted label index.</param>
/// <param name="Probabilities">The mean probability per model label, in model order.</param>
/// <param name="Estimates">Estimates the clip produced.</param>
/// <param name="SpeechEstimates">Of those, estimates whose speech decision is true.</param>
internal sealed record ClipDecision(int Predicted, IReadOnlyList<double> Probabilities, int Estimates, int SpeechEstimates)
{
    /// <summary>True when no estimate was speech, so that the mean covers every estimate.</summary>
    public bool UsedAllEstimates => SpeechEstimates == 0;

    /// <summary>Decides a clip by the rule of this type's remarks.</summary>
    /// <param name="estimates">The clip's estimates, in any order.</param>
    /// <param name="labelCount">The model's label count K; every estimate carries K probabilities.</param>
    /// <returns>The decision, or null when there are no estimates.</returns>
    /// <exception cref="ArgumentException">An estimate carries a number of probabilities other than K.</exception>
    public static ClipDecision? From(IReadOnlyList<EmotionEstimate> estimates, int labelCount)
    {
        ArgumentNullException.ThrowIfNull(estimates);
        ArgumentOutOfRangeException.ThrowIfLessThan(labelCount, 1);
        if (estimates.Count == 0)
        {
            return null;
        }

        var speech = estimates.Count(e => e.Speech);
        var used = speech > 0 ? estimates.Where(e => e.Speech) : estimates;
        var sum = new double[labelCount];
        var n = 0;
        foreach (var estimate in used)
        {
            if (estimate.Probabilities.Count != labelCount)
            {
                throw new ArgumentException($"Estimate {estimate.Sequence} carries {estimate.Probabilities.Count} probabilities; the model has {labelCount} labels.", nameof(estimates));
            }

            for (var k = 0; k < labelCount; k++)
            {
                sum[k] += estimate.Probabilities[k].Probability;
            }

            n++;
        }

        var predicted = 0;
        for (var k = 0; k < labelCount; k++)
        {
            sum[k] /= n;
            if (sum[k] > sum[predicted])
            {
                predicted = k;
            }
        }

        return new ClipDecision(predicted, sum, estimates.Count, speech);
    }
}
