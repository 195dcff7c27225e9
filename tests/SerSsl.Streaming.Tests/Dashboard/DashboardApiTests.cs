using System.Net;
using System.Text.Json;
using SerSsl.Streaming.Commands;
using SerSsl.Streaming.Server;
using SerSsl.Streaming.Sources;
using SerSsl.Streaming.Tests.Server;
using SerSsl.Streaming.Tests.Support;

namespace SerSsl.Streaming.Tests.Dashboard;

/// <summary>The dashboard's HTTP API over a real loopback port: the session list, the model, and the event stream.</summary>
public sealed class DashboardApiTests
{
    [Fact]
    public async Task Sessions_NoSession_ReturnsAnEmptyList()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync();

        using var response = await server.Http.GetAsync("/api/sessions", ct);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, json.RootElement.GetProperty("sessions").GetArrayLength());
    }

    [Fact]
    public async Task Sessions_RunningSession_ListsItWithItsSourceAndNextSequence()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync();
        var live = await server.Registry.StartAsync(new EndlessToneSource(), null, "desk", ct);
        await Eventually.WaitUntil(() => live.NextSequence >= 2, ct, TimeSpan.FromSeconds(20));

        using var json = JsonDocument.Parse(await server.Http.GetStringAsync("/api/sessions", ct));

        var session = Assert.Single(json.RootElement.GetProperty("sessions").EnumerateArray());
        Assert.Equal("desk", session.GetProperty("sessionId").GetString());
        Assert.Equal("endless tone", session.GetProperty("source").GetString());
        Assert.True(session.GetProperty("live").GetBoolean());
        Assert.False(session.GetProperty("completed").GetBoolean());
        Assert.True(ulong.Parse(session.GetProperty("nextSequence").GetString()!, System.Globalization.CultureInfo.InvariantCulture) >= 2);
        Assert.Equal(16_000, session.GetProperty("format").GetProperty("sampleRate").GetInt32());
    }

    [Fact]
    public async Task Model_Get_ReturnsTheBundleLabelsAndHop()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync();

        using var json = JsonDocument.Parse(await server.Http.GetStringAsync("/api/model", ct));

        Assert.Equal(server.Engine.Bundle.Labels, json.RootElement.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!).ToArray());
        Assert.Equal(server.Engine.Bundle.Manifest.Chunks.DefaultHopFrames, json.RootElement.GetProperty("hopFrames").GetInt32());
    }

    [Fact]
    public async Task Events_PacedSessionFromZero_EstimatesParseAndAreGapFree()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync();
        await server.Registry.StartAsync(ServerAudio.Paced(seconds: 8, speed: 4), null, "paced", ct);
        var labels = server.Engine.Bundle.Labels;

        using var response = await server.Http.GetAsync("/api/sessions/paced/events?from=0", HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var estimates = new List<JsonElement>();
        await foreach (var e in DashboardServer.ReadEventsAsync(await response.Content.ReadAsStreamAsync(ct), ct))
        {
            Assert.NotEqual("gap", e.Type);
            if (e.Type == "estimate")
            {
                var estimate = JsonDocument.Parse(e.Data).RootElement.Clone();
                Assert.Equal(estimate.GetProperty("eventSequence").GetString(), e.Id);
                estimates.Add(estimate);
                if (estimates.Count == 12)
                {
                    break;
                }
            }
        }

        Assert.Equal(Enumerable.Range(0, 12).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), estimates.Select(e => e.GetProperty("sequence").GetString()));
        foreach (var estimate in estimates)
        {
            Assert.Equal("paced", estimate.GetProperty("sessionId").GetString());
            var probabilities = estimate.GetProperty("probabilities").EnumerateArray().ToArray();
            Assert.Equal(labels, probabilities.Select(p => p.GetProperty("label").GetString()!).ToArray());
            Assert.Equal(1.0, probabilities.Sum(p => p.GetProperty("probability").GetDouble()), 3);
            Assert.Contains(estimate.GetProperty("topLabel").GetString(), labels);
            Assert.True(estimate.GetProperty("latencyMs").GetDouble() >= 0);
            Assert.True(estimate.GetProperty("endSeconds").GetDouble() > estimate.GetProperty("startSeconds").GetDouble());
        }
    }

    [Fact]
    public async Task Events_FinishedSessionFromZero_ReplaysEverythingAndEndsWithEnd()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync();
        var live = await server.Registry.StartAsync(new MemorySource(ServerAudio.Tone(16_000, 4), new AudioFormat(16_000, 1), isLive: false), null, "done", ct);
        await live.Completion.WaitAsync(ct);

        var events = await ReadAllEventsAsync(server, "/api/sessions/done/events?from=0", lastEventId: null, ct);

        var sequences = events.Where(e => e.Type == "estimate").Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("sequence").GetString()).ToArray();
        Assert.Equal(Enumerable.Range(0, (int)live.NextSequence).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), sequences);
        Assert.Contains(events, e => e.Type == "utterance");
        // Every estimate and utterance event has an id, its event sequence: gap-free over both kinds.
        var ids = events.Where(e => e.Type is "estimate" or "utterance").Select(e => ulong.Parse(e.Id!, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(Enumerable.Range(0, ids.Length).Select(i => (ulong)i), ids);
        var end = events[^1];
        Assert.Equal("end", end.Type);
        Assert.Equal(live.NextSequence.ToString(System.Globalization.CultureInfo.InvariantCulture), JsonDocument.Parse(end.Data).RootElement.GetProperty("nextSequence").GetString());
    }

    [Fact]
    public async Task Events_LastEventIdOfAnUtterance_ResumesWithTheNextEventNotTheUtteranceAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync();
        var live = await server.Registry.StartAsync(new MemorySource(ServerAudio.Tone(16_000, 4), new AudioFormat(16_000, 1), isLive: false), null, "done", ct);
        await live.Completion.WaitAsync(ct);
        var all = (await ReadAllEventsAsync(server, "/api/sessions/done/events?from=0", lastEventId: null, ct)).Where(e => e.Id is not null).ToList();
        var utterance = all.First(e => e.Type == "utterance");

        // A browser cut right after an utterance event reconnects with its id, which wins over the page's ?from.
        var events = await ReadAllEventsAsync(server, "/api/sessions/done/events?from=0", lastEventId: utterance.Id, ct);

        Assert.Equal(all.SkipWhile(e => e.Id != utterance.Id).Skip(1).Select(e => (e.Type, e.Id, e.Data)), events.Where(e => e.Id is not null).Select(e => (e.Type, e.Id, e.Data)));
        Assert.Equal("end", events[^1].Type);
    }

    [Fact]
    public async Task Events_ClientDisconnects_SubscriptionIsRemoved()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync();
        var live = await server.Registry.StartAsync(new EndlessToneSource(), null, "live", ct);
        using (var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            using var response = await server.Http.GetAsync("/api/sessions/live/events", HttpCompletionOption.ResponseHeadersRead, cancel.Token);
            var received = 0;
            await foreach (var e in DashboardServer.ReadEventsAsync(await response.Content.ReadAsStreamAsync(cancel.Token), cancel.Token))
            {
                if (e.Type == "estimate" && ++received == 2)
                {
                    break;
                }
            }

            Assert.Equal(1, live.SubscriberCount);
            await cancel.CancelAsync();
        }

        await Eventually.WaitUntil(() => live.SubscriberCount == 0 && server.Registry.ActiveCalls == 0, ct, TimeSpan.FromSeconds(20));
        Assert.False(live.IsCompleted);
    }

    [Fact]
    public async Task Events_ServerStops_StreamEndsWithEndAndTheCallIsReleased()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync();
        await server.Registry.StartAsync(new EndlessToneSource(), null, "live", ct);
        using var response = await server.Http.GetAsync("/api/sessions/live/events", HttpCompletionOption.ResponseHeadersRead, ct);
        var events = new List<ServerSentEvent>();
        var stop = Task.CompletedTask;
        await foreach (var e in DashboardServer.ReadEventsAsync(await response.Content.ReadAsStreamAsync(ct), ct))
        {
            events.Add(e);
            if (events.Count == 1)
            {
                stop = server.App.StopAsync(ct);
            }
        }

        await stop;
        Assert.Equal("end", events[^1].Type);
        Assert.Equal(0, server.Registry.ActiveCalls);
    }

    [Theory]
    [InlineData("/api/sessions/nobody/events", HttpStatusCode.NotFound)]
    [InlineData("/api/sessions/live/events?from=minus-one", HttpStatusCode.BadRequest)]
    public async Task Events_BadRequest_IsRefusedWithAReason(string path, HttpStatusCode expected)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync();
        await server.Registry.StartAsync(new EndlessToneSource(), null, "live", ct);

        using var response = await server.Http.GetAsync(path, ct);

        Assert.Equal(expected, response.StatusCode);
        Assert.NotEmpty(await response.Content.ReadAsStringAsync(ct));
    }

    [Fact]
    public async Task Api_KeyRequired_RefusesWithoutAndAcceptsItInTheQuery()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync(new ServerOptions { ApiKeys = [new ApiKey("s3cret", "key 1")] });

        using var without = await server.Http.GetAsync("/api/sessions", ct);
        using var wrong = await server.Http.GetAsync("/api/sessions?key=nope", ct);
        using var query = await server.Http.GetAsync("/api/sessions?key=s3cret", ct);
        using var header = new HttpRequestMessage(HttpMethod.Get, "/api/model") { Headers = { { "x-api-key", "s3cret" } } };
        using var withHeader = await server.Http.SendAsync(header, ct);
        using var page = await server.Http.GetAsync("/", ct);

        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Contains("?key=", await without.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, query.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withHeader.StatusCode);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode); // the page holds no data; it passes its own ?key= on
    }

    [Fact]
    public async Task Page_Root_ServesTheEmbeddedPageAndAssetsWithoutOtherOrigins()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync();

        using var page = await server.Http.GetAsync("/", ct);
        var html = await page.Content.ReadAsStringAsync(ct);
        using var script = await server.Http.GetAsync("/dashboard.js", ct);
        using var style = await server.Http.GetAsync("/dashboard.css", ct);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("src=\"dashboard.js\"", html, StringComparison.Ordinal);
        Assert.DoesNotMatch("(src|href)=\"(https?:)?//", html);
        Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.Contains("EventSource", await script.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal("text/css", style.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task DashboardUrls_PortZero_ReportsTheBoundHttp1PortOnly()
    {
        await using var server = await DashboardServer.StartAsync();

        var url = Assert.Single(RecognitionServer.DashboardUrls(server.App));

        Assert.Equal(server.BaseAddress.ToString(), url);
        Assert.NotEqual(0, server.BaseAddress.Port);
        Assert.Equal("/", server.BaseAddress.AbsolutePath);
    }

    [Theory]
    [InlineData("http://127.0.0.1:50051", "http://127.0.0.1:50052")]
    [InlineData("http://0.0.0.0:6000", "http://0.0.0.0:6001")]
    [InlineData("http://127.0.0.1:0", "http://127.0.0.1:0")]
    [InlineData("https://127.0.0.1:50051", null)]
    [InlineData("http://127.0.0.1:65535", null)]
    public void DefaultHttpUrls_GrpcAddress_IsTheNextPortUnlessHttpsServesBrowsers(string grpc, string? expected)
    {
        var urls = ServerCommandOptions.DefaultHttpUrls([grpc]);

        Assert.Equal(expected is null ? [] : [expected], urls);
    }

    private static async Task<List<ServerSentEvent>> ReadAllEventsAsync(DashboardServer server, string path, string? lastEventId, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = new List<ServerSentEvent>();
        await foreach (var e in DashboardServer.ReadEventsAsync(await response.Content.ReadAsStreamAsync(ct), ct))
        {
            events.Add(e);
        }

        return events;
    }
}
