using System.Runtime.CompilerServices;
using System.Threading.Channels;
using SerSsl.Protos.V1;
using SerSsl.Streaming.Pipeline;

namespace SerSsl.Streaming.Server;

/// <summary>
/// Fans one session's estimates and utterance events out to any number of subscribers. Subscribes once to the
/// session, keeps the last events in a bounded replay buffer (so a subscriber that reconnects with the next sequence
/// number it wants misses nothing), and gives each subscriber its own bounded buffer.
/// </summary>
/// <remarks>
/// Publishing never waits: a subscriber that reads too slowly loses its oldest buffered events, counted, and is told
/// with a <see cref="Gap"/> before the next event it reads. The session, and every other subscriber, go on at full pace.
/// </remarks>
internal sealed class SessionHub : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Queue<SessionEvent> _replay;
    private readonly List<Subscription> _subscribers = [];
    private readonly int _replayCapacity;
    private readonly int _subscriberCapacity;
    private readonly int _maxSubscribers;
    private readonly ServerMetrics _metrics;
    private readonly IDisposable _estimates;
    private readonly IDisposable _utterances;
    private ulong _availableFrom;
    private ulong _nextSequence;
    private bool _completed;
    private Exception? _error;

    /// <summary>Creates the hub and subscribes to the session; create it before the session starts publishing.</summary>
    public SessionHub(StreamingSession session, ServerOptions options, ServerMetrics metrics)
    {
        Session = session;
        _replayCapacity = options.ReplayCapacity;
        _subscriberCapacity = options.SubscriberBufferCapacity;
        _maxSubscribers = options.MaxSubscribersPerSession;
        _metrics = metrics;
        _replay = new Queue<SessionEvent>(_replayCapacity + 1);
        _utterances = session.Utterances.Subscribe(u => Publish(new SessionEvent { Utterance = u }, u.Sequence), _ => { }, () => { });
        _estimates = session.Estimates.Subscribe(OnEstimate, Complete, () => Complete(null));
    }

    /// <summary>The session.</summary>
    public StreamingSession Session { get; }

    /// <summary>Subscribers now.</summary>
    public int SubscriberCount
    {
        get
        {
            lock (_gate)
            {
                return _subscribers.Count;
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
    /// <param name="fromSequence">The first estimate sequence wanted; null for whatever comes next.</param>
    /// <param name="capacity">Events buffered for this subscriber; null for the server's setting.</param>
    /// <returns>The subscription, or null when the session has its maximum of subscribers.</returns>
    public Subscription? TrySubscribe(ulong? fromSequence, int? capacity = null)
    {
        lock (_gate)
        {
            if (_subscribers.Count >= _maxSubscribers)
            {
                return null;
            }

            var from = fromSequence ?? _nextSequence;
            var initial = new List<SessionEvent>();
            if (from < _availableFrom)
            {
                initial.Add(new SessionEvent
                {
                    Gap = new Gap
                    {
                        Reason = GapReason.ReplayExpired,
                        RequestedSequence = from,
                        NextSequence = _availableFrom,
                        DroppedEvents = _availableFrom - from,
                        DroppedEventsTotal = _availableFrom - from,
                    },
                });
            }

            var start = Math.Max(from, _availableFrom);
            initial.AddRange(_replay.Where(e => SequenceOf(e) >= start));
            var subscription = new Subscription(this, initial, from, capacity ?? _subscriberCapacity, initial.Count > 0 && initial[0].Gap is { } gap ? gap.DroppedEvents : 0);
            if (_completed)
            {
                subscription.Writer.TryComplete(_error);
            }
            else
            {
                _subscribers.Add(subscription);
                _metrics.SubscriberAdded();
            }

            return subscription;
        }
    }

    /// <summary>Ends every subscription now (server shutdown), without waiting for the session.</summary>
    public void CompleteSubscribers() => Complete(null);

    /// <inheritdoc />
    public void Dispose()
    {
        _estimates.Dispose();
        _utterances.Dispose();
        Complete(null);
    }

    private static ulong SequenceOf(SessionEvent e) => e.EventCase switch
    {
        SessionEvent.EventOneofCase.Estimate => e.Estimate.Sequence,
        SessionEvent.EventOneofCase.Utterance => e.Utterance.Sequence,
        _ => e.Gap.NextSequence,
    };

    private void OnEstimate(EmotionEstimate estimate)
    {
        _metrics.EstimatePublished(estimate.LatencyMs, estimate.DroppedSamples);
        Publish(new SessionEvent { Estimate = estimate }, estimate.Sequence);
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
            }

            _replay.Enqueue(e);
            if (_replay.Count > _replayCapacity)
            {
                // Conservative: an evicted utterance event makes its estimate's sequence unavailable too, so a resumed
                // stream never silently lacks an event it should have had.
                _availableFrom = Math.Max(_availableFrom, SequenceOf(_replay.Dequeue()) + 1);
            }

            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(e);
            }
        }
    }

    private void Complete(Exception? error)
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
                _metrics.SubscriberRemoved();
            }

            _subscribers.Clear();
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (_gate)
        {
            if (_subscribers.Remove(subscription))
            {
                _metrics.SubscriberRemoved();
            }
        }

        subscription.Writer.TryComplete();
    }

    /// <summary>One subscriber's view of the hub: replayed events, then live ones through its own bounded buffer.</summary>
    internal sealed class Subscription : IDisposable
    {
        private readonly SessionHub _hub;
        private readonly List<SessionEvent> _initial;
        private readonly Channel<SessionEvent> _channel;
        private readonly ulong _from;
        private long _lost;
        private long _lostReported;
        private ulong _lostTotal;

        internal Subscription(SessionHub hub, List<SessionEvent> initial, ulong from, int capacity, ulong lostAtStart)
        {
            _hub = hub;
            _initial = initial;
            _from = from;
            _lostTotal = lostAtStart;
            _channel = Channel.CreateBounded<SessionEvent>(
                new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = false },
                _ =>
                {
                    Interlocked.Increment(ref _lost);
                    hub._metrics.SubscriberEventDropped();
                });
        }

        /// <summary>Events this subscriber has lost so far (its buffer overflowed, or they had left the replay buffer).</summary>
        public ulong LostTotal => _lostTotal + (ulong)(Interlocked.Read(ref _lost) - Interlocked.Read(ref _lostReported));

        internal ChannelWriter<SessionEvent> Writer => _channel.Writer;

        /// <summary>
        /// The events in order: replayed ones, then live ones, with a <see cref="Gap"/> wherever some were lost. Ends when
        /// the session ends; throws the session's error if it failed.
        /// </summary>
        public async IAsyncEnumerable<SessionEvent> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var expected = _from;
            foreach (var e in _initial)
            {
                if (e.EventCase != SessionEvent.EventOneofCase.Gap)
                {
                    expected = Math.Max(expected, NextAfter(e));
                }

                yield return e;
            }

            _initial.Clear();
            while (await _channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_channel.Reader.TryRead(out var e))
                {
                    if (SequenceOf(e) < _from)
                    {
                        continue;
                    }

                    var lost = Interlocked.Read(ref _lost);
                    var delta = lost - _lostReported;
                    if (delta > 0)
                    {
                        _lostReported = lost;
                        _lostTotal += (ulong)delta;
                        yield return new SessionEvent
                        {
                            Gap = new Gap
                            {
                                Reason = GapReason.SubscriberOverflow,
                                RequestedSequence = expected,
                                NextSequence = SequenceOf(e),
                                DroppedEvents = (ulong)delta,
                                DroppedEventsTotal = _lostTotal,
                            },
                        };
                    }

                    expected = Math.Max(expected, NextAfter(e));
                    yield return e;
                }
            }
        }

        /// <inheritdoc />
        public void Dispose() => _hub.Remove(this);

        private static ulong NextAfter(SessionEvent e) => e.EventCase == SessionEvent.EventOneofCase.Estimate ? e.Estimate.Sequence + 1 : e.Utterance.Sequence;
    }
}
