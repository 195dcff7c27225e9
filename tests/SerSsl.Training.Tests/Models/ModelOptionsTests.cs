using System.Text.Json;
using SerSsl.Training.Models;

namespace SerSsl.Training.Tests.Models;

public sealed class ModelOptionsTests
{
    [Fact]
    public void ToJson_RoundTrip_EqualOptions()
    {
        var options = ModelOptions.Default with { Channels = [8, 16, 32], Aggregator = AggregatorKind.SelfAttention, Dropout = 0.25 };

        var json = options.ToJson();
        var read = ModelOptions.FromJson(json);

        Assert.Contains("\"aggregator\": \"self-attention\"", json, StringComparison.Ordinal);
        Assert.Contains("\"embeddingDim\": 128", json, StringComparison.Ordinal);
        Assert.Equal(options, read);
        Assert.Equal(options.GetHashCode(), read.GetHashCode());
    }

    [Fact]
    public void FromJson_MissingProperties_KeepDefaults()
    {
        var read = ModelOptions.FromJson("""{ "aggregator": "mean" }""");

        Assert.Equal(ModelOptions.Default with { Aggregator = AggregatorKind.Mean }, read);
    }

    [Fact]
    public void FromJson_UnknownAggregator_Throws() =>
        Assert.Throws<JsonException>(() => ModelOptions.FromJson("""{ "aggregator": "lstm" }"""));

    [Theory]
    [InlineData("""{ "aggregator": "self-attention", "embeddingDim": 30, "attentionHeads": 4 }""", "AttentionHeads")]
    [InlineData("""{ "kernelSize": 4 }""", "KernelSize")]
    [InlineData("""{ "channels": [] }""", "Channels")]
    [InlineData("""{ "chunkFrames": 10, "channels": [4, 4, 4, 4, 4] }""", "Channels")]
    [InlineData("""{ "dropout": 1.0 }""", "Dropout")]
    [InlineData("""{ "emotionClasses": 1 }""", "EmotionClasses")]
    public void FromJson_InvalidValue_ThrowsNamingTheProperty(string json, string property)
    {
        var error = Assert.Throws<ArgumentException>(() => ModelOptions.FromJson(json));

        Assert.Equal(property, error.ParamName);
    }
}
