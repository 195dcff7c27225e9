using Grpc.Core;
using SerSsl.TestSupport;

namespace SerSsl.Client.Tests;

/// <summary>The typed client against <c>sers serve</c> on a loopback port.</summary>
public sealed class SerSslClientTests : IDisposable
{
    private const string Key = "0123456789abcdef0123456789abcdef";
    private readonly string _dir = RepoPaths.NewTempDirectory("client");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task RecognizeWavAsync_DemoExcerpt_StartedThenGapFreeEstimatesFromZero()
    {
        var ct = TestContext.Current.CancellationToken;
        var wav = ClientTestAudio.WriteExcerpt(_dir, 6, channels: 2);
        await using var server = await SersProcess.StartAsync(cancellationToken: ct);
        using var client = new SerSslClient(server.Address);
        var model = await client.GetModelInfoAsync(ct);

        await using var stream = File.OpenRead(wav);
        var events = await Collect(client.RecognizeWavAsync(stream, new RecognizeOptions { SessionId = "demo", RealTime = true, RealTimeLead = TimeSpan.FromSeconds(0.5) }, ct), ct);

        Assert.Equal(ClientEventKind.Started, events[0].Kind);
        Assert.Equal("demo", events[0].SessionId);
        Assert.Equal(model.Labels, events[0].Labels);
        var estimates = events.Where(e => e.Kind == ClientEventKind.Estimate).Select(e => e.Estimate!).ToList();
        // 1 s chunks every 0.25 s: about 21, fewer when a loaded machine makes the live session drop audio.
        Assert.True(estimates.Count >= 12, $"{estimates.Count} estimates of 6 s, {estimates[^1].DroppedSamplesTotal} samples dropped");
        Assert.Equal(Enumerable.Range(0, estimates.Count).Select(i => (ulong)i), estimates.Select(e => e.Sequence));
        Assert.DoesNotContain(events, e => e.Kind == ClientEventKind.Gap);
        Assert.All(estimates, e => Assert.Equal("demo", e.SessionId));
        Assert.All(estimates, e => Assert.Contains(e.TopLabel, model.Labels));
        Assert.InRange(estimates[^1].EndSeconds, 5.5, 6.5);
        var eventSequences = events.Where(e => e.EventSequence is not null).Select(e => e.EventSequence!.Value).ToList();
        Assert.Equal(Enumerable.Range(0, eventSequences.Count).Select(i => (ulong)i), eventSequences);
    }

    [Fact]
    public async Task SubscribeAsync_WhileRecognizing_GetsTheSameEstimatesAndListSessionsNamesTheSession()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await SersProcess.StartAsync(cancellationToken: ct);
        using var client = new SerSslClient(server.Address);
        var recognized = new List<ClientEvent>();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var recognize = Task.Run(async () =>
        {
            await foreach (var e in client.RecognizeAsync(ClientTestAudio.Blocks(5), ClientAudioFormat.Mono16k, new RecognizeOptions { SessionId = "desk", RealTime = true, RealTimeLead = TimeSpan.FromSeconds(1) }, ct))
            {
                recognized.Add(e);
                started.TrySetResult();
            }
        }, ct);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);

        var sessions = await client.ListSessionsAsync(ct);
        var subscribed = await Collect(client.SubscribeAsync("desk", fromSequence: 0, ct), ct);
        await recognize;

        var session = Assert.Single(sessions);
        Assert.Equal("desk", session.SessionId);
        Assert.True(session.Live);
        var expected = recognized.Where(e => e.Kind == ClientEventKind.Estimate).Select(e => (e.Estimate!.Sequence, e.Estimate.TopLabel, e.Estimate.Confidence)).ToList();
        var actual = subscribed.Where(e => e.Kind == ClientEventKind.Estimate).Select(e => (e.Estimate!.Sequence, e.Estimate.TopLabel, e.Estimate.Confidence)).ToList();
        Assert.True(expected.Count >= 12, $"{expected.Count} estimates of 5 s");
        Assert.Equal(expected, actual);
        Assert.DoesNotContain(subscribed, e => e.Kind is ClientEventKind.Gap or ClientEventKind.Reconnected);
        Assert.Empty(await client.ListSessionsAsync(ct));
    }

    [Fact]
    public async Task Calls_ServerWithAKey_NoKeyAndAWrongKeyAreRefusedAndTheRightKeyWorks()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await SersProcess.StartAsync(extraArgs: ["--api-key", Key], cancellationToken: ct);
        using var anonymous = new SerSslClient(server.Address);
        using var wrong = new SerSslClient(server.Address, new SerSslClientOptions { ApiKey = "not-the-key-at-all-0000" });
        using var right = new SerSslClient(server.Address, new SerSslClientOptions { ApiKey = Key });

        var missing = await Assert.ThrowsAsync<SerSslException>(() => anonymous.GetModelInfoAsync(ct));
        var refused = await Assert.ThrowsAsync<SerSslException>(() => wrong.ListSessionsAsync(ct));
        var subscribe = await Assert.ThrowsAsync<SerSslException>(() => Collect(anonymous.SubscribeAsync("anything", cancellationToken: ct), ct));
        var model = await right.GetModelInfoAsync(ct);

        Assert.Equal(StatusCode.Unauthenticated, missing.StatusCode);
        Assert.Contains("SerSslClientOptions.ApiKey", missing.Message, StringComparison.Ordinal);
        Assert.Contains(missing.ServerMessage, missing.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(missing.ServerMessage));
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Contains("did not accept", refused.Message, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unauthenticated, subscribe.StatusCode); // refused at once, never retried
        Assert.NotEmpty(model.Labels);
        Assert.Empty(await right.ListSessionsAsync(ct));
    }

    [Fact]
    public async Task SubscribeAsync_UnknownSession_FailsAtOnceWithTheServersMessage()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await SersProcess.StartAsync(cancellationToken: ct);
        using var client = new SerSslClient(server.Address);

        var ex = await Assert.ThrowsAsync<SerSslSessionNotFoundException>(() => Collect(client.SubscribeAsync("nobody", cancellationToken: ct), ct));

        Assert.Equal("nobody", ex.SessionId);
        Assert.Equal(0, ex.Attempts);
        Assert.Contains("No session 'nobody'", ex.ServerMessage, StringComparison.Ordinal);
        Assert.Contains(server.Address.ToString().TrimEnd('/'), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecognizeAsync_SessionIdTaken_ThrowsAlreadyExistsWithTheServersMessage()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await SersProcess.StartAsync(cancellationToken: ct);
        using var client = new SerSslClient(server.Address);
        var first = client.RecognizeAsync(ClientTestAudio.Blocks(3), ClientAudioFormat.Mono16k, new RecognizeOptions { SessionId = "taken", RealTime = true }, ct).GetAsyncEnumerator(ct);
        Assert.True(await first.MoveNextAsync());

        var ex = await Assert.ThrowsAsync<SerSslException>(() => Collect(client.RecognizeAsync(ClientTestAudio.Blocks(1), ClientAudioFormat.Mono16k, new RecognizeOptions { SessionId = "taken" }, ct), ct));
        await first.DisposeAsync();

        Assert.Equal(StatusCode.AlreadyExists, ex.StatusCode);
        Assert.Contains("taken", ex.ServerMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubscribeAsync_ServerKilledAndRestartedWithTheSessionAgain_ReconnectsAndFollowsTheNewSessionFromItsStart()
    {
        var ct = TestContext.Current.CancellationToken;
        var server = await SersProcess.StartAsync(cancellationToken: ct);
        var port = server.Port;
        var options = new SerSslClientOptions { Reconnect = new ReconnectPolicy { MaxAttempts = 40, InitialDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(500) } };
        using var client = new SerSslClient(server.Address, options);
        var feeder = Feed(client, "restart", seconds: 20, ct);
        await WaitForSession(client, "restart", ct);
        var events = new List<ClientEvent>();
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = Task.Run(async () =>
        {
            await foreach (var e in client.SubscribeAsync("restart", fromSequence: 0, ct))
            {
                lock (events)
                {
                    events.Add(e);
                    if (events.Count(x => x.Kind == ClientEventKind.Estimate) == 3)
                    {
                        enough.TrySetResult();
                    }
                }
            }
        }, ct);
        await enough.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);

        await server.KillAsync();
        await server.DisposeAsync();
        await Assert.ThrowsAnyAsync<SerSslException>(() => feeder); // its own Recognize call was cut
        int beforeRestart;
        lock (events)
        {
            beforeRestart = events.Count;
        }

        await Task.Delay(300, ct); // a few attempts fail while nothing listens
        await using var restarted = await SersProcess.StartAsync(port, cancellationToken: ct);
        using (var feeding = new SerSslClient(restarted.Address))
        {
            await Feed(feeding, "restart", seconds: 5, ct);
        }

        await subscription.WaitAsync(TimeSpan.FromSeconds(60), ct);

        var before = events.Take(beforeRestart).ToList();
        var after = events.Skip(beforeRestart).ToList();
        Assert.True(before.Count(e => e.Kind == ClientEventKind.Estimate) >= 3);
        Assert.Equal(Enumerable.Range(0, before.Count).Select(i => (ulong?)i), before.Select(e => e.EventSequence));
        var reconnected = Assert.Single(events, e => e.Kind == ClientEventKind.Reconnected).Reconnect!;
        Assert.Same(reconnected, after[0].Reconnect);
        Assert.True(reconnected.SessionReplaced, "the restarted server's session started at another time");
        Assert.True(reconnected.Attempts >= 2, $"{reconnected.Attempts} attempts: the first ones find no server");
        Assert.Equal(0UL, reconnected.ResumedFromEventSequence);
        Assert.Contains(reconnected.Cause, new[] { StatusCode.Unavailable, StatusCode.Internal, StatusCode.Cancelled });
        var resumed = after.Skip(1).ToList();
        Assert.DoesNotContain(resumed, e => e.Kind is ClientEventKind.Gap or ClientEventKind.Reconnected);
        Assert.Equal(Enumerable.Range(0, resumed.Count).Select(i => (ulong?)i), resumed.Select(e => e.EventSequence));
        var estimates = resumed.Where(e => e.Kind == ClientEventKind.Estimate).Select(e => e.Estimate!).ToList();
        Assert.True(estimates.Count >= 2, $"{estimates.Count} estimates of the new session's 5 s");
        Assert.InRange(estimates[^1].EndSeconds, 3.0, 5.5); // the whole new session, to its end
    }

    [Fact]
    public async Task SubscribeAsync_ServerKilledAndRestartedWithoutTheSession_GivesUpAfterTheAttemptsWithSessionNotFound()
    {
        var ct = TestContext.Current.CancellationToken;
        var server = await SersProcess.StartAsync(cancellationToken: ct);
        var port = server.Port;
        // Six attempts spread over 23.5 s (0.5, 1, 2, 4, 8 and 8 s apart): the last ones must find the restarted server
        // up, however slowly a busy machine starts it (4.4 s of attempts was too short once on a loaded CI machine).
        var options = new SerSslClientOptions { Reconnect = new ReconnectPolicy { MaxAttempts = 6, InitialDelay = TimeSpan.FromMilliseconds(500), MaxDelay = TimeSpan.FromSeconds(8) } };
        using var client = new SerSslClient(server.Address, options);
        var feeder = Feed(client, "gone", seconds: 20, ct);
        await WaitForSession(client, "gone", ct);
        var events = new List<ClientEvent>();
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = Task.Run(async () =>
        {
            await foreach (var e in client.SubscribeAsync("gone", cancellationToken: ct))
            {
                events.Add(e);
                first.TrySetResult();
            }
        }, ct);
        await first.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);

        await server.KillAsync();
        await server.DisposeAsync();
        await Assert.ThrowsAnyAsync<SerSslException>(() => feeder);
        await using var restarted = await SersProcess.StartAsync(port, cancellationToken: ct);
        var ex = await Assert.ThrowsAsync<SerSslSessionNotFoundException>(() => subscription.WaitAsync(TimeSpan.FromSeconds(60), ct));

        Assert.Equal("gone", ex.SessionId);
        Assert.Equal(6, ex.Attempts);
        Assert.Contains("6 reconnection attempts", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"after event_sequence {events[^1].EventSequence}", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(events, e => e.Kind == ClientEventKind.Reconnected);
    }

    [Fact]
    public async Task SubscribeAsync_NoServerAndNoAttempts_FailsWithConnectionLost()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = new SerSslClient(new Uri($"http://127.0.0.1:{SersProcess.FreePort()}"), new SerSslClientOptions { Reconnect = ReconnectPolicy.None });

        var ex = await Assert.ThrowsAsync<SerSslConnectionLostException>(() => Collect(client.SubscribeAsync("x", cancellationToken: ct), ct));

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Equal(0, ex.Attempts);
        Assert.Null(ex.LastEventSequence);
        Assert.Contains("before any event", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_BadArguments_ThrowWithWhatToGive()
    {
        Assert.Contains("http://127.0.0.1:50051", Assert.Throws<ArgumentException>(() => new SerSslClient("127.0.0.1:50051")).Message, StringComparison.Ordinal);
        Assert.Contains("not a URL", Assert.Throws<ArgumentException>(() => new SerSslClient("not a url")).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => new SerSslClient((Uri)null!));
        Assert.Throws<ArgumentException>(() => new SerSslClient("http://127.0.0.1:1", new SerSslClientOptions { ApiKey = "has space" }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SerSslClient("http://127.0.0.1:1", new SerSslClientOptions { Reconnect = new ReconnectPolicy { Multiplier = 0.5 } }));
        using var client = new SerSslClient("http://127.0.0.1:1");
        Assert.Throws<ArgumentException>(() => client.SubscribeAsync("", cancellationToken: TestContext.Current.CancellationToken));
        Assert.Throws<ArgumentOutOfRangeException>(() => client.RecognizeAsync(ClientTestAudio.Blocks(1), new ClientAudioFormat(4000, 1), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Throws<ArgumentOutOfRangeException>(() => client.RecognizeAsync(ClientTestAudio.Blocks(1), new ClientAudioFormat(16000, 0), cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task RecognizeWavAsync_NotAWav_ThrowsInvalidDataNamingTheProblem()
    {
        using var client = new SerSslClient("http://127.0.0.1:1");
        using var stream = new MemoryStream("not a wav file at all"u8.ToArray());

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => Collect(client.RecognizeWavAsync(stream, cancellationToken: TestContext.Current.CancellationToken), TestContext.Current.CancellationToken));

        Assert.Contains("RIFF", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecognizeAsync_BlockOfPartialFrames_ThrowsArgumentExceptionAndEndsTheCall()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await SersProcess.StartAsync(cancellationToken: ct);
        using var client = new SerSslClient(server.Address);

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => Collect(client.RecognizeAsync(OddBlocks(), new ClientAudioFormat(16000, 2), cancellationToken: ct), ct)).WaitAsync(TimeSpan.FromSeconds(5), ct);

        Assert.Contains("whole frames of 2 channels", ex.Message, StringComparison.Ordinal);
        await Task.Delay(200, ct);
        Assert.Empty(await client.ListSessionsAsync(ct));

        static async IAsyncEnumerable<ReadOnlyMemory<float>> OddBlocks()
        {
            yield return new float[640];
            await Task.Yield();
            yield return new float[3];
        }
    }

    [Fact]
    public void DelayBefore_DefaultPolicy_DoublesFromTheInitialDelayUpToTheMaximum()
    {
        var policy = new ReconnectPolicy { InitialDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1), Multiplier = 2 };

        var delays = Enumerable.Range(1, 6).Select(policy.DelayBefore).Select(d => d.TotalMilliseconds).ToArray();

        Assert.Equal([100, 200, 400, 800, 1000, 1000], delays);
        Assert.Throws<ArgumentOutOfRangeException>(() => policy.DelayBefore(0));
    }

    /// <summary>Streams the demo's first seconds as session <paramref name="sessionId"/> at real-time pace.</summary>
    private static Task Feed(SerSslClient client, string sessionId, double seconds, CancellationToken ct) => Task.Run(
        async () =>
        {
            await foreach (var _ in client.RecognizeAsync(ClientTestAudio.Blocks(seconds), ClientAudioFormat.Mono16k, new RecognizeOptions { SessionId = sessionId, RealTime = true, RealTimeLead = TimeSpan.FromSeconds(1) }, ct))
            {
            }
        },
        ct);

    private static async Task WaitForSession(SerSslClient client, string sessionId, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await client.ListSessionsAsync(ct)).All(s => s.SessionId != sessionId))
        {
            Assert.True(DateTime.UtcNow < deadline, $"session {sessionId} did not start in 30 s");
            await Task.Delay(20, ct);
        }
    }

    private static async Task<List<ClientEvent>> Collect(IAsyncEnumerable<ClientEvent> events, CancellationToken ct)
    {
        var list = new List<ClientEvent>();
        await foreach (var e in events.WithCancellation(ct))
        {
            list.Add(e);
        }

        return list;
    }
}
