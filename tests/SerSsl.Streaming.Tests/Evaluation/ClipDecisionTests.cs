using SerSsl.Protos.V1;
using SerSsl.Streaming.Evaluation;

namespace SerSsl.Streaming.Tests.Evaluation;

public sealed class ClipDecisionTests
{
    private static readonly string[] s_labels = ["A", "B", "C"];

    [Fact]
    public void From_SpeechAndSilence_AveragesOnlyTheSpeechEstimates()
    {
        EmotionEstimate[] estimates =
        [
            Estimate(0, speech: false, 0.9f, 0.05f, 0.05f),
            Estimate(1, speech: true, 0.2f, 0.5f, 0.3f),
            Estimate(2, speech: true, 0.2f, 0.3f, 0.5f),
            Estimate(3, speech: true, 0.5f, 0.4f, 0.1f),
        ];

        var decision = ClipDecision.From(estimates, 3, 1)!;

        Assert.Equal(0.3, decision.Probabilities[0], 6);
        Assert.Equal(0.4, decision.Probabilities[1], 6);
        Assert.Equal(0.3, decision.Probabilities[2], 6);
        Assert.Equal(1, decision.Predicted);
        Assert.Equal(4, decision.Estimates);
        Assert.Equal(3, decision.SpeechEstimates);
        Assert.False(decision.UsedAllEstimates);
    }

    [Fact]
    public void From_NoSpeechEstimate_AveragesAllAndSaysSo()
    {
        EmotionEstimate[] estimates = [Estimate(0, speech: false, 0.1f, 0.1f, 0.8f), Estimate(1, speech: false, 0.1f, 0.5f, 0.4f)];

        var decision = ClipDecision.From(estimates, 3, 1)!;

        Assert.Equal(2, decision.Predicted);
        Assert.Equal(0.6, decision.Probabilities[2], 6);
        Assert.True(decision.UsedAllEstimates);
    }

    [Fact]
    public void From_FullWindows_AveragesOnlySpeechEstimatesFromSequenceKMinusOne()
    {
        EmotionEstimate[] estimates =
        [
            Estimate(0, speech: true, 0.1f, 0.1f, 0.8f), // windows of 1 and 2 chunks: left out
            Estimate(1, speech: true, 0.1f, 0.1f, 0.8f),
            Estimate(2, speech: true, 0.6f, 0.3f, 0.1f),
            Estimate(3, speech: false, 0.0f, 0.0f, 1.0f), // full, but not speech
            Estimate(4, speech: true, 0.4f, 0.5f, 0.1f),
        ];

        var decision = ClipDecision.From(estimates, 3, 3)!;

        Assert.Equal(0, decision.Predicted);
        Assert.Equal(0.5, decision.Probabilities[0], 6);
        Assert.Equal(0.4, decision.Probabilities[1], 6);
        Assert.Equal(2, decision.DecidedFrom);
        Assert.Equal(4, decision.SpeechEstimates);
        Assert.Equal(2, ClipDecision.From(estimates, 3, 1)!.Predicted); // every speech estimate: C wins
    }

    [Fact]
    public void From_NoFullWindow_AveragesEverySpeechEstimate()
    {
        EmotionEstimate[] estimates = [Estimate(0, speech: true, 0.1f, 0.1f, 0.8f), Estimate(1, speech: true, 0.5f, 0.4f, 0.1f), Estimate(2, speech: false, 1f, 0f, 0f)];

        var decision = ClipDecision.From(estimates, 3, 5)!;

        Assert.Equal(2, decision.DecidedFrom);
        Assert.Equal(0.3, decision.Probabilities[0], 6);
        Assert.Equal(0.45, decision.Probabilities[2], 6);
    }

    [Fact]
    public void From_Tie_TakesTheFirstLabel()
    {
        var decision = ClipDecision.From([Estimate(0, speech: true, 0.4f, 0.4f, 0.2f)], 3, 1)!;

        Assert.Equal(0, decision.Predicted);
    }

    [Fact]
    public void From_NoEstimates_IsNull() => Assert.Null(ClipDecision.From([], 3, 1));

    [Fact]
    public void From_WrongProbabilityCount_Throws() =>
        Assert.Throws<ArgumentException>(() => ClipDecision.From([Estimate(0, speech: true, 0.5f, 0.5f)], 3, 1));

    private static EmotionEstimate Estimate(ulong sequence, bool speech, params float[] probabilities)
    {
        var estimate = new EmotionEstimate { Sequence = sequence, Speech = speech };
        for (var k = 0; k < probabilities.Length; k++)
        {
            estimate.Probabilities.Add(new LabelProbability { Label = s_labels[k], Probability = probabilities[k] });
        }

        return estimate;
    }
}
