using System.Buffers;
using Microsoft.Extensions.Time.Testing;
using SerSsl.Streaming.Inference;
using SerSsl.Streaming.Tests.Support;

namespace SerSsl.Streaming.Tests.Inference;

public sealed class InferenceSchedulerTests
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Submit_OnlyOpenLanesChunkIsQueued_RunsWithoutWaitingForTheClock()
    {
        // Arrange: a fake clock that never moves, so a batch that waited for company would never close.
        var ct = TestContext.Current.CancellationToken;
        using var model = OnnxEmotionModel.Load(TestModel.Load(), InferenceOptions.Default with { MaxWait = TimeSpan.FromSeconds(1) });
        using var scheduler = new InferenceScheduler(model, new FakeTimeProvider());
        using var lane = scheduler.OpenLane<int>();

        // Act
        lane.Submit(Chunk(model), 7);
        var result = await lane.Results.ReadAsync(ct).AsTask().WaitAsync(s_patience, ct);

        // Assert
        Assert.Null(result.Error);
        Assert.Equal(7, result.Tag);
        Assert.Equal(model.LabelCount, result.Span.Length);
        Assert.Equal(1f, result.Span.ToArray().Sum(), 1e-4f);
        result.Return();
    }

    [Fact]
    public async Task Submit_AnotherOpenLaneHasNoChunkYet_WaitsExactlyTheMaximumWait()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        var clock = new FakeTimeProvider();
        using var model = OnnxEmotionModel.Load(TestModel.Load(), InferenceOptions.Default with { MaxWait = TimeSpan.FromMilliseconds(300) });
        using var scheduler = new InferenceScheduler(model, clock);
        using var lane = scheduler.OpenLane<int>();
        using var idle = scheduler.OpenLane<int>();

        // Act: the batch holds its chunk for the idle lane until the clock passes the maximum wait.
        lane.Submit(Chunk(model), 1);
        await Eventually.WaitUntil(() => scheduler.QueueLength == 0, ct, s_patience, pollMilliseconds: 1);
        clock.Advance(TimeSpan.FromMilliseconds(299));
        var early = lane.Results.TryPeek(out _);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var result = await lane.Results.ReadAsync(ct).AsTask().WaitAsync(s_patience, ct);

        // Assert
        Assert.False(early, "the batch closed before the maximum wait, while another lane was open");
        Assert.Null(result.Error);
        result.Return();
        await Eventually.WaitUntil(() => scheduler.BatchesRun == 1, ct, s_patience, pollMilliseconds: 1);
    }

    [Fact]
    public async Task Complete_TheOtherLaneEnds_TheWaitingBatchRunsAtOnce()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        using var model = OnnxEmotionModel.Load(TestModel.Load(), InferenceOptions.Default with { MaxWait = TimeSpan.FromSeconds(1) });
        using var scheduler = new InferenceScheduler(model, new FakeTimeProvider());
        using var lane = scheduler.OpenLane<int>();
        var other = scheduler.OpenLane<int>();
        lane.Submit(Chunk(model), 1);
        await Eventually.WaitUntil(() => scheduler.QueueLength == 0, ct, s_patience, pollMilliseconds: 1);

        // Act: the other lane will submit nothing more.
        other.Complete();
        var result = await lane.Results.ReadAsync(ct).AsTask().WaitAsync(s_patience, ct);

        // Assert
        Assert.Null(result.Error);
        Assert.Equal(1, scheduler.OpenLanes);
        Assert.False(await other.Results.WaitToReadAsync(ct), "a completed lane with nothing submitted ends its results at once");
        result.Return();
        other.Dispose();
    }

    [Fact]
    public async Task Results_ManyChunksOnTwoLanes_EachLaneGetsItsOwnInSubmissionOrderThenEnds()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        using var model = OnnxEmotionModel.Load(TestModel.Load());
        using var scheduler = new InferenceScheduler(model);
        using var first = scheduler.OpenLane<string>();
        using var second = scheduler.OpenLane<string>();

        // Act
        for (var i = 0; i < 20; i++)
        {
            first.Submit(Chunk(model), $"a{i}");
            second.Submit(Chunk(model), $"b{i}");
        }

        first.Complete();
        second.Complete();
        var a = await ReadAll(first, ct);
        var b = await ReadAll(second, ct);

        // Assert
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"a{i}"), a);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"b{i}"), b);
        Assert.Equal(0, first.Outstanding);
        Assert.Throws<InvalidOperationException>(() => first.Submit(Chunk(model), "late"));
    }

    [Fact]
    public async Task Dispose_ChunksStillQueued_FailEachWithCancellationAndTheBatchInProgressFinishes()
    {
        // Arrange: hold the scheduler thread at the start of the first batch, so that the next chunks are certainly
        // still queued when the scheduler is disposed.
        var ct = TestContext.Current.CancellationToken;
        using var model = OnnxEmotionModel.Load(TestModel.Load());
        var scheduler = new InferenceScheduler(model);
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        scheduler.BatchStarting = () =>
        {
            if (!entered.IsSet)
            {
                entered.Set();
                release.Wait(s_patience);
            }
        };
        using var lane = scheduler.OpenLane<int>();
        lane.Submit(Chunk(model), 0);
        Assert.True(entered.Wait(s_patience, ct), "the first batch never started");
        for (var i = 1; i <= 3; i++)
        {
            lane.Submit(Chunk(model), i);
        }

        // Act: dispose while the batch is held; once the scheduler is stopping, let the batch go.
        var disposing = Task.Run(scheduler.Dispose, ct);
        await Eventually.WaitUntil(() => !scheduler.IsRunning, ct, s_patience, pollMilliseconds: 1);
        release.Set();
        await disposing.WaitAsync(s_patience, ct);
        Assert.Throws<ObjectDisposedException>(() => lane.Submit(new float[model.ChunkFrames * model.MelBins], 4));
        lane.Complete();
        var outcomes = new Dictionary<int, Exception?>();
        await foreach (var result in lane.Results.ReadAllAsync(ct))
        {
            outcomes[result.Tag] = result.Error;
            result.Return();
        }

        // Assert
        Assert.Equal([0, 1, 2, 3], outcomes.Keys.Order());
        Assert.Null(outcomes[0]);
        Assert.All([1, 2, 3], i => Assert.IsType<OperationCanceledException>(outcomes[i]));
        Assert.Throws<ObjectDisposedException>(() => scheduler.OpenLane<int>());
    }

    [Fact]
    public void Stall_BetweenBatches_IsZero()
    {
        using var model = OnnxEmotionModel.Load(TestModel.Load());
        using var scheduler = new InferenceScheduler(model);

        Assert.True(scheduler.IsRunning);
        Assert.Equal(TimeSpan.Zero, scheduler.Stall);
    }

    private static float[] Chunk(OnnxEmotionModel model)
    {
        var chunk = ArrayPool<float>.Shared.Rent(model.ChunkFrames * model.MelBins);
        Array.Clear(chunk);
        return chunk;
    }

    private static async Task<List<T>> ReadAll<T>(InferenceLane<T> lane, CancellationToken ct)
    {
        var tags = new List<T>();
        await foreach (var result in lane.Results.ReadAllAsync(ct))
        {
            Assert.Null(result.Error);
            tags.Add(result.Tag);
            result.Return();
        }

        return tags;
    }
}
