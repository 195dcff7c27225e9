using SerSsl.Protos.V1;

namespace SerSsl.Streaming.Pipeline;

/// <summary>What a session knows about one chunk besides its features: position, timing, speech and input conditions.</summary>
internal sealed record ChunkInfo
{
    /// <summary>Chunk index in the session, from 0; becomes the estimate's sequence number.</summary>
    public required long Index { get; init; }

    /// <summary>Start of the covered audio in seconds since the session began (dropped audio included).</summary>
    public required double StartSeconds { get; init; }

    /// <summary>End of the covered audio in seconds since the session began.</summary>
    public required double EndSeconds { get; init; }

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp of the arrival of the chunk's last sample.</summary>
    public required long ArrivalTimestamp { get; init; }

    /// <summary>Mean per-frame speech probability over the chunk.</summary>
    public required float SpeechProbability { get; init; }

    /// <summary>Input samples (per channel, at the source rate) dropped since the previous chunk.</summary>
    public ulong DroppedSamples { get; init; }

    /// <summary>Input samples dropped since the session began.</summary>
    public ulong DroppedSamplesTotal { get; init; }

    /// <summary>Unusual input conditions since the previous chunk.</summary>
    public IReadOnlyList<InputCondition> Conditions { get; init; } = [];
}
