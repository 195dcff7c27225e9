using System.Runtime.CompilerServices;
using System.Threading.Channels;
using SerSsl.Protos.V1;

namespace SerSsl.Streaming.Pipeline;

/// <summary>Counters a session's fan-out reports to (the server's metrics); every method must be cheap and thread-safe.</summary>
internal interface ISessionMetrics
{
    /// <summary>An estimate was published.</summary>
    public void EstimatePublished(double latencyMs, ulong droppedSamples);

    /// <summary>A network subscriber joined.</summary>
    public void SubscriberAdded();

    /// <summary>A network subscriber left.</summary>
    public void SubscriberRemoved();

    /// <summary>A slow subscriber lost an event.</summary>
    public void SubscriberEventDropped();
}

/// <summary>
/// A session's one ordered output, fanned out to any number of subscribers: its estimates and utterance events in the
/// order the session publishes them, then the end (the stream completes, or fails with the session's error). Keeps
/// the last events in a bounded replay buffer (so a subscriber that reconnects with the next sequence number it wants
/// misses nothing), and gives each subscriber its own buffer.
/// </summary>
/// <remarks>
/// <para>
/// Publishing never waits. A network subscriber (bounded buffer) that reads too slowly loses its oldest buffered
/// events, counted, and is told with a <see cref="Gap"/> before the next event it reads; the session, and every other
/// subscriber, go on at full pace. An in-process subscriber may ask to be lossless instead (an unbounded buffer: it
/// must keep up on average, as a file analysis or the console view does).
/// </para>
/// <para>
/// The session publishes nothing before it starts, so whoever subscribes before <see cref="StreamingSession.Start"/>
/// sees every event from the first.
/// </para>
/// <para>
/// Every estimate and utterance event gets an event sequence number, gap-free from 0 over both kinds: the one space
/// in which a subscription resumes exactly and in which every <see cref="Gap"/> counts what was lost. The estimate
/// sequence (one per chunk) stays as it was, and a subscription may still start at an estimate.
/// </para>
/// </remarks>
internal sealed class SessionEventHub
{
    private readonly Lock _gate = new();
    private readonly Queue<SessionEvent> _replay;
    private readonly List<SessionSubscription> _subscribers = [];
    private readonly int _replayCapacity;
    private readonly int _subscriberCapacity;
    private readonly int _maxSubscribers;
    private readonly ISessionMetrics? _metrics;
    // The estimate sequence numbers of the utterance events that have left the replay buffer, in order: where an
    // expired estimate-sequence request falls in the event space (8 bytes per utterance event, for the session's life).
    private readonly List<ulong> _evictedUtterances = [];
    private ulong _availableFrom;
    private ulong _nextSequence;
    private ulong _nextEvent;
    private bool _completed;
    private Exception? _error;

    /// <summary>Creates an empty hub.</summary>
    /// <param name="options">Replay and subscriber buffer sizes, and the most network subscribers.</param>
    /// <param name="metrics">Where to count estimates and subscribers; null for nowhere.</param>
    public SessionEventHub(StreamingSessionOptions options, ISessionMetrics? metrics)
    {
        _replayCapacity = options.ReplayCapacity;
        _subscriberCapacity = options.SubscriberBufferCapacity;
        _maxSubscribers = options.MaxSubscribers;
        _metrics = metrics;
        _replay = new Queue<SessionEvent>(_replayCapacity + 1);
    }

    /// <summary>Network (bounded) subscribers now; lossless in-process ones are not counted.</summary>
    public int SubscriberCount
    {
        get
        {
            lock (_gate)
            {
                return _subscribers.Count(s => !s.Lossless);
            }
        }
    }

    /// <summary>The sequence number of the next estimate.</summary>
    public ulong NextSequence
    {
        get
        {
            lock (_gate)
            {
                return _nextSequence;
            }
        }
    }

    /// <summary>True once the session has ended and every subscriber has been told.</summary>
    public bool IsCompleted
    {
        get
        {
            lock (_gate)
            {
                return _completed;
            }
        }
    }

    /// <summary>Adds a subscriber.</summary>
    /// <param name="fromSequence">The first estimate sequence wanted (with the utterance events just before it); null for whatever comes next.</param>
    /// <param name="capacity">Events buffered for this subscriber; null for the session's setting.</param>
    /// <param name="lossless">An in-process subscriber that must see every event: unbounded, never dropped, not counted against the limit.</param>
    /// <param name="fromEvent">The first event sequence wanted, instead of <paramref name="fromSequence"/>: resumes exactly after the last event seen.</param>
    /// <returns>The subscription, or null when the session has its maximum of subscribers.</returns>
    public SessionSubscription? TrySubscribe(ulong? fromSequence, int? capacity = null, bool lossless = false, ulong? fromEvent = null)
    {
        lock (_gate)
        {
            if (!lossless && _subscribers.Count(s => !s.Lossless) >= _maxSubscribers)
            {
                return null;
            }

            var from = fromSequence ?? _nextSequence;
            var initial = new List<SessionEvent>();
            Gap? expired = null;
            if (fromEvent is { } wanted)
            {
                var oldest = _replay.Count > 0 ? EventSequenceOf(_replay.Peek()) : _nextEvent;
                if (wanted < oldest)
                {
                    expired = new Gap
                    {
                        RequestedEventSequence = wanted,
                        NextEventSequence = oldest,
                        NextSequence = _replay.Count > 0 ? SequenceOf(_replay.Peek()) : _nextSequence,
                    };
                }

                initial.AddRange(_replay.Where(e => EventSequenceOf(e) >= wanted));
            }
            else
            {
                var start = Math.Max(from, _availableFrom);
                initial.AddRange(_replay.Where(e => SequenceOf(e) >= start));
                if (from < _availableFrom)
                {
                    // Every event before estimate `from` has left the buffer: it stood at `from` plus the utterance
                    // events before it.
                    expired = new Gap
                    {
                        RequestedSequence = from,
                        NextSequence = _availableFrom,
                        RequestedEventSequence = from + (ulong)UtterancesEvictedBefore(from),
                        NextEventSequence = initial.Count > 0 ? EventSequenceOf(initial[0]) : _nextEvent,
                    };
                }
            }

            ulong lostAtStart = 0;
            if (expired is not null)
            {
                expired.Reason = GapReason.ReplayExpired;
                expired.DroppedEvents = expired.NextEventSequence - expired.RequestedEventSequence;
                expired.DroppedEventsTotal = expired.DroppedEvents;
                lostAtStart = expired.DroppedEvents;
                initial.Insert(0, new SessionEvent { Gap = expired });
            }

            // Where the subscriber's event stream starts: what it asked for, past any expired part, else what comes next.
            var startEvent = expired?.NextEventSequence ?? fromEvent ?? (initial.Count > 0 ? EventSequenceOf(initial[0]) : _nextEvent);
            var subscription = new SessionSubscription(this, initial, from, fromEvent, startEvent, lossless ? null : capacity ?? _subscriberCapacity, lostAtStart);
            if (_completed)
            {
                subscription.Writer.TryComplete(_error);
            }
            else
            {
                _subscribers.Add(subscription);
                if (!lossless)
                {
                    _metrics?.SubscriberAdded();
                }
            }

            return subscription;
        }
    }

    /// <summary>Ends every subscription now (server shutdown), without waiting for the session.</summary>
    public void CompleteSubscribers() => Complete(null);

    /// <summary>Publishes an utterance event (before the estimate it came with).</summary>
    public void Publish(UtteranceEvent utterance) => Publish(new SessionEvent { Utterance = utterance }, utterance.Sequence);

    /// <summary>Publishes an estimate.</summary>
    public void Publish(EmotionEstimate estimate)
    {
        _metrics?.EstimatePublished(estimate.LatencyMs, estimate.DroppedSamples);
        Publish(new SessionEvent { Estimate = estimate }, estimate.Sequence);
    }

    /// <summary>Ends the stream: every subscription completes, with <paramref name="error"/> when the session failed. Idempotent.</summary>
    public void Complete(Exception? error)
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            _error = error;
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryComplete(error);
                if (!subscriber.Lossless)
                {
                    _metrics?.SubscriberRemoved();
                }
            }

            _subscribers.Clear();
        }
    }

    private void Publish(SessionEvent e, ulong sequence)
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            if (e.EventCase == SessionEvent.EventOneofCase.Estimate)
            {
                _nextSequence = sequence + 1;
                e.Estimate.EventSequence = _nextEvent++;
            }
            else
            {
                e.Utterance.EventSequence = _nextEvent++;
            }

            _replay.Enqueue(e);
            if (_replay.Count > _replayCapacity)
            {
                // Conservative: an evicted utterance event makes its estimate's sequence unavailable too, so a resumed
                // stream never silently lacks an event it should have had.
                var evicted = _replay.Dequeue();
                if (evicted.Utterance is { } utterance)
                {
                    _evictedUtterances.Add(utterance.Sequence);
                }

                _availableFrom = Math.Max(_availableFrom, SequenceOf(evicted) + 1);
            }

            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(e);
            }
        }
    }

    internal void Remove(SessionSubscription subscription)
    {
        lock (_gate)
        {
            if (_subscribers.Remove(subscription) && !subscription.Lossless)
            {
                _metrics?.SubscriberRemoved();
            }
        }

        subscription.Writer.TryComplete();
    }

    internal void EventDropped() => _metrics?.SubscriberEventDropped();

    /// <summary>An estimate's or utterance event's place in the session's one event space.</summary>
    internal static ulong EventSequenceOf(SessionEvent e) => e.EventCase == SessionEvent.EventOneofCase.Estimate ? e.Estimate.EventSequence : e.Utterance.EventSequence;

    /// <summary>How many evicted utterance events belong to estimates before <paramref name="sequence"/> (the list is in order).</summary>
    private int UtterancesEvictedBefore(ulong sequence)
    {
        int low = 0, high = _evictedUtterances.Count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (_evictedUtterances[middle] < sequence)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    internal static ulong SequenceOf(SessionEvent e) => e.EventCase switch
    {
        SessionEvent.EventOneofCase.Estimate => e.Estimate.Sequence,
        SessionEvent.EventOneofCase.Utterance => e.Utterance.Sequence,
        _ => e.Gap.NextSequence,
    };
}

/// <summary>One subscriber's view of the hub: replayed events, then live ones through its own bounded buffer.</summary>
internal sealed class SessionSubscription : IDisposable
{
    private readonly SessionEventHub _hub;
    private readonly List<SessionEvent> _initial;
    private readonly Channel<SessionEvent> _channel;
    private readonly ulong _from;
    private readonly ulong? _fromEvent;
    private readonly ulong _startEvent;
    private long _lost;
    private long _lostReported;
    private ulong _lostTotal;

    internal SessionSubscription(SessionEventHub hub, List<SessionEvent> initial, ulong from, ulong? fromEvent, ulong startEvent, int? capacity, ulong lostAtStart)
    {
        _hub = hub;
        _initial = initial;
        _from = from;
        _fromEvent = fromEvent;
        _startEvent = startEvent;
        _lostTotal = lostAtStart;
        Lossless = capacity is null;
        _channel = capacity is { } bounded
            ? Channel.CreateBounded<SessionEvent>(
                new BoundedChannelOptions(bounded) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = false },
                _ =>
                {
                    Interlocked.Increment(ref _lost);
                    hub.EventDropped();
                })
            : Channel.CreateUnbounded<SessionEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    }

    /// <summary>True for an unbounded in-process subscription that never loses an event.</summary>
    public bool Lossless { get; }

    /// <summary>Events this subscriber has lost so far (its buffer overflowed, or they had left the replay buffer).</summary>
    public ulong LostTotal => _lostTotal + (ulong)(Interlocked.Read(ref _lost) - Interlocked.Read(ref _lostReported));

    internal ChannelWriter<SessionEvent> Writer => _channel.Writer;

    /// <summary>
    /// The events in order: replayed ones, then live ones, with a <see cref="Gap"/> wherever some were lost. Ends when
    /// the session ends; throws the session's error if it failed.
    /// </summary>
    /// <remarks>
    /// A gap is found in the event space: the next event's event sequence is past the one expected. Its counts are
    /// that difference, so they agree with the event sequence numbers whichever way the events were lost.
    /// </remarks>
    public async IAsyncEnumerable<SessionEvent> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var expected = _from;
        var expectedEvent = _startEvent;
        foreach (var e in _initial)
        {
            if (e.Gap is { } replayGap)
            {
                expectedEvent = replayGap.NextEventSequence;
            }
            else
            {
                expected = Math.Max(expected, NextAfter(e));
                expectedEvent = SessionEventHub.EventSequenceOf(e) + 1;
            }

            yield return e;
        }

        _initial.Clear();
        while (await _channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (_channel.Reader.TryRead(out var e))
            {
                var eventSequence = SessionEventHub.EventSequenceOf(e);
                if (_fromEvent is { } fromEvent ? eventSequence < fromEvent : SessionEventHub.SequenceOf(e) < _from)
                {
                    // Before where the subscriber asked to start: not lost, not wanted.
                    expectedEvent = Math.Max(expectedEvent, eventSequence + 1);
                    continue;
                }

                if (eventSequence > expectedEvent)
                {
                    var dropped = eventSequence - expectedEvent;
                    _lostReported = Interlocked.Read(ref _lost);
                    _lostTotal += dropped;
                    yield return new SessionEvent
                    {
                        Gap = new Gap
                        {
                            Reason = GapReason.SubscriberOverflow,
                            RequestedSequence = expected,
                            NextSequence = SessionEventHub.SequenceOf(e),
                            DroppedEvents = dropped,
                            DroppedEventsTotal = _lostTotal,
                            RequestedEventSequence = expectedEvent,
                            NextEventSequence = eventSequence,
                        },
                    };
                }

                expected = Math.Max(expected, NextAfter(e));
                expectedEvent = eventSequence + 1;
                yield return e;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _hub.Remove(this);

    private static ulong NextAfter(SessionEvent e) => e.EventCase == SessionEvent.EventOneofCase.Estimate ? e.Estimate.Sequence + 1 : e.Utterance.Sequence;
}
