using SerSsl.Protos.V1;
using SerSsl.Streaming.Pipeline;
using SerSsl.Streaming.Server;
using SerSsl.Streaming.Tests.Support;

namespace SerSsl.Streaming.Tests.Server;

public sealed class SessionHubTests
{
    [Fact]
    public async Task TrySubscribe_SequenceStillBuffered_ReplaysGapFree()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var engine = RecognitionEngine.Create(TestModel.Load());
        await using var registry = new SessionRegistry(engine, new ServerOptions { ReplayCapacity = 4096 });
        var hub = await registry.StartAsync(ServerAudio.Paced(4, speed: 1000), null, "a", ct);
        await hub.Session.Completion;

        using var subscription = hub.TrySubscribe(3)!;
        var events = await Read(subscription, ct);

        var sequences = events.Where(e => e.Estimate is not null).Select(e => e.Estimate.Sequence).ToList();
        Assert.DoesNotContain(events, e => e.Gap is not null);
        Assert.Equal(Enumerable.Range(3, (int)hub.Session.EstimatesPublished - 3).Select(i => (ulong)i), sequences);
    }

    [Fact]
    public async Task TrySubscribe_SequenceLeftTheBuffer_SaysSoThenGoesOn()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var engine = RecognitionEngine.Create(TestModel.Load());
        await using var registry = new SessionRegistry(engine, new ServerOptions { ReplayCapacity = 8 });
        var hub = await registry.StartAsync(ServerAudio.Paced(6, speed: 1000), null, "a", ct);
        await hub.Session.Completion;

        using var subscription = hub.TrySubscribe(0)!;
        var events = await Read(subscription, ct);

        var gap = Assert.IsType<Gap>(events[0].Gap);
        Assert.Equal(GapReason.ReplayExpired, gap.Reason);
        Assert.Equal(0ul, gap.RequestedSequence);
        Assert.True(gap.NextSequence > 0);
        Assert.Equal(gap.NextSequence, gap.DroppedEvents);
        var sequences = events.Skip(1).Where(e => e.Estimate is not null).Select(e => e.Estimate.Sequence).ToList();
        Assert.Equal(gap.NextSequence, sequences[0]);
        Assert.Equal((ulong)hub.Session.EstimatesPublished - 1, sequences[^1]);
        Assert.Equal(sequences.Count, sequences.Distinct().Count());
        Assert.True(events.Count - 1 <= 8);
    }

    [Fact]
    public async Task Publish_StalledSubscriber_OthersGetEverythingAndItIsToldWhatItLost()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var engine = RecognitionEngine.Create(TestModel.Load());
        await using var registry = new SessionRegistry(engine, new ServerOptions { SubscriberBufferCapacity = 4 });
        var hub = await registry.StartAsync(ServerAudio.Paced(8, speed: 1000), null, "a", ct);
        using var stalled = hub.TrySubscribe(0)!;
        using var reader = hub.TrySubscribe(0, capacity: 100_000)!;

        // The reader reads everything while the stalled subscriber reads nothing until the session has ended.
        var all = await Read(reader, ct);
        await hub.Session.Completion;
        var late = await Read(stalled, ct);

        Assert.DoesNotContain(all, e => e.Gap is not null);
        Assert.Equal(hub.Session.EstimatesPublished, all.Count(e => e.Estimate is not null));
        var gaps = late.Where(e => e.Gap is not null).Select(e => e.Gap).ToList();
        Assert.NotEmpty(gaps);
        Assert.All(gaps, g => Assert.Equal(GapReason.SubscriberOverflow, g.Reason));
        var received = late.Count(e => e.Gap is null);
        var dropped = gaps.Sum(g => (long)g.DroppedEvents);
        var replayed = all.Count - received - (int)dropped;
        Assert.Equal(0, replayed);
        Assert.Equal((ulong)dropped, stalled.LostTotal);
        Assert.Equal(all[^1].ToString(), late[^1].ToString());
    }

    [Fact]
    public async Task TrySubscribe_AtTheLimit_ReturnsNullAndDisposeFreesASlot()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var engine = RecognitionEngine.Create(TestModel.Load());
        await using var registry = new SessionRegistry(engine, new ServerOptions { MaxSubscribersPerSession = 2 });
        var hub = await registry.StartAsync(new EndlessToneSource(), null, "a", ct);
        var first = hub.TrySubscribe(null)!;
        using var second = hub.TrySubscribe(null)!;

        Assert.Null(hub.TrySubscribe(null));
        first.Dispose();
        using var third = hub.TrySubscribe(null);

        Assert.NotNull(third);
        Assert.Equal(2, hub.SubscriberCount);
        Assert.Equal(2, registry.Metrics.Subscribers);
    }

    private static async Task<List<SessionEvent>> Read(SessionHub.Subscription subscription, CancellationToken ct)
    {
        var events = new List<SessionEvent>();
        await foreach (var e in subscription.ReadAllAsync(ct))
        {
            events.Add(e);
        }

        return events;
    }
}
