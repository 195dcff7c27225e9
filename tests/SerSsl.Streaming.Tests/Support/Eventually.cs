using System.Diagnostics;

namespace SerSsl.Streaming.Tests.Support;

/// <summary>Polls for a condition that another thread makes true (a counter the scheduler moves, a subscriber leaving).</summary>
internal static class Eventually
{
    /// <summary>Returns once <paramref name="condition"/> holds; fails the test when it has not within <paramref name="timeout"/> (default 10 s).</summary>
    public static async Task WaitUntil(Func<bool> condition, CancellationToken ct, TimeSpan? timeout = null, int pollMilliseconds = 20)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < limit, $"The condition did not hold within {limit.TotalSeconds:F0} s.");
            await Task.Delay(pollMilliseconds, ct);
        }
    }
}
