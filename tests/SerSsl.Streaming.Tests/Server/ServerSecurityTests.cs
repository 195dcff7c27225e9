using System.Net;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using SerSsl.Protos.V1;
using SerSsl.Streaming.Server;
using SerSsl.Streaming.Tests.Support;

namespace SerSsl.Streaming.Tests.Server;

/// <summary>What a caller can reach: session ids nobody can guess or race for, keys that see their owner's sessions, and per-client limits.</summary>
public sealed class ServerSecurityTests
{
    private static readonly ServerOptions s_keyed = new()
    {
        ApiKeys =
        [
            new ApiKey("alice-laptop-0123456789", "alice"),
            new ApiKey("alice-phone-0123456789", "alice"),
            new ApiKey("bob-key-0123456789abc", "bob"),
            new ApiKey("ops-key-0123456789abc", "ops", IsAdmin: true),
        ],
    };

    [Fact]
    public async Task Recognize_NoSessionId_ServerChoosesDistinctUnguessableIds()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(Transport.InProcess);

        var first = await ServerAudio.Recognize(server.Client, [ServerAudio.Config()], ct);
        var second = await ServerAudio.Recognize(server.Client, [ServerAudio.Config()], ct);

        var ids = new[] { first[0].Started.SessionId, second[0].Started.SessionId };
        Assert.All(ids, id => Assert.Matches("^s-[0-9a-f]{24}$", id));
        Assert.NotEqual(ids[0], ids[1]);
    }

    [Fact]
    public async Task Recognize_TenSimultaneousCallsForOneId_ExactlyOneStartsTheOthersGetAlreadyExists()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(Transport.Kestrel, new ServerOptions { MaxSessionsPerClient = 16 });

        var calls = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => OpenAsync(server.Client, "race", ct), ct)));

        try
        {
            var outcomes = string.Join(", ", calls.Select(c => c.SessionId ?? $"{c.Error?.StatusCode}: {c.Error?.Status.Detail}"));
            Assert.True(calls.Count(c => c.SessionId == "race") == 1, outcomes);
            var refused = calls.Where(c => c.Error is not null).ToList();
            Assert.True(refused.Count == 9, outcomes);
            Assert.All(refused, c => Assert.Equal(StatusCode.AlreadyExists, c.Error!.StatusCode));
            Assert.All(refused, c => Assert.Contains("'race'", c.Error!.Status.Detail, StringComparison.Ordinal));
        }
        finally
        {
            foreach (var call in calls)
            {
                call.Call.Dispose();
            }
        }
    }

    [Fact]
    public async Task Recognize_CallsForOneIdThatEndAsTheyStart_OnlyOkOrAlreadyExistsNeverUnknown()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(Transport.Kestrel, new ServerOptions { MaxSessionsPerClient = 16 });
        var statuses = new List<StatusCode>();

        for (var round = 0; round < 5; round++)
        {
            // Each call sends its config and ends at once: the winner's session may be gone by the time a loser looks.
            var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(
                async () =>
                {
                    try
                    {
                        await ServerAudio.Recognize(server.Client, [ServerAudio.Config(sessionId: "churn")], ct);
                        return StatusCode.OK;
                    }
                    catch (RpcException ex)
                    {
                        return ex.StatusCode;
                    }
                },
                ct)));
            statuses.AddRange(results);
        }

        Assert.All(statuses, s => Assert.True(s is StatusCode.OK or StatusCode.AlreadyExists, $"got {s}"));
        Assert.Contains(StatusCode.OK, statuses);
        await Eventually.WaitUntil(() => server.Registry.SlotsTaken == 0, ct);
    }

    [Fact]
    public async Task Keys_OwnSessions_AKeySeesItsOwnersAndTheServersSessionsAnAdminSeesAll()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(Transport.InProcess, s_keyed);
        await server.Registry.StartAsync(new EndlessToneSource(), null, "lobby", ct);
        var alice = await OpenAsync(server.ClientWithKey("alice-laptop-0123456789"), "alice-desk", ct);
        using var aliceCall = alice.Call;
        var bobs = await OpenAsync(server.ClientWithKey("bob-key-0123456789abc"), null, ct);
        using var bobCall = bobs.Call;

        async Task<string[]> Listed(string key) =>
            [.. (await server.ClientWithKey(key).ListSessionsAsync(new ListSessionsRequest(), cancellationToken: ct)).Sessions.Select(s => s.SessionId).Order(StringComparer.Ordinal)];

        Assert.Equal(["alice-desk", "lobby"], await Listed("alice-phone-0123456789"));
        Assert.Equal(new[] { bobs.SessionId!, "lobby" }.Order(StringComparer.Ordinal), await Listed("bob-key-0123456789abc"));
        Assert.Equal(new[] { "alice-desk", bobs.SessionId!, "lobby" }.Order(StringComparer.Ordinal), await Listed("ops-key-0123456789abc"));

        using var bobFollows = server.ClientWithKey("bob-key-0123456789abc").Subscribe(new SubscribeRequest { SessionId = "alice-desk" }, cancellationToken: ct);
        var hidden = await Assert.ThrowsAsync<RpcException>(() => bobFollows.ResponseStream.MoveNext(ct));
        Assert.Equal(StatusCode.NotFound, hidden.StatusCode);
        using var bobFollowsLobby = server.ClientWithKey("bob-key-0123456789abc").Subscribe(new SubscribeRequest { SessionId = "lobby" }, cancellationToken: ct);
        Assert.True(await bobFollowsLobby.ResponseStream.MoveNext(ct));
        using var adminFollows = server.ClientWithKey("ops-key-0123456789abc").Subscribe(new SubscribeRequest { SessionId = "alice-desk", FromSequence = 0 }, cancellationToken: ct);
        await aliceCall.RequestStream.WriteAsync(ServerAudio.Audio(ServerAudio.S16(ServerAudio.Tone(16_000, 1.2))), ct);
        Assert.True(await adminFollows.ResponseStream.MoveNext(ct));

        using var http = new HttpClient(server.Handler!) { BaseAddress = server.Address };
        using var bobDashboard = await http.GetAsync(new Uri("/api/sessions/alice-desk/events?key=bob-key-0123456789abc", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, ct);
        var bobList = await http.GetStringAsync(new Uri("/api/sessions?key=bob-key-0123456789abc", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.NotFound, bobDashboard.StatusCode);
        Assert.DoesNotContain("alice-desk", bobList, StringComparison.Ordinal);
        Assert.Contains("lobby", bobList, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_EmptyKeyInHeaderOrQuery_Refused()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(Transport.InProcess, s_keyed);
        using var http = new HttpClient(server.Handler!) { BaseAddress = server.Address };

        var header = await Assert.ThrowsAsync<RpcException>(async () => await server.ClientWithKey(string.Empty).ListSessionsAsync(new ListSessionsRequest(), cancellationToken: ct));
        var bearer = await Assert.ThrowsAsync<RpcException>(async () => await new Recognizer.RecognizerClient(Grpc.Core.Interceptors.CallInvokerExtensions.Intercept(server.Channel.CreateCallInvoker(), m =>
        {
            m.Add("authorization", "Bearer ");
            return m;
        })).ListSessionsAsync(new ListSessionsRequest(), cancellationToken: ct));
        using var query = await http.GetAsync(new Uri("/api/sessions?key=", UriKind.Relative), ct);
        using var metrics = await http.GetAsync(new Uri("/metrics?key=", UriKind.Relative), ct);

        Assert.Equal(StatusCode.Unauthenticated, header.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, bearer.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, query.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, metrics.StatusCode);
    }

    [Fact]
    public async Task Keys_PerClientLimit_ResourceExhaustedNamingTheLimitWhileOtherOwnersGoOn()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(Transport.InProcess, s_keyed with { MaxSessionsPerClient = 2 });
        var laptop = await OpenAsync(server.ClientWithKey("alice-laptop-0123456789"), null, ct);
        var phone = await OpenAsync(server.ClientWithKey("alice-phone-0123456789"), null, ct);

        var third = await OpenAsync(server.ClientWithKey("alice-laptop-0123456789"), null, ct);
        var bob = await OpenAsync(server.ClientWithKey("bob-key-0123456789abc"), null, ct);
        laptop.Call.Dispose();

        // The engine forgets a session before the registry frees its slots: wait for the slots, not the engine.
        await Eventually.WaitUntil(() => server.Registry.SlotsTaken == 2, ct);
        var again = await OpenAsync(server.ClientWithKey("alice-phone-0123456789"), null, ct);

        Assert.NotNull(laptop.SessionId);
        Assert.NotNull(phone.SessionId);
        Assert.Equal(StatusCode.ResourceExhausted, third.Error?.StatusCode);
        Assert.Contains("--max-sessions-per-client", third.Error!.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("owner 'alice'", third.Error!.Status.Detail, StringComparison.Ordinal);
        Assert.NotNull(bob.SessionId);
        Assert.NotNull(again.SessionId);
        foreach (var call in new[] { phone, third, bob, again })
        {
            call.Call.Dispose();
        }
    }

    [Fact]
    public async Task NoKeys_PerClientLimit_CountsPerRemoteAddress()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(Transport.Kestrel, new ServerOptions { MaxSessionsPerClient = 1 });
        var first = await OpenAsync(server.Client, null, ct);
        using var firstCall = first.Call;

        var second = await OpenAsync(server.Client, null, ct);
        using var secondCall = second.Call;

        Assert.NotNull(first.SessionId);
        Assert.Equal(StatusCode.ResourceExhausted, second.Error?.StatusCode);
        Assert.Contains("address 127.0.0.1", second.Error!.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recognize_ConfigThenSilence_IdleTimeoutEndsTheCallAndFreesItsSlot()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(Transport.Kestrel, new ServerOptions { MaxSessions = 1, IdleTimeout = TimeSpan.FromSeconds(1) });
        var frozen = await OpenAsync(server.Client, "frozen", ct);
        using var frozenCall = frozen.Call;
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var ended = await Assert.ThrowsAsync<RpcException>(() => ServerAudio.ReadAll(frozenCall.ResponseStream, ct));
        var elapsed = watch.Elapsed;
        await Eventually.WaitUntil(() => server.Registry.SlotsTaken == 0, ct);
        var next = await ServerAudio.Recognize(server.Client, [ServerAudio.Config(), ServerAudio.Audio(ServerAudio.S16(ServerAudio.Tone(16_000, 0.5)))], ct);

        Assert.Equal("frozen", frozen.SessionId);
        Assert.Equal(StatusCode.DeadlineExceeded, ended.StatusCode);
        Assert.Contains("--idle-timeout-seconds", ended.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("No audio for 1 s after 0 bytes", ended.Status.Detail, StringComparison.Ordinal);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(5));
        Assert.NotNull(next[0].Started);
    }

    [Fact]
    public async Task Recognize_NoConfig_IdleTimeoutEndsTheCall()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(Transport.Kestrel, new ServerOptions { IdleTimeout = TimeSpan.FromSeconds(1) });
        using var call = server.Client.Recognize(cancellationToken: ct);

        var ended = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(ct));

        Assert.Equal(StatusCode.DeadlineExceeded, ended.StatusCode);
        Assert.Contains("No config message for 1 s", ended.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recognize_AudioAtItsOwnPace_OutlivesTheIdleTimeout()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(Transport.Kestrel, new ServerOptions { IdleTimeout = TimeSpan.FromSeconds(1) });
        var audio = ServerAudio.S16(ServerAudio.Tone(16_000, 3));

        // 3 s of audio in 0.25 s messages, sent in real time: never a second without a message.
        var responses = await ServerAudio.Recognize(server.Client, [ServerAudio.Config(), .. ServerAudio.Chunks(audio, 8000)], ct, pause: TimeSpan.FromSeconds(0.25));

        Assert.Contains(responses, r => r.Estimate is not null);
    }

    [Fact]
    public async Task Build_KeepAliveOptions_ReachKestrel()
    {
        var options = new ServerOptions { Urls = ["http://127.0.0.1:0"], KeepAlivePingDelay = TimeSpan.FromSeconds(7), KeepAlivePingTimeout = TimeSpan.FromSeconds(3) };
        await using var engine = SerSsl.Streaming.Pipeline.RecognitionEngine.Create(TestModel.Load());
        await using var registry = new ServerSessions(engine, options);
        await using var app = RecognitionServer.Build(registry);

        var kestrel = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(7), kestrel.Limits.Http2.KeepAlivePingDelay);
        Assert.Equal(TimeSpan.FromSeconds(3), kestrel.Limits.Http2.KeepAlivePingTimeout);
    }

    [Fact]
    public async Task KeepAlive_ClientThatNeverAnswersPings_ConnectionIsClosed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(Transport.Kestrel, new ServerOptions { KeepAlivePingDelay = TimeSpan.FromSeconds(1), KeepAlivePingTimeout = TimeSpan.FromSeconds(1) });
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(server.Address.Host, server.Address.Port, ct);
        var stream = tcp.GetStream();

        // An HTTP/2 client that says hello (preface, empty SETTINGS) and then freezes: it never answers a PING.
        await stream.WriteAsync("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray(), ct);
        await stream.WriteAsync(new byte[] { 0, 0, 0, 4, 0, 0, 0, 0, 0 }, ct);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var frameTypes = new List<byte>();
        var header = new byte[9];
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(20));
        while (await ReadExactlyOrEndAsync(stream, header, deadline.Token))
        {
            frameTypes.Add(header[3]);
            var payload = new byte[(header[0] << 16) | (header[1] << 8) | header[2]];
            if (!await ReadExactlyOrEndAsync(stream, payload, deadline.Token))
            {
                break;
            }
        }

        Assert.Contains((byte)6, frameTypes); // PING
        Assert.Contains((byte)7, frameTypes); // GOAWAY, then the server closed the connection
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
    }

    private static async Task<bool> ReadExactlyOrEndAsync(System.IO.Stream stream, byte[] buffer, CancellationToken ct)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), ct);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }

    /// <summary>Opens a Recognize call with a config and waits for its first answer: the started session, or the refusal.</summary>
    internal static async Task<(AsyncDuplexStreamingCall<RecognizeRequest, RecognizeResponse> Call, string? SessionId, RpcException? Error)> OpenAsync(Recognizer.RecognizerClient client, string? sessionId, CancellationToken ct)
    {
        var call = client.Recognize(cancellationToken: ct);
        try
        {
            await call.RequestStream.WriteAsync(ServerAudio.Config(sessionId: sessionId ?? string.Empty), ct);
            return await call.ResponseStream.MoveNext(ct)
                ? (call, call.ResponseStream.Current.Started.SessionId, null)
                : (call, null, new RpcException(call.GetStatus()));
        }
        catch (RpcException ex)
        {
            return (call, null, ex);
        }
        catch (InvalidOperationException)
        {
            // Writing after the server ended the call: its status says why.
            try
            {
                await call.ResponseStream.MoveNext(ct);
                return (call, null, new RpcException(call.GetStatus()));
            }
            catch (RpcException ex)
            {
                return (call, null, ex);
            }
        }
    }
}
