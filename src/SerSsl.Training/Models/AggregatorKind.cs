using System.Text.Json.Serialization;

namespace SerSsl.Training.Models;

/// <summary>How the chunk embeddings of a sequence are combined into one.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AggregatorKind>))]
internal enum AggregatorKind
{
    /// <summary>Masked mean of the valid chunk embeddings (<see cref="MeanAggregator"/>).</summary>
    [JsonStringEnumMemberName("mean")]
    Mean,

    /// <summary>Gated attention pooling, Ilse et al. 2018 (<see cref="GatedAttentionAggregator"/>).</summary>
    [JsonStringEnumMemberName("gated")]
    Gated,

    /// <summary>One multi-head self-attention layer, then a masked mean (<see cref="SelfAttentionAggregator"/>).</summary>
    [JsonStringEnumMemberName("self-attention")]
    SelfAttention,
}
