using System.Diagnostics;
using SerSsl.Streaming.Pipeline;
using SerSsl.Streaming.Tests.Support;
using SerSsl.TestSupport;

namespace SerSsl.Streaming.Tests.Pipeline;

/// <summary>
/// Counts of the process's threads and open files around many sessions. They run alone, after the parallel tests:
/// any test running beside them starts threads and opens files of its own, and a count of the whole process would
/// blame this one for them.
/// </summary>
[Collection(RunAloneCollection.Name)]
public sealed class SessionLeakTests
{
    private const int Sessions = 40;

    [Fact]
    public async Task Sessions_StartedAndStoppedManyTimes_LeakNoThreadsOrHandles()
    {
        await using var engine = RecognitionEngine.Create(TestModel.Load());
        var ct = TestContext.Current.CancellationToken;
        await RunAndStop(engine, ct); // warm up: pools, timers and the thread pool's own threads
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var threadsBefore = Process.GetCurrentProcess().Threads.Count;
        var handlesBefore = Directory.GetFiles("/proc/self/fd").Length;

        for (var i = 0; i < Sessions; i++)
        {
            await RunAndStop(engine, ct);
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        await Task.Delay(200, ct);
        var threadsAfter = Process.GetCurrentProcess().Threads.Count;
        var handlesAfter = Directory.GetFiles("/proc/self/fd").Length;

        // A leak of one thread or file per session would show as +40; the thread pool may still add a few of its own.
        Assert.Empty(engine.Sessions);
        Assert.InRange(threadsAfter, 0, threadsBefore + 4);
        Assert.InRange(handlesAfter, 0, handlesBefore + 4);
    }

    private static async Task RunAndStop(RecognitionEngine engine, CancellationToken ct)
    {
        var session = await engine.StartSessionAsync(new EndlessToneSource(), cancellationToken: ct);
        await Task.Delay(20, ct);
        await engine.RemoveSessionAsync(session.Id);
    }
}

/// <summary>
/// Tests that run alone, after the parallel tests of this assembly: those that count the whole process's threads or
/// open files, and those whose timing a machine busy with other tests upsets (a shutdown within a bound, a browser's
/// real-time capture compared sample by sample).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunAloneCollection
{
    /// <summary>The collection name for <see cref="CollectionAttribute"/>.</summary>
    public const string Name = "Run alone";
}
