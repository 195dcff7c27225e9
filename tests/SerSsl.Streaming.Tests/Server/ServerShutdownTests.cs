using System.Diagnostics;
using Grpc.Core;
using SerSsl.Protos.V1;
using SerSsl.Streaming.Tests.Pipeline;
using SerSsl.Streaming.Tests.Support;

namespace SerSsl.Streaming.Tests.Server;

/// <summary>
/// A graceful shutdown with streams open, within a time bound: run alone, since a machine busy with the parallel tests
/// can stretch the shutdown past the host's timeout, which then drops connections instead of ending their calls.
/// </summary>
[Collection(RunAloneCollection.Name)]
public sealed class ServerShutdownTests
{
    [Theory]
    [InlineData(Transport.InProcess)]
    [InlineData(Transport.Kestrel)]
    public async Task StopAsync_OpenStreams_EndsEveryStreamCleanly(Transport transport)
    {
        var ct = TestContext.Current.CancellationToken;
        var server = await ServerHarness.StartAsync(transport);
        await using var disposeServer = server;
        await server.Registry.StartAsync(new EndlessToneSource(), null, "live", ct);
        var calls = Enumerable.Range(0, 10).Select(_ => server.Client.Subscribe(new SubscribeRequest { SessionId = "live" }, cancellationToken: ct)).ToList();
        foreach (var call in calls)
        {
            Assert.True(await call.ResponseStream.MoveNext(ct));
        }

        using var recognize = server.Client.Recognize(cancellationToken: ct);
        await recognize.RequestStream.WriteAsync(ServerAudio.Config(), ct);
        Assert.True(await recognize.ResponseStream.MoveNext(ct));
        await recognize.RequestStream.WriteAsync(ServerAudio.Audio(new byte[3200]), ct);

        // Clients keep reading while the server stops, as real ones do.
        var reads = calls.Select(c => (Task)ServerAudio.ReadAll(c.ResponseStream, ct)).ToList();
        var recognizing = ServerAudio.ReadAll(recognize.ResponseStream, ct);
        var watch = Stopwatch.StartNew();
        await server.App.StopAsync(ct);
        watch.Stop();
        await Task.WhenAll(reads);
        var cut = await Assert.ThrowsAsync<RpcException>(() => recognizing);

        foreach (var call in calls)
        {
            Assert.True(call.GetStatus().StatusCode == StatusCode.OK, $"Subscribe: {call.GetStatus()}");
            call.Dispose();
        }

        // The uploading client was cut off mid-stream: retryable, never OK (its later audio was not processed).
        Assert.True(cut.StatusCode == StatusCode.Unavailable, $"Recognize: {cut.Status}");
        Assert.Contains("shutting down", cut.Status.Detail, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"shutdown took {watch.Elapsed}");
        TestContext.Current.SendDiagnosticMessage($"{transport}: shutdown with 11 open streams took {watch.Elapsed.TotalMilliseconds:F0} ms");
    }
}
