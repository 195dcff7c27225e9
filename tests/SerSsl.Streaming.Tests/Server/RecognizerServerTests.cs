using System.Diagnostics;
using System.Net;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using SerSsl.Protos.V1;
using SerSsl.Streaming.Pipeline;
using SerSsl.Streaming.Server;
using SerSsl.Streaming.Tests.Support;

namespace SerSsl.Streaming.Tests.Server;

public sealed class RecognizerServerTests
{
    [Theory]
    [InlineData(Transport.InProcess)]
    [InlineData(Transport.Kestrel)]
    public async Task Recognize_AudioInOddSizedMessages_StartedThenGapFreeEstimatesThenOk(Transport transport)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(transport, new ServerOptions { BurstSeconds = 60 });
        var bytes = ServerAudio.S16(ServerAudio.Tone(16_000, 3));

        var responses = await ServerAudio.Recognize(server.Client, [ServerAudio.Config(sessionId: "mine"), .. ServerAudio.Chunks(bytes, 333)], ct);

        var started = Assert.IsType<SessionStarted>(responses[0].Started);
        Assert.Equal("mine", started.SessionId);
        Assert.Equal(server.Engine.Bundle.Labels, started.Labels);
        var sequences = responses.Skip(1).Where(r => r.Estimate is not null).Select(r => r.Estimate.Sequence).ToList();
        Assert.NotEmpty(sequences);
        Assert.Equal(Enumerable.Range(0, sequences.Count).Select(i => (ulong)i), sequences);
        Assert.All(responses.Skip(1).Where(r => r.Estimate is not null), r => Assert.Equal("mine", r.Estimate.SessionId));
        Assert.Empty((await server.Client.ListSessionsAsync(new ListSessionsRequest(), cancellationToken: ct)).Sessions);
    }

    [Theory]
    [InlineData(Transport.InProcess)]
    [InlineData(Transport.Kestrel)]
    public async Task Subscribe_FiftyConcurrentSubscribers_AllReceiveTheSameSequence(Transport transport)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(transport, new ServerOptions { ReplayCapacity = 4096, SubscriberBufferCapacity = 4096 });
        var live = await server.Registry.StartAsync(ServerAudio.Paced(8, speed: 4), null, "shared", ct);
        var watch = Stopwatch.StartNew();

        var subscribers = Enumerable.Range(0, 50).Select(async _ =>
        {
            using var call = server.Client.Subscribe(new SubscribeRequest { SessionId = "shared", FromSequence = 0 }, cancellationToken: ct);
            return await ServerAudio.ReadAll(call.ResponseStream, ct);
        }).ToList();
        var results = await Task.WhenAll(subscribers);
        watch.Stop();
        TestContext.Current.SendDiagnosticMessage($"{transport}: 50 subscribers, {live.EstimatesPublished} estimates each, {watch.Elapsed.TotalSeconds:F2} s");

        var expected = Enumerable.Range(0, (int)live.EstimatesPublished).Select(i => (ulong)i).ToList();
        Assert.NotEmpty(expected);
        var reference = results[0].Select(e => e.ToString()).ToList();
        foreach (var events in results)
        {
            Assert.DoesNotContain(events, e => e.Gap is not null);
            Assert.Equal(expected, events.Where(e => e.Estimate is not null).Select(e => e.Estimate.Sequence));
            Assert.Equal(reference, events.Select(e => e.ToString()));
        }

        Assert.Equal(0, live.SubscriberCount);
    }

    [Theory]
    [InlineData(Transport.InProcess)]
    [InlineData(Transport.Kestrel)]
    public async Task Subscribe_ClientDisconnectsMidStream_LeaksNothing(Transport transport)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(transport);
        var live = await server.Registry.StartAsync(new EndlessToneSource(), null, "live", ct);

        for (var i = 0; i < 5; i++)
        {
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var call = server.Client.Subscribe(new SubscribeRequest { SessionId = "live" }, cancellationToken: cancel.Token);
            Assert.True(await call.ResponseStream.MoveNext(ct));
            Assert.Equal(1, live.SubscriberCount);
            await cancel.CancelAsync();
        }

        await Eventually.WaitUntil(() => live.SubscriberCount == 0 && server.Registry.Metrics.Subscribers == 0, ct);
        using var after = server.Client.Subscribe(new SubscribeRequest { SessionId = "live" }, cancellationToken: ct);
        Assert.True(await after.ResponseStream.MoveNext(ct));
        Assert.False(live.IsCompleted);
    }

    [Theory]
    [InlineData(Transport.InProcess)]
    [InlineData(Transport.Kestrel)]
    public async Task Subscribe_StalledSubscriber_DoesNotSlowTheOthers(Transport transport)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(transport, new ServerOptions { SubscriberBufferCapacity = 256, ReplayCapacity = 4096 });
        // An estimate every 10 ms frame: more events than the transport's buffers hold, so the stalled one must lose some.
        var live = await server.Registry.StartAsync(ServerAudio.Paced(12, speed: 6), new StreamingSessionOptions { HopFrames = 1 }, "s", ct);
        using var stalled = server.Client.Subscribe(new SubscribeRequest { SessionId = "s", FromSequence = 0 }, cancellationToken: ct);
        Assert.True(await stalled.ResponseStream.MoveNext(ct));
        var first = stalled.ResponseStream.Current;

        var watch = Stopwatch.StartNew();
        var others = await Task.WhenAll(Enumerable.Range(0, 5).Select(async _ =>
        {
            using var call = server.Client.Subscribe(new SubscribeRequest { SessionId = "s", FromSequence = 0 }, cancellationToken: ct);
            return await ServerAudio.ReadAll(call.ResponseStream, ct);
        }));
        watch.Stop();

        // 12 s of audio at 6x real time: about 2 s whether or not one subscriber reads.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"the others took {watch.Elapsed}");
        var total = live.EstimatesPublished;
        Assert.All(others, events => Assert.DoesNotContain(events, e => e.Gap is not null));
        Assert.All(others, events => Assert.Equal(total, events.Count(e => e.Estimate is not null)));
        var late = await ServerAudio.ReadAll(stalled.ResponseStream, ct);
        late.Insert(0, first);
        var lastSequence = late.Where(e => e.Estimate is not null).Max(e => e.Estimate.Sequence);
        Assert.Equal((ulong)total - 1, lastSequence);
        var dropped = late.Where(e => e.Gap is not null).Sum(e => (long)e.Gap.DroppedEvents);
        Assert.Equal(others[0].Count, late.Count(e => e.Gap is null) + dropped);
        Assert.True(dropped > 0, "the stalled subscriber lost nothing: the test did not overflow its buffer");
        Assert.Contains(late, e => e.Gap is { Reason: GapReason.SubscriberOverflow });
        TestContext.Current.SendDiagnosticMessage($"{transport}: others done in {watch.Elapsed.TotalSeconds:F2} s; stalled subscriber lost {dropped} of {others[0].Count} events");
    }

    [Fact]
    public async Task Recognize_WhileTheServerStops_UnavailableToRetryElsewhere()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(Transport.InProcess);
        await server.Registry.StopAllAsync();

        var refused = await Assert.ThrowsAsync<RpcException>(() => ServerAudio.Recognize(server.Client, [ServerAudio.Config(), ServerAudio.Audio(new byte[640])], ct));

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Contains("shutting down", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(server.Registry.All);
    }

    [Fact]
    public async Task Recognize_PartialFrameAtTheEnd_IsReportedEveryTimeNotLostToTheSessionEndingFirst()
    {
        // The upload ends the audio and then reports the partial frame; the session may end in between. Many short
        // calls at once make that window likely: every one must still end with INVALID_ARGUMENT.
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(Transport.Kestrel, new ServerOptions { MaxSessionsPerClient = 8 });
        var audio = ServerAudio.S16(ServerAudio.Tone(16_000, 0.1));
        var outcomes = new List<StatusCode>();
        for (var round = 0; round < 8; round++)
        {
            outcomes.AddRange(await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
            {
                try
                {
                    await ServerAudio.Recognize(server.Client, [ServerAudio.Config(), ServerAudio.Audio(audio.AsSpan(0, audio.Length - 1))], ct);
                    return StatusCode.OK;
                }
                catch (RpcException ex)
                {
                    return ex.StatusCode;
                }
            })));
        }

        Assert.All(outcomes, code => Assert.Equal(StatusCode.InvalidArgument, code));
    }

    [Theory]
    [InlineData(Transport.InProcess)]
    [InlineData(Transport.Kestrel)]
    public async Task Calls_BadInput_StatusAndMessageWhileOtherSessionsGoOn(Transport transport)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(transport, new ServerOptions { MaxMessageBytes = 64 * 1024, BurstSeconds = 1 });
        var background = await server.Registry.StartAsync(new EndlessToneSource(), null, "bg", ct);
        using var watcher = server.Client.Subscribe(new SubscribeRequest { SessionId = "bg" }, cancellationToken: ct);
        var watched = 0;
        var watching = Task.Run(
            async () =>
            {
                while (await watcher.ResponseStream.MoveNext(ct))
                {
                    Interlocked.Increment(ref watched);
                }
            },
            ct);
        var audio = ServerAudio.S16(ServerAudio.Tone(16_000, 1));

        await ExpectRecognize(server, StatusCode.InvalidArgument, "config", [ServerAudio.Audio(audio)]);
        await ExpectRecognize(server, StatusCode.InvalidArgument, "config", []);
        await ExpectRecognize(server, StatusCode.InvalidArgument, "format", [new RecognizeRequest { Config = new RecognizeConfig() }]);
        await ExpectRecognize(server, StatusCode.InvalidArgument, "format", [new RecognizeRequest()]);
        await ExpectRecognize(server, StatusCode.InvalidArgument, "Sample rate", [ServerAudio.Config(rate: 7)]);
        await ExpectRecognize(server, StatusCode.InvalidArgument, "Sample rate", [ServerAudio.Config(rate: 1_000_000_000)]);
        await ExpectRecognize(server, StatusCode.InvalidArgument, "channels", [ServerAudio.Config(channels: 0)]);
        await ExpectRecognize(server, StatusCode.InvalidArgument, "channels", [ServerAudio.Config(channels: 1000)]);
        await ExpectRecognize(server, StatusCode.InvalidArgument, "encoding", [ServerAudio.Config(encoding: AudioEncoding.Unspecified)]);
        await ExpectRecognize(server, StatusCode.InvalidArgument, "trailing bytes", [ServerAudio.Config(), ServerAudio.Audio(audio.AsSpan(0, 3201))]);
        await ExpectRecognize(server, StatusCode.InvalidArgument, "trailing bytes", [ServerAudio.Config(encoding: AudioEncoding.F32Le, channels: 2), ServerAudio.Audio(new byte[13])]);
        await ExpectRecognize(server, StatusCode.InvalidArgument, "second config", [ServerAudio.Config(), ServerAudio.Audio(audio.AsSpan(0, 320)), ServerAudio.Config()]);
        await ExpectRecognize(server, StatusCode.InvalidArgument, "Session id", [ServerAudio.Config(sessionId: "no spaces/or slashes")]);
        await ExpectRecognize(server, StatusCode.AlreadyExists, "bg", [ServerAudio.Config(sessionId: "bg")]);
        await ExpectRecognize(server, StatusCode.ResourceExhausted, "size", [ServerAudio.Config(), ServerAudio.Audio(new byte[100_000])]);
        await ExpectRecognize(server, StatusCode.ResourceExhausted, "faster than real time", [ServerAudio.Config(), .. ServerAudio.Chunks(ServerAudio.S16(ServerAudio.Tone(16_000, 5)), 16_000)]);

        var missing = Assert.Throws<RpcException>(() => server.Client.Subscribe(new SubscribeRequest { SessionId = "nope" }, cancellationToken: ct).ResponseStream.MoveNext(ct).GetAwaiter().GetResult());
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.Contains("nope", missing.Status.Detail, StringComparison.Ordinal);

        foreach (var path in new[] { "/serssl.v1.Recognizer/Recognize", "/serssl.v1.Recognizer/Subscribe", "/serssl.v1.Recognizer/GetModelInfo" })
        {
            var (status, message) = await RawGrpc.PostAsync(server, path, RawGrpc.Garbage, ct);
            Assert.Equal("3", status); // INVALID_ARGUMENT
            Assert.False(string.IsNullOrEmpty(message), $"{path}: no grpc-message");
        }

        var countBefore = Volatile.Read(ref watched);
        await Eventually.WaitUntil(() => Volatile.Read(ref watched) > countBefore + 2, ct);
        Assert.False(background.IsCompleted);
        var ok = await ServerAudio.Recognize(server.Client, [ServerAudio.Config(), ServerAudio.Audio(audio)], ct);
        Assert.Contains(ok, r => r.Estimate is not null);
        Assert.Single(server.Registry.All);
        Assert.True(server.Registry.Metrics.Render(1).Contains("serssl_rejected_calls_total", StringComparison.Ordinal));
        await background.StopAsync();
        await watching;
    }

    [Fact]
    public async Task Recognize_RefusedCall_LoggedAsAWarningWithTheStatusAndNoStackTrace()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(Transport.InProcess);

        var error = await Assert.ThrowsAsync<RpcException>(() => ServerAudio.Recognize(server.Client, [ServerAudio.Audio(new byte[64])], ct));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var refused = Assert.Single(server.Logs.Events, e => e.Id.Id == 200);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, refused.Level);
        Assert.Equal(StatusCode.InvalidArgument, refused.Fields["StatusCode"]);
        Assert.Equal("/serssl.v1.Recognizer/Recognize", refused.Fields["Method"]);
        Assert.Contains("config", refused.Message, StringComparison.Ordinal);
        Assert.Null(refused.Exception);
    }

    [Theory]
    [InlineData(Transport.InProcess)]
    [InlineData(Transport.Kestrel)]
    public async Task Calls_NotProtobuf_InvalidArgumentAndOneWarningLineWithoutStackTrace(Transport transport)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(transport);
        string[] methods =
        [
            "/serssl.v1.Recognizer/Recognize", "/serssl.v1.Recognizer/Subscribe", "/serssl.v1.Recognizer/ListSessions", "/serssl.v1.Recognizer/GetModelInfo",
            "/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch", "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        ];

        var answers = new List<(string? Status, string? Message)>();
        foreach (var method in methods)
        {
            answers.Add(await RawGrpc.PostAsync(server, method, RawGrpc.Garbage, ct));
        }

        Assert.All(answers, a => Assert.Equal("3", a.Status));
        Assert.All(answers, a => Assert.Contains("not valid protobuf", Uri.UnescapeDataString(a.Message ?? string.Empty), StringComparison.Ordinal));
        var warnings = server.Logs.Events.Where(e => e.Id.Id == 201).ToList();
        Assert.Equal(methods, warnings.Select(w => (string)w.Fields["Method"]!));
        Assert.All(warnings, w => Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, w.Level));
        Assert.DoesNotContain(server.Logs.Events, e => e.Exception is not null);
        var info = await server.Client.GetModelInfoAsync(new GetModelInfoRequest(), cancellationToken: ct);
        Assert.Equal(server.Engine.Bundle.Labels, info.Labels);
    }

    [Theory]
    [InlineData(new byte[] { 1, 0, 0, 0, 2, 8, 1 }, "13")]         // compressed flag without grpc-encoding: INTERNAL
    [InlineData(new byte[] { 0, 0, 0, 0, 9, 8, 1 }, "13")]         // a frame that says 9 bytes and holds 2: INTERNAL
    [InlineData(new byte[] { 0, 0x7f, 0xff, 0xff, 0xff, 8 }, "8")] // a frame over the message size limit: RESOURCE_EXHAUSTED
    [InlineData(new byte[] { 0, 0x80, 0, 0, 8, 8, 1 }, "8")]       // a length of 2 GiB or more: RESOURCE_EXHAUSTED (was UNKNOWN)
    [InlineData(new byte[] { 0xff, 0, 0, 0, 2, 8, 1 }, "13")]      // a flag byte that is neither 0 nor 1: INTERNAL (was UNKNOWN)
    [InlineData(new byte[] { 0, 0, 0, 0, 2, 8, 1, 7, 0, 0, 0, 0 }, "13")] // a second frame with a bad flag: INTERNAL
    public async Task Calls_BrokenFraming_GrpcsOwnStatusWithoutStackTrace(byte[] body, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(Transport.Kestrel);

        var (status, message) = await RawGrpc.PostAsync(server, "/serssl.v1.Recognizer/GetModelInfo", body, ct);

        TestContext.Current.SendDiagnosticMessage($"{Convert.ToHexString(body)}: grpc-status {status}, {message}");
        Assert.Equal(expected, status);
        Assert.DoesNotContain(server.Logs.Events, e => e.Exception is not null);
    }

    [Fact]
    public async Task Limits_SessionsAndSubscribers_ResourceExhausted()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(Transport.InProcess, new ServerOptions { MaxSessions = 1, MaxSubscribersPerSession = 2 });
        await server.Registry.StartAsync(new EndlessToneSource(), null, "only", ct);

        await ExpectRecognize(server, StatusCode.ResourceExhausted, "maximum of 1 sessions", [ServerAudio.Config()]);
        using var first = server.Client.Subscribe(new SubscribeRequest { SessionId = "only" }, cancellationToken: ct);
        using var second = server.Client.Subscribe(new SubscribeRequest { SessionId = "only" }, cancellationToken: ct);
        Assert.True(await first.ResponseStream.MoveNext(ct));
        Assert.True(await second.ResponseStream.MoveNext(ct));
        using var third = server.Client.Subscribe(new SubscribeRequest { SessionId = "only" }, cancellationToken: ct);
        var ex = await Assert.ThrowsAsync<RpcException>(() => third.ResponseStream.MoveNext(ct));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task ApiKey_MissingOrWrong_UnauthenticatedAndHealthStaysOpen()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(Transport.InProcess, new ServerOptions { ApiKeys = [new ApiKey("s3cret", "key 1")] });

        var none = await Assert.ThrowsAsync<RpcException>(async () => await server.Client.GetModelInfoAsync(new GetModelInfoRequest(), cancellationToken: ct));
        var wrong = await Assert.ThrowsAsync<RpcException>(async () => await server.ClientWithKey("guess").GetModelInfoAsync(new GetModelInfoRequest(), cancellationToken: ct));
        var info = await server.ClientWithKey("s3cret").GetModelInfoAsync(new GetModelInfoRequest(), cancellationToken: ct);
        var health = await new Health.HealthClient(server.Channel).CheckAsync(new HealthCheckRequest(), cancellationToken: ct);
        using var http = new HttpClient(server.Handler!) { BaseAddress = server.Address };
        using var metrics = await http.GetAsync(new Uri("/metrics", UriKind.Relative), ct);

        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);
        Assert.Contains("x-api-key", none.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        Assert.Equal(server.Engine.Bundle.Labels, info.Labels);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, metrics.StatusCode);
    }

    [Fact]
    public async Task Endpoints_ModelInfoSessionsReflectionMetrics_DescribeTheServer()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(Transport.InProcess);
        var live = await server.Registry.StartAsync(ServerAudio.Paced(3, speed: 1000), null, "done", ct);
        await live.Completion;

        var info = await server.Client.GetModelInfoAsync(new GetModelInfoRequest(), cancellationToken: ct);
        var sessions = await server.Client.ListSessionsAsync(new ListSessionsRequest(), cancellationToken: ct);
        using var reflection = new ServerReflection.ServerReflectionClient(server.Channel).ServerReflectionInfo(cancellationToken: ct);
        await reflection.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = string.Empty }, ct);
        Assert.True(await reflection.ResponseStream.MoveNext(ct));
        var services = reflection.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        await reflection.RequestStream.CompleteAsync();
        using var http = new HttpClient(server.Handler!) { BaseAddress = server.Address };
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), ct);

        Assert.Equal(server.Engine.Bundle.Manifest.Name, info.Name);
        Assert.Equal(16_000u, info.SampleRate);
        var session = Assert.Single(sessions.Sessions);
        Assert.Equal("done", session.SessionId);
        Assert.True(session.Completed);
        Assert.Equal((ulong)live.EstimatesPublished, session.EstimatesPublished);
        Assert.Equal(session.EstimatesPublished, session.NextSequence);
        Assert.Contains("serssl.v1.Recognizer", services);
        Assert.Contains("grpc.health.v1.Health", services);
        Assert.Contains($"serssl_estimates_total {live.EstimatesPublished}\n", metrics, StringComparison.Ordinal);
        Assert.Contains($"serssl_latency_seconds_count {live.EstimatesPublished}\n", metrics, StringComparison.Ordinal);
        Assert.Contains("serssl_latency_seconds_bucket{le=\"+Inf\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE serssl_subscribers gauge", metrics, StringComparison.Ordinal);
        Assert.Contains("serssl_sessions 0\n", metrics, StringComparison.Ordinal);
    }

    private static async Task ExpectRecognize(ServerHarness server, StatusCode code, string messagePart, RecognizeRequest[] requests)
    {
        var ct = TestContext.Current.CancellationToken;
        var ex = await Assert.ThrowsAsync<RpcException>(() => ServerAudio.Recognize(server.Client, requests, ct));
        Assert.True(code == ex.StatusCode, $"expected {code} ({messagePart}), got {ex.StatusCode}: {ex.Status.Detail}");
        Assert.Contains(messagePart, ex.Status.Detail, StringComparison.OrdinalIgnoreCase);
    }
}
