using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using SerSsl.Streaming.Server;
using SerSsl.Streaming.Tests.Dashboard;
using SerSsl.Streaming.Tests.Support;

namespace SerSsl.Streaming.Tests.Server;

/// <summary>The WebSocket ingest (<c>/api/recognize</c>) over a real loopback port, driven by <see cref="ClientWebSocket"/>.</summary>
public sealed class WebSocketIngestTests
{
    private const string AliceKey = "alice-key-0123456789abcdef";
    private const string BobKey = "bob-key-0123456789abcdef";
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Recognize_PacedAudioThenClose_SessionPublishesEstimatesAndClosesNormally()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync();
        using var socket = await ConnectAsync(server, Own(server), ct);

        await SendTextAsync(socket, """{"sampleRate": 16000, "channels": 1, "encoding": "s16le"}""", ct);
        using var started = JsonDocument.Parse(await ReceiveTextAsync(socket, ct));
        var id = started.RootElement.GetProperty("sessionId").GetString()!;
        using var events = await server.Http.GetAsync($"/api/sessions/{id}/events?from=0", HttpCompletionOption.ResponseHeadersRead, ct);
        var estimates = CollectEstimatesAsync(events, ct);

        // 4 s of tone in 20 ms messages at about twice real time, within the burst allowance.
        var pcm = ServerAudio.S16(ServerAudio.Tone(16_000, 4));
        for (var offset = 0; offset < pcm.Length; offset += 640)
        {
            await socket.SendAsync(pcm.AsMemory(offset, Math.Min(640, pcm.Length - offset)), WebSocketMessageType.Binary, endOfMessage: true, ct);
            await Task.Delay(10, ct);
        }

        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", ct);
        var ending = await ReadToCloseAsync(socket, ct);
        var received = await estimates.WaitAsync(s_wait, ct);

        Assert.Equal("started", started.RootElement.GetProperty("type").GetString());
        Assert.Equal(16_000, started.RootElement.GetProperty("sampleRate").GetInt32());
        Assert.Equal(server.Engine.Bundle.Labels, started.RootElement.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!).ToArray());
        Assert.Equal(WebSocketCloseStatus.NormalClosure, ending.Status);
        Assert.Empty(ending.Texts);
        Assert.True(received.Count >= 5, $"{received.Count} estimates from 4 s of audio.");
        Assert.All(received, e => Assert.Equal(id, e.GetProperty("sessionId").GetString()));
        Assert.Equal(Enumerable.Range(0, received.Count).Select(i => i.ToString(CultureInfo.InvariantCulture)), received.Select(e => e.GetProperty("sequence").GetString()));
        await Eventually.WaitUntil(() => server.Registry.SlotsTaken == 0, ct, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Connect_KeyRequiredButMissing_ClosesWith4401AndSaysWhereTheKeyGoes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync(new ServerOptions { ApiKeys = [new ApiKey(AliceKey, "alice")] });
        using var socket = await ConnectAsync(server, Own(server), ct);

        await SendTextAsync(socket, """{"sampleRate": 48000}""", ct);
        var ending = await ReadToCloseAsync(socket, ct);

        AssertClosed(ending, 4401, "\"apiKey\" in the config message");
        Assert.Equal(0, server.Registry.SlotsTaken);
    }

    [Fact]
    public async Task Connect_WrongKey_ClosesWith4401AndNoLogHoldsAKey()
    {
        var ct = TestContext.Current.CancellationToken;
        var logs = new CapturingLoggerProvider();
        await using var server = await DashboardServer.StartAsync(new ServerOptions { ApiKeys = [new ApiKey(AliceKey, "alice")] }, b => b.Logging.AddProvider(logs));
        const string Wrong = "not-the-key-0123456789abcdef";
        using var socket = await ConnectAsync(server, Own(server), ct);

        await SendTextAsync(socket, $$"""{"apiKey": "{{Wrong}}", "sampleRate": 48000}""", ct);
        var ending = await ReadToCloseAsync(socket, ct);

        AssertClosed(ending, 4401, "not accepted");
        Assert.DoesNotContain(Wrong, ending.Description, StringComparison.Ordinal);
        Assert.Contains(logs.Events, e => e.Id.Id == 221 && e.Message.Contains("4401", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Events, e => e.Message.Contains(Wrong, StringComparison.Ordinal) || e.Message.Contains(AliceKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Connect_GoodKey_SessionBelongsToTheKeysOwnerOnly()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync(new ServerOptions { ApiKeys = [new ApiKey(AliceKey, "alice"), new ApiKey(BobKey, "bob")] });
        using var socket = await ConnectAsync(server, origin: null, ct);

        await SendTextAsync(socket, $$"""{"apiKey": "{{AliceKey}}", "sampleRate": 16000, "sessionId": "alice-mic"}""", ct);
        using var started = JsonDocument.Parse(await ReceiveTextAsync(socket, ct));
        var alice = await server.Http.GetStringAsync($"/api/sessions?key={AliceKey}", ct);
        var bob = await server.Http.GetStringAsync($"/api/sessions?key={BobKey}", ct);
        using var bobEvents = await server.Http.GetAsync($"/api/sessions/alice-mic/events?key={BobKey}", ct);

        Assert.Equal("alice-mic", started.RootElement.GetProperty("sessionId").GetString());
        Assert.Equal("alice", server.Registry.OwnerOf("alice-mic"));
        Assert.Contains("alice-mic", alice, StringComparison.Ordinal);
        Assert.DoesNotContain("alice-mic", bob, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, bobEvents.StatusCode);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, (await ReadToCloseAsync(socket, ct)).Status);
    }

    [Fact]
    public async Task Connect_PageFromAnotherOrigin_Refused403BeforeTheUpgrade()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync();
        using var socket = NewSocket("http://evil.example");

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(WebSocketUri(server), ct));

        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
        Assert.Equal(0, server.Registry.SlotsTaken);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("http://127.0.0.1:1")]
    public async Task Connect_OriginNullOrAnotherPort_Refused(string origin)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync();
        using var socket = NewSocket(origin);

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(WebSocketUri(server), ct));

        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
    }

    [Fact]
    public async Task Connect_ListedOrigin_Accepted()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync(new ServerOptions { AllowedOrigins = ["https://app.example.com"] });
        using var socket = await ConnectAsync(server, "https://app.example.com", ct);

        await SendTextAsync(socket, """{"sampleRate": 44100}""", ct);
        using var started = JsonDocument.Parse(await ReceiveTextAsync(socket, ct));

        Assert.Equal("started", started.RootElement.GetProperty("type").GetString());
        Assert.Equal(1, server.Registry.SlotsTaken);
    }

    [Fact]
    public async Task Get_NotAWebSocket_Returns400SayingWhatTheAddressIsFor()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync();

        using var response = await server.Http.GetAsync(WebSocketIngest.Path, ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("WebSocket connections only", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{sampleRate: 48000}", "not valid JSON")]
    [InlineData("[48000]", "must be a JSON object")]
    [InlineData("""{"sampleRate": "48000"}""", "\"sampleRate\" must be a whole number")]
    [InlineData("""{"channels": 1}""", "no \"sampleRate\"")]
    [InlineData("""{"sampleRate": 48000, "rate": 1}""", "unknown field 'rate'")]
    [InlineData("""{"sampleRate": 1000}""", "Sample rate 1000 Hz is not supported")]
    [InlineData("""{"sampleRate": 48000, "channels": 0}""", "0 channels are not supported")]
    [InlineData("""{"sampleRate": 48000, "encoding": "opus"}""", "encoding 'opus' is not supported")]
    [InlineData("""{"sampleRate": 48000, "sessionId": "a b"}""", "sessionId 'a b' is not valid")]
    public async Task Config_Malformed_ClosesWith4400NamingTheProblem(string config, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync();
        using var socket = await ConnectAsync(server, Own(server), ct);

        await SendTextAsync(socket, config, ct);
        var ending = await ReadToCloseAsync(socket, ct);

        AssertClosed(ending, 4400, expected);
        Assert.Equal(0, server.Registry.SlotsTaken);
    }

    [Fact]
    public async Task Config_NotJsonAtAll_SaysWhereInTheMessage()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync();
        using var socket = await ConnectAsync(server, Own(server), ct);

        await SendTextAsync(socket, """{"sampleRate": 48000,,}""", ct);
        var ending = await ReadToCloseAsync(socket, ct);

        AssertClosed(ending, 4400, "BytePositionInLine");
    }

    [Fact]
    public async Task Config_TextThatIsNotUtf8_ClosedWith1007ByTheWebSocketLayer()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync();
        using var socket = await ConnectAsync(server, Own(server), ct);

        await socket.SendAsync(new byte[] { (byte)'{', 0xC3, 0x28, (byte)'}' }, WebSocketMessageType.Text, endOfMessage: true, ct);

        // The WebSocket layer sends its close frame (1007) and aborts the connection at once, so on a busy machine the
        // reset can reach the client before the frame does: either is an answer, a normal close or silence is not.
        try
        {
            var ending = await ReadToCloseAsync(socket, ct);
            Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, ending.Status);
        }
        catch (WebSocketException ex)
        {
            Assert.Equal(WebSocketError.ConnectionClosedPrematurely, ex.WebSocketErrorCode);
        }

        Assert.Equal(0, server.Registry.SlotsTaken);
    }

    [Fact]
    public async Task Config_BinaryFirst_ClosesWith4400()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync();
        using var socket = await ConnectAsync(server, Own(server), ct);

        await socket.SendAsync(new byte[640], WebSocketMessageType.Binary, endOfMessage: true, ct);
        var ending = await ReadToCloseAsync(socket, ct);

        AssertClosed(ending, 4400, "got a binary message of 640 bytes");
    }

    [Fact]
    public async Task Audio_TextMessageAfterConfig_ClosesWith1003AndFreesTheSession()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync();
        using var socket = await StartSessionAsync(server, ct);

        await socket.SendAsync(new byte[640], WebSocketMessageType.Binary, endOfMessage: true, ct);
        await SendTextAsync(socket, """{"sampleRate": 16000}""", ct);
        var ending = await ReadToCloseAsync(socket, ct);

        AssertClosed(ending, 1003, "after 640 bytes of audio");
        await Eventually.WaitUntil(() => server.Registry.SlotsTaken == 0, ct, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Audio_MessageOverTheSizeLimit_ClosesWith1009NamingTheLimit()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync(new ServerOptions { MaxMessageBytes = 4096 });
        using var socket = await StartSessionAsync(server, ct);

        // A message exactly at the limit is taken; one byte more is not.
        await socket.SendAsync(new byte[4096], WebSocketMessageType.Binary, endOfMessage: true, ct);
        await socket.SendAsync(new byte[4097], WebSocketMessageType.Binary, endOfMessage: true, ct);
        var ending = await ReadToCloseAsync(socket, ct);

        AssertClosed(ending, 1009, "more than 4096 bytes (--max-message-bytes) arrived after 4096 bytes of audio");
    }

    [Fact]
    public async Task Audio_FragmentedMessageOverTheLimit_ClosesWith1009()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync(new ServerOptions { MaxMessageBytes = 4096 });
        using var socket = await StartSessionAsync(server, ct);

        for (var i = 0; i < 3; i++)
        {
            await socket.SendAsync(new byte[2000], WebSocketMessageType.Binary, endOfMessage: false, ct);
        }

        await socket.SendAsync(new byte[2], WebSocketMessageType.Binary, endOfMessage: true, ct);
        var ending = await ReadToCloseAsync(socket, ct);

        AssertClosed(ending, 1009, "more than 4096 bytes");
    }

    [Fact]
    public async Task Close_InsideASampleFrame_ClosesWith4400AfterProcessingTheRest()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync();
        using var socket = await StartSessionAsync(server, ct);

        await socket.SendAsync(new byte[641], WebSocketMessageType.Binary, endOfMessage: true, ct);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
        var ending = await ReadToCloseAsync(socket, ct);

        AssertClosed(ending, 4400, "ended inside a sample frame: 1 trailing bytes after 640 bytes");
    }

    [Fact]
    public async Task Connect_OverThePerClientLimit_ClosesWith4429NamingTheOption()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync(new ServerOptions { MaxSessionsPerClient = 1 });
        using var first = await StartSessionAsync(server, ct);
        using var second = await ConnectAsync(server, Own(server), ct);

        await SendTextAsync(second, """{"sampleRate": 16000}""", ct);
        var ending = await ReadToCloseAsync(second, ct);

        AssertClosed(ending, 4429, "--max-sessions-per-client");
        Assert.Equal(1, server.Registry.SlotsTaken);
    }

    [Fact]
    public async Task Connect_OverTheServerLimit_ClosesWith4429()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync(new ServerOptions { MaxSessions = 1 });
        using var first = await StartSessionAsync(server, ct);
        using var second = await ConnectAsync(server, Own(server), ct);

        await SendTextAsync(second, """{"sampleRate": 16000}""", ct);

        AssertClosed(await ReadToCloseAsync(second, ct), 4429, "--max-sessions");
    }

    [Fact]
    public async Task Connect_SessionIdTaken_ClosesWith4409()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync();
        using var first = await StartSessionAsync(server, ct, "desk");
        using var second = await ConnectAsync(server, Own(server), ct);

        await SendTextAsync(second, """{"sampleRate": 16000, "sessionId": "desk"}""", ct);

        AssertClosed(await ReadToCloseAsync(second, ct), 4409, "desk");
    }

    [Fact]
    public async Task Idle_NoConfig_ClosesWith4408NamingTheOption()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync(new ServerOptions { IdleTimeout = TimeSpan.FromSeconds(0.5) });
        using var socket = await ConnectAsync(server, Own(server), ct);

        var ending = await ReadToCloseAsync(socket, ct);

        AssertClosed(ending, 4408, "No config message for 0.5 s");
    }

    [Fact]
    public async Task Idle_AudioStops_ClosesWith4408AndFreesTheSession()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync(new ServerOptions { IdleTimeout = TimeSpan.FromSeconds(0.5) });
        using var socket = await StartSessionAsync(server, ct);

        await socket.SendAsync(new byte[640], WebSocketMessageType.Binary, endOfMessage: true, ct);
        var ending = await ReadToCloseAsync(socket, ct);

        AssertClosed(ending, 4408, "No audio for 0.5 s after 640 bytes");
        await Eventually.WaitUntil(() => server.Registry.SlotsTaken == 0, ct, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Audio_FasterThanRealTime_ClosesWith4429()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync(new ServerOptions { BurstSeconds = 0.5 });
        using var socket = await StartSessionAsync(server, ct);

        var second = new byte[32_000];
        for (var i = 0; i < 3 && socket.State == WebSocketState.Open; i++)
        {
            await socket.SendAsync(second, WebSocketMessageType.Binary, endOfMessage: true, ct);
        }

        AssertClosed(await ReadToCloseAsync(socket, ct), 4429, "faster than real time");
    }

    [Fact]
    public async Task Shutdown_WhileStreaming_ClosesWith1001()
    {
        var ct = TestContext.Current.CancellationToken;
        var server = await DashboardServer.StartAsync();
        await using (server)
        {
            using var socket = await StartSessionAsync(server, ct);
            await socket.SendAsync(new byte[640], WebSocketMessageType.Binary, endOfMessage: true, ct);
            var ending = ReadToCloseAsync(socket, ct);

            await server.App.StopAsync(ct);

            AssertClosed(await ending.WaitAsync(s_wait, ct), 1001, "shutting down");
        }
    }

    [Fact]
    public async Task Page_ContentSecurityPolicy_AllowsItsOwnWebSocketAndServesTheWorklet()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync();

        using var page = await server.Http.GetAsync("/", ct);
        using var worklet = await server.Http.GetAsync("/microphone-worklet.js", ct);
        var policy = page.Headers.GetValues("Content-Security-Policy").Single();

        Assert.Contains($"connect-src 'self' ws://{server.BaseAddress.Authority};", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, worklet.StatusCode);
        Assert.Equal("text/javascript", worklet.Content.Headers.ContentType?.MediaType);
        Assert.Contains("registerProcessor(\"sers-pcm-capture\"", await worklet.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }

    [Fact]
    public void Reason_LongMessage_CutToWhatACloseFrameHolds()
    {
        var message = string.Concat(Enumerable.Repeat("é", 200));

        var reason = WebSocketIngest.Reason(message);

        Assert.True(Encoding.UTF8.GetByteCount(reason) <= 123);
        Assert.EndsWith("...", reason, StringComparison.Ordinal);
        Assert.Equal("short", WebSocketIngest.Reason("short"));
    }

    private static void AssertClosed(Ending ending, int code, string expected)
    {
        Assert.Equal((WebSocketCloseStatus)code, ending.Status);
        Assert.False(string.IsNullOrEmpty(ending.Description), "The close frame has a reason.");
        using var error = JsonDocument.Parse(Assert.Single(ending.Texts));
        Assert.Equal("error", error.RootElement.GetProperty("type").GetString());
        Assert.Equal(code, error.RootElement.GetProperty("code").GetInt32());
        Assert.Contains(expected, error.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.StartsWith(ending.Description!.TrimEnd('.'), error.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private static string Own(DashboardServer server) => server.BaseAddress.GetLeftPart(UriPartial.Authority);

    private static Uri WebSocketUri(DashboardServer server) => new UriBuilder(server.BaseAddress) { Scheme = "ws", Path = WebSocketIngest.Path }.Uri;

    private static ClientWebSocket NewSocket(string? origin)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        return socket;
    }

    private static async Task<ClientWebSocket> ConnectAsync(DashboardServer server, string? origin, CancellationToken ct)
    {
        var socket = NewSocket(origin);
        await socket.ConnectAsync(WebSocketUri(server), ct);
        return socket;
    }

    private static async Task<ClientWebSocket> StartSessionAsync(DashboardServer server, CancellationToken ct, string? sessionId = null)
    {
        var socket = await ConnectAsync(server, Own(server), ct);
        await SendTextAsync(socket, sessionId is null ? """{"sampleRate": 16000}""" : $$"""{"sampleRate": 16000, "sessionId": "{{sessionId}}"}""", ct);
        using var started = JsonDocument.Parse(await ReceiveTextAsync(socket, ct));
        Assert.Equal("started", started.RootElement.GetProperty("type").GetString());
        return socket;
    }

    private static Task SendTextAsync(ClientWebSocket socket, string text, CancellationToken ct) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, ct);

    private static async Task<string> ReceiveTextAsync(ClientWebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        var result = await socket.ReceiveAsync(buffer.AsMemory(), ct).AsTask().WaitAsync(s_wait, ct);
        Assert.Equal(WebSocketMessageType.Text, result.MessageType);
        Assert.True(result.EndOfMessage);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    /// <summary>Reads text messages until the server's close frame, answers it, and returns what came.</summary>
    private static async Task<Ending> ReadToCloseAsync(ClientWebSocket socket, CancellationToken ct)
    {
        var texts = new List<string>();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            using var message = new MemoryStream();
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(), ct).AsTask().WaitAsync(s_wait, ct);
                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                if (socket.State == WebSocketState.CloseReceived)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                }

                return new Ending(texts, socket.CloseStatus, socket.CloseStatusDescription);
            }

            if (result.MessageType == WebSocketMessageType.Text)
            {
                texts.Add(Encoding.UTF8.GetString(message.ToArray()));
            }
        }
    }

    private static async Task<List<JsonElement>> CollectEstimatesAsync(HttpResponseMessage events, CancellationToken ct)
    {
        Assert.Equal(HttpStatusCode.OK, events.StatusCode);
        var estimates = new List<JsonElement>();
        await foreach (var e in DashboardServer.ReadEventsAsync(await events.Content.ReadAsStreamAsync(ct), ct))
        {
            if (e.Type == "estimate")
            {
                estimates.Add(JsonDocument.Parse(e.Data).RootElement.Clone());
            }
            else if (e.Type == "end")
            {
                break;
            }
        }

        return estimates;
    }

    private sealed record Ending(List<string> Texts, WebSocketCloseStatus? Status, string? Description);
}
