using System.Net;
using Grpc.Core;
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
            Assert.Single(calls, c => c.SessionId == "race");
            var refused = calls.Where(c => c.Error is not null).ToList();
            Assert.Equal(9, refused.Count);
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
        await Eventually.WaitUntil(() => server.Registry.All.Count == 0, ct);
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
    public async Task Keys_PerClientLimit_ResourceExhaustedNamingTheLimitWhileOtherOwnersGoOn()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(Transport.InProcess, s_keyed with { MaxSessionsPerClient = 2 });
        var laptop = await OpenAsync(server.ClientWithKey("alice-laptop-0123456789"), null, ct);
        var phone = await OpenAsync(server.ClientWithKey("alice-phone-0123456789"), null, ct);

        var third = await OpenAsync(server.ClientWithKey("alice-laptop-0123456789"), null, ct);
        var bob = await OpenAsync(server.ClientWithKey("bob-key-0123456789abc"), null, ct);
        laptop.Call.Dispose();
        await Eventually.WaitUntil(() => server.Registry.All.Count == 2, ct);
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
