using System.Buffers;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SerSsl.Streaming.Inference;
using SerSsl.Streaming.Server;
using SerSsl.Streaming.Tests.Support;

namespace SerSsl.Streaming.Tests.Server;

public sealed class InferenceHealthTests
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(10);

    [Fact]
    public void InferenceHealth_RunningThenStopped_HealthyThenUnhealthy()
    {
        using var model = OnnxEmotionModel.Load(TestModel.Load());
        var scheduler = new InferenceScheduler(model);

        var running = RecognitionServer.InferenceHealth(scheduler, TimeSpan.FromSeconds(10));
        scheduler.Dispose();
        var stopped = RecognitionServer.InferenceHealth(scheduler, TimeSpan.FromSeconds(10));

        Assert.Equal(HealthStatus.Healthy, running.Status);
        Assert.Equal(HealthStatus.Unhealthy, stopped.Status);
        Assert.Contains("not running", stopped.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InferenceHealth_ABatchRunsPastTheThreshold_UnhealthyUntilItFinishes()
    {
        // Arrange: hold the scheduler thread inside a batch, as a stuck model would.
        var ct = TestContext.Current.CancellationToken;
        using var model = OnnxEmotionModel.Load(TestModel.Load());
        using var scheduler = new InferenceScheduler(model);
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        scheduler.BatchStarting = () =>
        {
            entered.Set();
            release.Wait(s_patience);
        };
        using var lane = scheduler.OpenLane<int>();
        var chunk = ArrayPool<float>.Shared.Rent(model.ChunkFrames * model.MelBins);
        Array.Clear(chunk);
        lane.Submit(chunk, 0);
        Assert.True(entered.Wait(s_patience, ct));

        // Act
        await Task.Delay(150, ct);
        var stalled = RecognitionServer.InferenceHealth(scheduler, TimeSpan.FromMilliseconds(100));
        release.Set();
        var result = await lane.Results.ReadAsync(ct).AsTask().WaitAsync(s_patience, ct);
        result.Return();
        // The thread clears its mark just after handing back the batch's results.
        await Eventually.WaitUntil(() => scheduler.Stall == TimeSpan.Zero, ct, s_patience, pollMilliseconds: 1);

        var after = RecognitionServer.InferenceHealth(scheduler, TimeSpan.FromMilliseconds(100));

        // Assert
        Assert.Equal(HealthStatus.Unhealthy, stalled.Status);
        Assert.Contains("stalled", stalled.Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Healthy, after.Status);
    }
}
