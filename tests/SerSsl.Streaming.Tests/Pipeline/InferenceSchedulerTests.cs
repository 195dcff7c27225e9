using System.Buffers;
using System.Diagnostics;
using SerSsl.Streaming.Inference;
using SerSsl.Streaming.Tests.Support;

namespace SerSsl.Streaming.Tests.Pipeline;

public sealed class InferenceSchedulerTests
{
    [Fact]
    public async Task Submit_OnlyActiveSessionsChunkIsQueued_RunsWithoutWaitingForMore()
    {
        using var model = OnnxEmotionModel.Load(TestModel.Load(), InferenceOptions.Default with { MaxWait = TimeSpan.FromSeconds(1) });
        using var scheduler = new InferenceScheduler(model);
        scheduler.AddSession();

        var elapsed = await RunOneChunk(model, scheduler);

        Assert.True(elapsed < TimeSpan.FromMilliseconds(500), $"a lone session's chunk waited {elapsed.TotalMilliseconds:F0} ms for company");
    }

    [Fact]
    public async Task Submit_AnotherActiveSessionHasNoChunkYet_WaitsUpToTheMaximumWait()
    {
        using var model = OnnxEmotionModel.Load(TestModel.Load(), InferenceOptions.Default with { MaxWait = TimeSpan.FromMilliseconds(300) });
        using var scheduler = new InferenceScheduler(model);
        scheduler.AddSession();
        scheduler.AddSession();

        var elapsed = await RunOneChunk(model, scheduler);

        Assert.True(elapsed >= TimeSpan.FromMilliseconds(250), $"the batch closed after {elapsed.TotalMilliseconds:F0} ms, before the other session's chunk could join");

        // The counter moves after the sinks hear back; give the scheduler thread a moment to get there.
        for (var i = 0; i < 100 && scheduler.BatchesRun == 0; i++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.Equal(1, scheduler.BatchesRun);
    }

    [Fact]
    public async Task Dispose_ChunksStillQueued_FailEachWithCancellation()
    {
        using var model = OnnxEmotionModel.Load(TestModel.Load(), InferenceOptions.Default with { MaxWait = TimeSpan.FromSeconds(1) });
        var scheduler = new InferenceScheduler(model);
        scheduler.AddSession();
        scheduler.AddSession();
        var window = new EmbeddingWindow(model.EmbeddingDim, model.MaxChunks, model.MaxBatch);
        var sink = new Sink();

        scheduler.Submit(new ChunkJob(sink, window, ArrayPool<float>.Shared.Rent(model.ChunkFrames * model.MelBins), null));
        scheduler.Dispose();

        var outcome = await sink.Outcome.Task.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.True(outcome is null || outcome is OperationCanceledException, $"unexpected outcome {outcome}");
        Assert.Throws<ObjectDisposedException>(() => scheduler.Submit(new ChunkJob(sink, window, new float[model.ChunkFrames * model.MelBins], null)));
    }

    private static async Task<TimeSpan> RunOneChunk(OnnxEmotionModel model, InferenceScheduler scheduler)
    {
        var window = new EmbeddingWindow(model.EmbeddingDim, model.MaxChunks, model.MaxBatch);
        var sink = new Sink();
        var chunk = ArrayPool<float>.Shared.Rent(model.ChunkFrames * model.MelBins);
        Array.Clear(chunk);
        var stopwatch = Stopwatch.StartNew();
        scheduler.Submit(new ChunkJob(sink, window, chunk, null));
        var outcome = await sink.Outcome.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        stopwatch.Stop();
        Assert.Null(outcome);
        return stopwatch.Elapsed;
    }

    /// <summary>Completes with null on a result, with the error on a failure.</summary>
    private sealed class Sink : IChunkSink
    {
        public TaskCompletionSource<Exception?> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnResult(ChunkJob job, ReadOnlySpan<float> probabilities) => Outcome.TrySetResult(null);

        public void OnFailure(ChunkJob job, Exception error) => Outcome.TrySetResult(error);
    }
}
