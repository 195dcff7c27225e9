using System.Text.Json;

namespace SerSsl.Training.Models;

/// <summary>
/// The architecture of a <see cref="SerModel"/>: chunk shape, encoder, aggregator and heads. Serialised as JSON into
/// checkpoints and model manifests; a model can only load weights saved under equal options.
/// </summary>
/// <remarks>
/// Instances are not validated on construction so that <c>with</c> expressions can change several values; the
/// modules call <see cref="Validate"/>, and so does <see cref="FromJson"/>. Equality compares
/// <see cref="Channels"/> element by element.
/// </remarks>
internal sealed record ModelOptions
{
    // Reflection-based on purpose: the source generator resets init-only properties missing from the JSON to
    // default(T) instead of keeping their initialisers (dotnet/runtime#84484), and older files must keep defaults.
    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
    };

    /// <summary>The defaults: 100 x 64 chunks, channels 16-32-64-128, D = 128, gated aggregation, 6 emotions.</summary>
    public static ModelOptions Default { get; } = new();

    /// <summary>Frames per chunk, m (the encoder's time axis). Default 100 (1 s at a 10 ms hop).</summary>
    public int ChunkFrames { get; init; } = 100;

    /// <summary>Log-mel bins per frame (the encoder's frequency axis). Default 64.</summary>
    public int MelBins { get; init; } = 64;

    /// <summary>
    /// Output channels of the encoder's convolution blocks, one block each (conv k x k, batch norm, ReLU, and a
    /// max pool after every block but the last). Default [16, 32, 64, 128].
    /// </summary>
    public IReadOnlyList<int> Channels { get; init; } = [16, 32, 64, 128];

    /// <summary>Square convolution kernel size, odd (zero padding keeps the map size). Default 3.</summary>
    public int KernelSize { get; init; } = 3;

    /// <summary>
    /// Stride of the first convolution, in both axes. Default 1 (full resolution); 2 quarters the maps every later
    /// layer works on, which cuts the encoder's memory traffic and FLOPs about fourfold (spend them on channels).
    /// </summary>
    public int FirstStride { get; init; } = 1;

    /// <summary>Square max-pool size and stride between blocks. Default 2.</summary>
    public int PoolSize { get; init; } = 2;

    /// <summary>Embedding size D of a chunk (and of the aggregated sequence). Default 128.</summary>
    public int EmbeddingDim { get; init; } = 128;

    /// <summary>The aggregator over chunk embeddings. Default <see cref="AggregatorKind.Gated"/>.</summary>
    public AggregatorKind Aggregator { get; init; } = AggregatorKind.Gated;

    /// <summary>Hidden size L of the gated attention scorer. Default 64.</summary>
    public int AttentionDim { get; init; } = 64;

    /// <summary>Heads of the self-attention aggregator; must divide <see cref="EmbeddingDim"/>. Default 4.</summary>
    public int AttentionHeads { get; init; } = 4;

    /// <summary>Dropout probability before the encoder's projection, in attention, and before the heads. Default 0.1.</summary>
    public double Dropout { get; init; } = 0.1;

    /// <summary>Classes of the emotion head. Default 6 (CREMA-D).</summary>
    public int EmotionClasses { get; init; } = 6;

    /// <summary>Classes of the AU-derived emotion pretext head. Default 8 (neutral and seven EMFACS emotions).</summary>
    public int AuEmotionClasses { get; init; } = 8;

    /// <summary>Checks every value and their relations.</summary>
    /// <exception cref="ArgumentException">A value is out of range; the message names the property and the rule.</exception>
    public void Validate()
    {
        RequireAtLeast(ChunkFrames, 1, nameof(ChunkFrames));
        RequireAtLeast(MelBins, 1, nameof(MelBins));
        RequireAtLeast(EmbeddingDim, 1, nameof(EmbeddingDim));
        RequireAtLeast(AttentionDim, 1, nameof(AttentionDim));
        RequireAtLeast(AttentionHeads, 1, nameof(AttentionHeads));
        RequireAtLeast(EmotionClasses, 2, nameof(EmotionClasses));
        RequireAtLeast(AuEmotionClasses, 2, nameof(AuEmotionClasses));
        RequireAtLeast(KernelSize, 1, nameof(KernelSize));
        RequireAtLeast(PoolSize, 1, nameof(PoolSize));
        RequireAtLeast(FirstStride, 1, nameof(FirstStride));
        if (KernelSize % 2 == 0)
        {
            throw Invalid(nameof(KernelSize), $"must be odd so that padding keeps the map size (got {KernelSize})");
        }

        if (Channels is null || Channels.Count == 0)
        {
            throw Invalid(nameof(Channels), "must list at least one convolution block");
        }

        foreach (var channels in Channels)
        {
            RequireAtLeast(channels, 1, nameof(Channels));
        }

        if (!(Dropout >= 0.0 && Dropout < 1.0))
        {
            throw Invalid(nameof(Dropout), $"must be in [0, 1) (got {Dropout})");
        }

        if (!Enum.IsDefined(Aggregator))
        {
            throw Invalid(nameof(Aggregator), $"{Aggregator} is not a known aggregator");
        }

        if (Aggregator == AggregatorKind.SelfAttention && EmbeddingDim % AttentionHeads != 0)
        {
            throw Invalid(nameof(AttentionHeads), $"must divide EmbeddingDim {EmbeddingDim} (got {AttentionHeads})");
        }

        var (frames, bins) = (((ChunkFrames - 1) / FirstStride) + 1, ((MelBins - 1) / FirstStride) + 1);
        for (var block = 0; block < Channels.Count - 1; block++)
        {
            frames /= PoolSize;
            bins /= PoolSize;
            if (frames < 1 || bins < 1)
            {
                throw Invalid(nameof(Channels), $"{Channels.Count} blocks pool a {ChunkFrames} x {MelBins} chunk below one cell with PoolSize {PoolSize} and FirstStride {FirstStride}; use fewer blocks, a smaller stride or a larger chunk");
            }
        }
    }

    /// <summary>The options as indented camel-case JSON (the aggregator as <c>"mean"</c>, <c>"gated"</c> or <c>"self-attention"</c>).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    /// <summary>Reads options written by <see cref="ToJson"/> and validates them; properties not present keep their defaults.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The options.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    /// <exception cref="JsonException">The text is not JSON of this shape.</exception>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public static ModelOptions FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var options = JsonSerializer.Deserialize<ModelOptions>(json, s_json)
            ?? throw new JsonException("Model options JSON is null.");
        options.Validate();
        return options;
    }

    /// <inheritdoc />
    public bool Equals(ModelOptions? other) =>
        other is not null
        && ChunkFrames == other.ChunkFrames
        && MelBins == other.MelBins
        && (ReferenceEquals(Channels, other.Channels) || (Channels is not null && other.Channels is not null && Channels.SequenceEqual(other.Channels)))
        && KernelSize == other.KernelSize
        && PoolSize == other.PoolSize
        && FirstStride == other.FirstStride
        && EmbeddingDim == other.EmbeddingDim
        && Aggregator == other.Aggregator
        && AttentionDim == other.AttentionDim
        && AttentionHeads == other.AttentionHeads
        && Dropout.Equals(other.Dropout)
        && EmotionClasses == other.EmotionClasses
        && AuEmotionClasses == other.AuEmotionClasses;

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(ChunkFrames);
        hash.Add(MelBins);
        foreach (var channels in Channels ?? [])
        {
            hash.Add(channels);
        }

        hash.Add(KernelSize);
        hash.Add(PoolSize);
        hash.Add(FirstStride);
        hash.Add(EmbeddingDim);
        hash.Add(Aggregator);
        hash.Add(AttentionDim);
        hash.Add(AttentionHeads);
        hash.Add(Dropout);
        hash.Add(EmotionClasses);
        hash.Add(AuEmotionClasses);
        return hash.ToHashCode();
    }

    private static void RequireAtLeast(int value, int minimum, string name)
    {
        if (value < minimum)
        {
            throw Invalid(name, $"must be at least {minimum} (got {value})");
        }
    }

    private static ArgumentException Invalid(string name, string rule) => new($"ModelOptions.{name} {rule}.", name);
}
