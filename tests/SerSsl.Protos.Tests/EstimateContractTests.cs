using Google.Protobuf;
using SerSsl.Protos.V1;

namespace SerSsl.Protos.Tests;

public sealed class EstimateContractTests
{
    [Fact]
    public void EmotionEstimate_RoundTripsThroughWireFormat_AllFieldsPreserved()
    {
        var estimate = new EmotionEstimate
        {
            SessionId = "mic-1",
            Sequence = 42,
            StartSeconds = 10.25,
            EndSeconds = 11.25,
            TopLabel = "HAP",
            Confidence = 0.7f,
            SpeechProbability = 0.9f,
            LatencyMs = 3.5,
            DroppedSamples = 160,
            DroppedSamplesTotal = 320,
            Speech = true,
        };
        estimate.Probabilities.Add(new LabelProbability { Label = "HAP", Probability = 0.7f });
        estimate.Probabilities.Add(new LabelProbability { Label = "NEU", Probability = 0.3f });
        estimate.Conditions.Add(InputCondition.Clipped);
        estimate.Conditions.Add(InputCondition.DroppedAudio);

        var bytes = estimate.ToByteArray();
        var parsed = EmotionEstimate.Parser.ParseFrom(bytes);

        Assert.Equal(estimate, parsed);
        Assert.Equal(2, parsed.Probabilities.Count);
        Assert.Equal("NEU", parsed.Probabilities[1].Label);
        Assert.Equal([InputCondition.Clipped, InputCondition.DroppedAudio], parsed.Conditions);
    }

    [Fact]
    public void UtteranceEvent_RoundTripsThroughWireFormat_KindAndTimePreserved()
    {
        var utterance = new UtteranceEvent { SessionId = "mic-1", Kind = UtteranceEventKind.End, TimeSeconds = 3.25, Sequence = 12 };

        var parsed = UtteranceEvent.Parser.ParseFrom(utterance.ToByteArray());

        Assert.Equal(utterance, parsed);
        Assert.Equal(UtteranceEventKind.End, parsed.Kind);
    }

    [Fact]
    public void EmotionEstimate_Descriptor_UsesVersionedPackage()
    {
        Assert.Equal("serssl.v1.EmotionEstimate", EmotionEstimate.Descriptor.FullName);
    }
}
