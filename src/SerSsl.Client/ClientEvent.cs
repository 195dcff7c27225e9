using Grpc.Core;
using SerSsl.Protos.V1;

namespace SerSsl.Client;

/// <summary>What a <see cref="ClientEvent"/> carries.</summary>
public enum ClientEventKind
{
    /// <summary>The server started the session (Recognize only, always first): <see cref="ClientEvent.Labels"/>.</summary>
    Started,

    /// <summary>An emotion estimate: <see cref="ClientEvent.Estimate"/>.</summary>
    Estimate,

    /// <summary>The start or end of an utterance: <see cref="ClientEvent.Utterance"/>.</summary>
    Utterance,

    /// <summary>Events are missing here: <see cref="ClientEvent.Gap"/>.</summary>
    Gap,

    /// <summary>A subscription was cut and is connected again (Subscribe only): <see cref="ClientEvent.Reconnect"/>.</summary>
    Reconnected,
}

/// <summary>One event of a Recognize or Subscribe stream.</summary>
public sealed record ClientEvent
{
    /// <summary>What the event carries; the matching property is set, the others are null.</summary>
    public required ClientEventKind Kind { get; init; }

    /// <summary>The session the event belongs to.</summary>
    public required string SessionId { get; init; }

    /// <summary>The model's labels, in the order of the estimates' probabilities (<see cref="ClientEventKind.Started"/>).</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>The estimate (<see cref="ClientEventKind.Estimate"/>).</summary>
    public EmotionEstimate? Estimate { get; init; }

    /// <summary>The utterance event (<see cref="ClientEventKind.Utterance"/>).</summary>
    public UtteranceEvent? Utterance { get; init; }

    /// <summary>The missing events (<see cref="ClientEventKind.Gap"/>).</summary>
    public EventGap? Gap { get; init; }

    /// <summary>How the subscription came back (<see cref="ClientEventKind.Reconnected"/>).</summary>
    public ReconnectInfo? Reconnect { get; init; }

    /// <summary>The event's place among the session's events (estimates and utterance events); null for the other kinds.</summary>
    public ulong? EventSequence => Estimate?.EventSequence ?? Utterance?.EventSequence;
}

/// <summary>Who noticed a gap.</summary>
public enum GapOrigin
{
    /// <summary>The server's gap event: the replay buffer had expired, or this stream fell behind.</summary>
    Server,

    /// <summary>
    /// The client's own check: after a reconnection the next event was past the one expected, with no gap event from
    /// the server for it.
    /// </summary>
    Client,
}

/// <summary>Events missing from a stream, by event sequence (estimates and utterance events together).</summary>
/// <param name="Origin">Who noticed.</param>
/// <param name="Reason">The server's reason; <see cref="GapReason.Unspecified"/> for a gap the client found.</param>
/// <param name="RequestedEventSequence">The first event that should have come next.</param>
/// <param name="NextEventSequence">The event that comes next instead.</param>
public sealed record EventGap(GapOrigin Origin, GapReason Reason, ulong RequestedEventSequence, ulong NextEventSequence)
{
    /// <summary>How many events are missing.</summary>
    public ulong DroppedEvents => NextEventSequence - RequestedEventSequence;
}

/// <summary>How a cut subscription came back.</summary>
/// <param name="Attempts">Attempts it took, from 1.</param>
/// <param name="Cause">The status that cut the subscription.</param>
/// <param name="CauseMessage">The message that came with it.</param>
/// <param name="ResumedFromEventSequence">The event sequence the new subscription starts at.</param>
/// <param name="SessionReplaced">
/// The server now runs another session under the same id (it started at another time, e.g. the server restarted and a
/// client started the session again): the subscription follows the new session from its first buffered event, and
/// event sequences start again from there.
/// </param>
public sealed record ReconnectInfo(int Attempts, StatusCode Cause, string CauseMessage, ulong ResumedFromEventSequence, bool SessionReplaced);
