using SerSsl.Protos.V1;
using SerSsl.Streaming.Pipeline;

namespace SerSsl.Streaming.Tests.Pipeline;

/// <summary>The fan-out of one session's events, with synthetic events (no model needed).</summary>
public sealed class SessionEventHubTests
{
    [Fact]
    public async Task TrySubscribe_SequenceStillBuffered_ReplaysGapFree()
    {
        var ct = TestContext.Current.CancellationToken;
        var hub = new SessionEventHub(StreamingSessionOptions.Default with { ReplayCapacity = 4096 }, metrics: null);
        PublishEstimates(hub, 0, 20);
        hub.Complete(null);

        using var subscription = hub.TrySubscribe(3)!;
        var events = await Read(subscription, ct);

        Assert.DoesNotContain(events, e => e.Gap is not null);
        Assert.Equal(Enumerable.Range(3, 17).Select(i => (ulong)i), events.Select(e => e.Estimate.Sequence));
    }

    [Fact]
    public async Task TrySubscribe_SequenceLeftTheBuffer_SaysSoThenGoesOn()
    {
        var ct = TestContext.Current.CancellationToken;
        var hub = new SessionEventHub(StreamingSessionOptions.Default with { ReplayCapacity = 8 }, metrics: null);
        PublishEstimates(hub, 0, 30);
        hub.Complete(null);

        using var subscription = hub.TrySubscribe(0)!;
        var events = await Read(subscription, ct);

        var gap = Assert.IsType<Gap>(events[0].Gap);
        Assert.Equal(GapReason.ReplayExpired, gap.Reason);
        Assert.Equal(0ul, gap.RequestedSequence);
        Assert.Equal(22ul, gap.NextSequence);
        Assert.Equal(22ul, gap.DroppedEvents);
        Assert.Equal(Enumerable.Range(22, 8).Select(i => (ulong)i), events.Skip(1).Select(e => e.Estimate.Sequence));
    }

    [Fact]
    public async Task Publish_StalledSubscriber_OthersGetEverythingAndItIsToldWhatItLost()
    {
        var ct = TestContext.Current.CancellationToken;
        var metrics = new CountingMetrics();
        var hub = new SessionEventHub(StreamingSessionOptions.Default with { SubscriberBufferCapacity = 4 }, metrics);
        using var stalled = hub.TrySubscribe(0)!;
        using var reader = hub.TrySubscribe(0, capacity: 100_000)!;
        using var local = hub.TrySubscribe(0, lossless: true)!;

        PublishEstimates(hub, 0, 50);
        hub.Complete(null);
        var all = await Read(reader, ct);
        var everything = await Read(local, ct);
        var late = await Read(stalled, ct);

        Assert.Equal(50, all.Count);
        Assert.Equal(all.Select(e => e.ToString()), everything.Select(e => e.ToString()));
        var gap = Assert.Single(late, e => e.Gap is not null).Gap;
        Assert.Equal(GapReason.SubscriberOverflow, gap.Reason);
        Assert.Equal(46ul, gap.DroppedEvents);
        Assert.Equal(46ul, stalled.LostTotal);
        Assert.Equal(Enumerable.Range(46, 4).Select(i => (ulong)i), late.Where(e => e.Estimate is not null).Select(e => e.Estimate.Sequence));
        Assert.Equal(46, metrics.Dropped);
        Assert.Equal(50, metrics.Estimates);
    }

    [Fact]
    public async Task Complete_WithError_EverySubscriberThrowsItAfterTheEventsBefore()
    {
        var ct = TestContext.Current.CancellationToken;
        var hub = new SessionEventHub(StreamingSessionOptions.Default, metrics: null);
        using var subscription = hub.TrySubscribe(null, lossless: true)!;
        hub.Publish(new UtteranceEvent { Sequence = 0, Kind = UtteranceEventKind.Start });
        PublishEstimates(hub, 0, 2);
        hub.Complete(new InvalidOperationException("the model failed"));

        var events = new List<SessionEvent>();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var e in subscription.ReadAllAsync(ct))
            {
                events.Add(e);
            }
        });

        Assert.Equal("the model failed", error.Message);
        Assert.Equal([SessionEvent.EventOneofCase.Utterance, SessionEvent.EventOneofCase.Estimate, SessionEvent.EventOneofCase.Estimate], events.Select(e => e.EventCase));
        using var after = hub.TrySubscribe(0)!;
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await Read(after, ct));
    }

    [Fact]
    public void TrySubscribe_AtTheLimit_ReturnsNullDisposeFreesASlotAndLosslessOnesDoNotCount()
    {
        var metrics = new CountingMetrics();
        var hub = new SessionEventHub(StreamingSessionOptions.Default with { MaxSubscribers = 2 }, metrics);
        using var local = hub.TrySubscribe(null, lossless: true);
        var first = hub.TrySubscribe(null)!;
        using var second = hub.TrySubscribe(null)!;

        Assert.Null(hub.TrySubscribe(null));
        first.Dispose();
        using var third = hub.TrySubscribe(null);

        Assert.NotNull(local);
        Assert.NotNull(third);
        Assert.Equal(2, hub.SubscriberCount);
        Assert.Equal(2, metrics.Subscribers);
    }

    [Fact]
    public async Task TrySubscribe_FromEventAfterACutBeforeTheEstimate_ResumesWithoutRepeatingTheUtterance()
    {
        var ct = TestContext.Current.CancellationToken;
        var hub = new SessionEventHub(StreamingSessionOptions.Default with { ReplayCapacity = 4096 }, metrics: null);
        PublishTalk(hub, 12);
        hub.Complete(null);
        using var everything = hub.TrySubscribe(0)!;
        var all = await Read(everything, ct);

        // The client got an utterance start and was cut before its estimate.
        var cut = all.FindIndex(e => e.Utterance is { Kind: UtteranceEventKind.Start });
        var lastSeen = all[cut].Utterance.EventSequence;
        var lastEstimateSeen = all[cut - 1].Estimate.Sequence;
        using var exact = hub.TrySubscribe(fromSequence: null, fromEvent: lastSeen + 1)!;
        using var byEstimate = hub.TrySubscribe(lastEstimateSeen + 1)!;
        var resumed = await Read(exact, ct);
        var resumedByEstimate = await Read(byEstimate, ct);

        Assert.Equal(Enumerable.Range(0, all.Count).Select(i => (ulong)i), all.Select(SessionEventHub.EventSequenceOf));
        Assert.Equal(all.Skip(cut + 1).Select(e => e.ToString()), resumed.Select(e => e.ToString()));
        Assert.NotNull(resumed[0].Estimate);
        // By estimate sequence the utterance comes again, as the API says; by event sequence it does not.
        Assert.Equal(all[cut].ToString(), resumedByEstimate[0].ToString());
    }

    [Fact]
    public async Task TrySubscribe_EstimateSequenceLeftTheBuffer_GapCountsEventsUtterancesIncluded()
    {
        var ct = TestContext.Current.CancellationToken;
        var hub = new SessionEventHub(StreamingSessionOptions.Default with { ReplayCapacity = 8 }, metrics: null);
        var published = PublishTalk(hub, 30);
        hub.Complete(null);

        using var subscription = hub.TrySubscribe(2)!;
        var events = await Read(subscription, ct);

        var gap = Assert.IsType<Gap>(events[0].Gap);
        var firstWanted = published.FindIndex(e => SessionEventHub.SequenceOf(e) >= 2);
        var firstGot = SessionEventHub.EventSequenceOf(events[1]);
        Assert.Equal(GapReason.ReplayExpired, gap.Reason);
        Assert.Equal((ulong)firstWanted, gap.RequestedEventSequence);
        Assert.Equal(firstGot, gap.NextEventSequence);
        Assert.Equal(firstGot - (ulong)firstWanted, gap.DroppedEvents);
        Assert.True(published.Take((int)firstGot).Skip(firstWanted).Any(e => e.Utterance is not null), "the lost stretch should hold utterance events");
        Assert.Equal(published.Skip((int)firstGot).Select(e => e.ToString()), events.Skip(1).Select(e => e.ToString()));
    }

    [Fact]
    public async Task TrySubscribe_EventSequenceLeftTheBuffer_GapSaysHowManyEventsThenGoesOn()
    {
        var ct = TestContext.Current.CancellationToken;
        var hub = new SessionEventHub(StreamingSessionOptions.Default with { ReplayCapacity = 8 }, metrics: null);
        var published = PublishTalk(hub, 30);
        hub.Complete(null);

        using var subscription = hub.TrySubscribe(fromSequence: null, fromEvent: 3)!;
        var events = await Read(subscription, ct);

        var gap = Assert.IsType<Gap>(events[0].Gap);
        Assert.Equal(3ul, gap.RequestedEventSequence);
        Assert.Equal((ulong)(published.Count - 8), gap.NextEventSequence);
        Assert.Equal(gap.NextEventSequence - 3, gap.DroppedEvents);
        Assert.Equal(published.Skip(published.Count - 8).Select(e => e.ToString()), events.Skip(1).Select(e => e.ToString()));
    }

    [Fact]
    public async Task Publish_StalledSubscriberWithUtterances_OverflowGapCountsInTheEventSpace()
    {
        var ct = TestContext.Current.CancellationToken;
        var hub = new SessionEventHub(StreamingSessionOptions.Default with { SubscriberBufferCapacity = 4 }, metrics: null);
        using var stalled = hub.TrySubscribe(0)!;

        var published = PublishTalk(hub, 40);
        hub.Complete(null);
        var late = await Read(stalled, ct);

        var gap = Assert.Single(late, e => e.Gap is not null).Gap;
        Assert.Equal(GapReason.SubscriberOverflow, gap.Reason);
        Assert.Equal(0ul, gap.RequestedEventSequence);
        Assert.Equal(gap.NextEventSequence - gap.RequestedEventSequence, gap.DroppedEvents);
        Assert.Equal((ulong)published.Count, gap.DroppedEvents + (ulong)late.Count(e => e.Gap is null));
        Assert.Equal(gap.DroppedEvents, stalled.LostTotal);
    }

    /// <summary>
    /// Estimates 0 to count - 1 with an utterance starting at every 5th + 1 estimate and ending 2 later, published as a
    /// session does (utterance events just before their estimate); returns them as published, event sequences set.
    /// </summary>
    private static List<SessionEvent> PublishTalk(SessionEventHub hub, int count)
    {
        var published = new List<SessionEvent>();
        for (var i = 0; i < count; i++)
        {
            if (i % 5 is 1 or 3)
            {
                var utterance = new UtteranceEvent { SessionId = "hub", Kind = i % 5 == 1 ? UtteranceEventKind.Start : UtteranceEventKind.End, Sequence = (ulong)i };
                hub.Publish(utterance);
                published.Add(new SessionEvent { Utterance = utterance });
            }

            var estimate = new EmotionEstimate { SessionId = "hub", Sequence = (ulong)i, TopLabel = "NEU" };
            hub.Publish(estimate);
            published.Add(new SessionEvent { Estimate = estimate });
        }

        return published;
    }

    private static void PublishEstimates(SessionEventHub hub, int first, int count)
    {
        for (var i = first; i < first + count; i++)
        {
            hub.Publish(new EmotionEstimate { SessionId = "hub", Sequence = (ulong)i, TopLabel = "NEU" });
        }
    }

    private static async Task<List<SessionEvent>> Read(SessionSubscription subscription, CancellationToken ct)
    {
        var events = new List<SessionEvent>();
        await foreach (var e in subscription.ReadAllAsync(ct))
        {
            events.Add(e);
        }

        return events;
    }

    private sealed class CountingMetrics : ISessionMetrics
    {
        public int Estimates { get; private set; }

        public int Subscribers { get; private set; }

        public int Dropped { get; private set; }

        public void EstimatePublished(double latencyMs, ulong droppedSamples) => Estimates++;

        public void SubscriberAdded() => Subscribers++;

        public void SubscriberRemoved() => Subscribers--;

        public void SubscriberEventDropped() => Dropped++;
    }
}
