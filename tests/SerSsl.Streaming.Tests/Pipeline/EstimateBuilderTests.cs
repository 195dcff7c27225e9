using SerSsl.Protos.V1;
using SerSsl.Streaming.Pipeline;

namespace SerSsl.Streaming.Tests.Pipeline;

public sealed class EstimateBuilderTests
{
    private static readonly string[] s_labels = ["ANG", "HAP", "NEU"];

    [Fact]
    public void Build_NoSmoothing_ReportsModelProbabilitiesTopLabelAndTiming()
    {
        var builder = new EstimateBuilder("s1", s_labels, StreamingSessionOptions.Default);
        var events = new List<UtteranceEvent>();

        var estimate = builder.Build(Chunk(0, speech: 1f), [0.2f, 0.7f, 0.1f], events);

        Assert.Equal("s1", estimate.SessionId);
        Assert.Equal(0UL, estimate.Sequence);
        Assert.Equal("HAP", estimate.TopLabel);
        Assert.Equal(0.7f, estimate.Confidence);
        Assert.Equal([0.2f, 0.7f, 0.1f], estimate.Probabilities.Select(p => p.Probability));
        Assert.Equal(s_labels, estimate.Probabilities.Select(p => p.Label));
        Assert.Equal(0.0, estimate.StartSeconds);
        Assert.Equal(1.015, estimate.EndSeconds);
        Assert.True(estimate.Speech);
        Assert.True(estimate.LatencyMs >= 0);
    }

    [Fact]
    public void Build_Smoothing_BlendsSpeechEstimatesAndLeavesSilenceRaw()
    {
        var builder = new EstimateBuilder("s1", s_labels, StreamingSessionOptions.Default with { Smoothing = 0.5 });
        var events = new List<UtteranceEvent>();

        builder.Build(Chunk(0, speech: 1f), [1f, 0f, 0f], events);
        var second = builder.Build(Chunk(1, speech: 1f), [0f, 1f, 0f], events);
        var silent = builder.Build(Chunk(2, speech: 0f), [0f, 0f, 1f], events);

        Assert.Equal([0.5f, 0.5f, 0f], second.Probabilities.Select(p => p.Probability));
        Assert.Equal([0f, 0f, 1f], silent.Probabilities.Select(p => p.Probability));
        Assert.False(silent.Speech);
    }

    [Fact]
    public void Build_SpeechThenSilence_EmitsStartAndEndAfterHangover()
    {
        var builder = new EstimateBuilder("s1", s_labels, StreamingSessionOptions.Default with { UtteranceHangover = 2 });
        var events = new List<UtteranceEvent>();
        float[] p = [0.3f, 0.3f, 0.4f];

        builder.Build(Chunk(0, speech: 0f), p, events);
        builder.Build(Chunk(1, speech: 0.9f), p, events);
        builder.Build(Chunk(2, speech: 0.9f), p, events);
        builder.Build(Chunk(3, speech: 0f), p, events);
        Assert.Single(events);
        builder.Build(Chunk(4, speech: 0f), p, events);

        Assert.Equal([UtteranceEventKind.Start, UtteranceEventKind.End], events.Select(e => e.Kind));
        Assert.Equal(0.25, events[0].TimeSeconds, 9);
        Assert.Equal(1UL, events[0].Sequence);
        Assert.Equal(Chunk(2, 0).EndSeconds, events[1].TimeSeconds, 9);
        Assert.Equal(4UL, events[1].Sequence);
        Assert.Null(builder.Finish());
    }

    [Fact]
    public void Finish_OpenUtterance_EmitsEnd()
    {
        var builder = new EstimateBuilder("s1", s_labels, StreamingSessionOptions.Default);
        var events = new List<UtteranceEvent>();
        builder.Build(Chunk(0, speech: 1f), [0.3f, 0.3f, 0.4f], events);

        var end = builder.Finish();

        Assert.NotNull(end);
        Assert.Equal(UtteranceEventKind.End, end.Kind);
    }

    [Fact]
    public void Build_SilentCondition_IsNeverSpeech()
    {
        var builder = new EstimateBuilder("s1", s_labels, StreamingSessionOptions.Default);
        var chunk = Chunk(0, speech: 1f) with { Conditions = [InputCondition.Silent] };

        var estimate = builder.Build(chunk, [0.3f, 0.3f, 0.4f], []);

        Assert.False(estimate.Speech);
        Assert.Equal([InputCondition.Silent], estimate.Conditions);
    }

    [Fact]
    public void Build_OutOfOrderChunk_Throws()
    {
        var builder = new EstimateBuilder("s1", s_labels, StreamingSessionOptions.Default);
        builder.Build(Chunk(0, 1f), [0.3f, 0.3f, 0.4f], []);

        Assert.Throws<ArgumentException>(() => builder.Build(Chunk(2, 1f), [0.3f, 0.3f, 0.4f], []));
    }

    [Fact]
    public void Build_WrongProbabilityCount_Throws()
    {
        var builder = new EstimateBuilder("s1", s_labels, StreamingSessionOptions.Default);

        Assert.Throws<ArgumentException>(() => builder.Build(Chunk(0, 1f), [0.5f, 0.5f], []));
    }

    private static ChunkInfo Chunk(long index, float speech) => new()
    {
        Index = index,
        StartSeconds = index * 0.25,
        EndSeconds = (index * 0.25) + 1.015,
        ArrivalTimestamp = System.Diagnostics.Stopwatch.GetTimestamp(),
        SpeechProbability = speech,
    };
}
