using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using SerSsl.Protos.V1;
using SerSsl.Streaming.Sources;

namespace SerSsl.Streaming.Server.Dashboard;

/// <summary>
/// The dashboard: a page at <c>/</c> (HTML, CSS and scripts embedded in the assembly; the page can stream the
/// browser's microphone to <see cref="WebSocketIngest.Path"/>), the running sessions at
/// <c>/api/sessions</c>, the model at <c>/api/model</c>, and each session's events as server-sent events at
/// <c>/api/sessions/{id}/events</c>, fed from the session's hub through a subscriber buffer of its own.
/// </summary>
/// <remarks>
/// JSON bodies use the protobuf JSON mapping of the gRPC messages (lowerCamelCase names, 64-bit integers as strings,
/// enums by name), with default values written out. Browsers cannot speak the HTTP/2-only plaintext gRPC addresses;
/// they reach these endpoints on the HTTP/1.1 addresses (<c>--http-urls</c>) or an https one.
/// </remarks>
internal static class DashboardEndpoints
{
    /// <summary>How long a browser waits before reconnecting an event stream that broke, in milliseconds.</summary>
    public const int RetryMilliseconds = 2000;

    private const string ResourcePrefix = "dashboard/";

    // Everything the page needs comes from this server: no inline script, no other origin. The microphone's
    // AudioWorklet module is a script of this server (script-src); its WebSocket goes to this server too (connect-src,
    // where the page's own ws: or wss: address is named as well, for browsers whose 'self' does not cover it).
    private const string ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'{0}; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly JsonFormatter s_json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    private static readonly FrozenDictionary<string, (string ContentType, byte[] Content)> s_assets = LoadAssets();

    /// <summary>Maps the page, its assets and the API.</summary>
    public static void MapDashboard(this WebApplication app, ServerSessions registry, ApiKeys keys)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(keys);
        app.MapGet("/", (HttpContext context) => Asset(context, "index.html"));
        app.MapGet("/dashboard.css", (HttpContext context) => Asset(context, "dashboard.css"));
        app.MapGet("/dashboard.js", (HttpContext context) => Asset(context, "dashboard.js"));
        app.MapGet("/microphone-worklet.js", (HttpContext context) => Asset(context, "microphone-worklet.js"));
        app.MapGet("/api/model", (HttpContext context) => Json(context, keys, _ => s_json.Format(RecognizerService.DescribeModel(registry))));
        app.MapGet("/api/sessions", (HttpContext context) => Json(context, keys, caller => s_json.Format(RecognizerService.DescribeSessions(registry, caller))));
        app.MapGet("/api/sessions/{id}/events", (HttpContext context, string id) => StreamEventsAsync(context, id, registry, keys));
    }

    /// <summary>One server-sent event: its type, the sequence as its id for estimates, and the JSON of the message.</summary>
    internal static string Format(SessionEvent e) => e.EventCase switch
    {
        // The id is the event sequence, for utterance events too: a browser's Last-Event-ID is then the last event it
        // got, whichever kind, and a resumed stream starts exactly after it.
        SessionEvent.EventOneofCase.Estimate => string.Create(CultureInfo.InvariantCulture, $"event: estimate\nid: {e.Estimate.EventSequence}\ndata: {s_json.Format(e.Estimate)}\n\n"),
        SessionEvent.EventOneofCase.Utterance => string.Create(CultureInfo.InvariantCulture, $"event: utterance\nid: {e.Utterance.EventSequence}\ndata: {s_json.Format(e.Utterance)}\n\n"),
        _ => $"event: gap\ndata: {s_json.Format(e.Gap)}\n\n",
    };

    private static async Task StreamEventsAsync(HttpContext context, string id, ServerSessions registry, ApiKeys keys)
    {
        if (!Authenticate(context, keys, out var caller, out var refusal))
        {
            await refusal.ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        if (registry.Find(id, caller) is not { } session)
        {
            await Results.Text($"No session '{Truncate(id)}'. GET /api/sessions lists the running sessions.\n", statusCode: StatusCodes.Status404NotFound).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        if (!TryReadStart(context.Request, out var from, out var fromEvent, out var problem))
        {
            await Results.Text(problem + "\n", statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        // Counted until the response has been sent (its last event included), as the gRPC streams are.
        var call = registry.TrackCall();
        context.Response.OnCompleted(() =>
        {
            call.Dispose();
            return Task.CompletedTask;
        });
        using var subscription = session.TrySubscribe(from, fromEvent: fromEvent);
        if (subscription is null)
        {
            registry.Metrics.CallRejected();
            await Results.Text($"Session '{session.Id}' has its maximum of {registry.Options.MaxSubscribersPerSession} subscribers; try again later.\n", statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var response = context.Response;
        var cancellationToken = context.RequestAborted;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        try
        {
            await response.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"retry: {RetryMilliseconds}\n: session {session.Id}\n\n"), cancellationToken).ConfigureAwait(false);
            await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            await foreach (var e in subscription.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await response.WriteAsync(Format(e), cancellationToken).ConfigureAwait(false);
                await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            await response.WriteAsync($"event: end\ndata: {Object(("sessionId", session.Id), ("nextSequence", session.NextSequence.ToString(CultureInfo.InvariantCulture)))}\n\n", cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The browser went away; disposing the subscription above removes it from the hub.
        }
        catch (Exception ex) when (ex is AudioSourceException or Inference.InferenceException)
        {
            await response.WriteAsync($"event: failed\ndata: {Object(("message", $"Session '{session.Id}' failed: {ex.Message}"))}\n\n", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Where a stream starts: after <c>Last-Event-ID</c> (an event sequence: a browser reconnecting), else at
    /// <c>?from=N</c> (an estimate sequence), else with the next event.
    /// </summary>
    private static bool TryReadStart(HttpRequest request, out ulong? from, out ulong? fromEvent, out string problem)
    {
        from = null;
        fromEvent = null;
        problem = string.Empty;
        if (request.Headers["Last-Event-ID"].FirstOrDefault() is { Length: > 0 } last)
        {
            if (!ulong.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) || sequence == ulong.MaxValue)
            {
                problem = $"Last-Event-ID '{Truncate(last)}' is not an event sequence number.";
                return false;
            }

            fromEvent = sequence + 1;
            return true;
        }

        if (request.Query["from"].FirstOrDefault() is { Length: > 0 } text)
        {
            if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
            {
                problem = $"from='{Truncate(text)}' is not a sequence number: give a whole number, e.g. from=0.";
                return false;
            }

            from = sequence;
        }

        return true;
    }

    private static IResult Json(HttpContext context, ApiKeys keys, Func<Caller, string> body)
    {
        if (!Authenticate(context, keys, out var caller, out var refusal))
        {
            return refusal;
        }

        context.Response.Headers.CacheControl = "no-store";
        return Results.Text(body(caller), "application/json; charset=utf-8");
    }

    /// <summary>
    /// True, with the caller, when the request may go on; else false with a 401. Browsers cannot add headers to an event
    /// stream, so besides <c>x-api-key</c> and <c>Authorization: Bearer</c> the key may come as <c>?key=</c>.
    /// </summary>
    private static bool Authenticate(HttpContext context, ApiKeys keys, out Caller caller, out IResult refusal)
    {
        refusal = Results.Text("This server needs an API key: send 'x-api-key: KEY' or 'Authorization: Bearer KEY', or add ?key=KEY (open the dashboard as /?key=KEY).\n", statusCode: StatusCodes.Status401Unauthorized);
        if (!keys.Required)
        {
            caller = Caller.Of(context, key: null);
            return true;
        }

        var request = context.Request;
        var key = keys.Find(request.Headers["x-api-key"].FirstOrDefault()
            ?? ApiKeys.FromAuthorization(request.Headers.Authorization.FirstOrDefault())
            ?? request.Query["key"].FirstOrDefault());
        caller = Caller.Of(context, key);
        return key is not null;
    }

    private static IResult Asset(HttpContext context, string name)
    {
        var (contentType, content) = s_assets[name];
        var headers = context.Response.Headers;
        headers.CacheControl = "no-cache";
        headers.ContentSecurityPolicy = string.Format(CultureInfo.InvariantCulture, ContentSecurityPolicy, OwnWebSocketOrigin(context.Request));
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        return Results.Bytes(content, contentType);
    }

    /// <summary>
    /// " ws://HOST" (" wss://HOST" over TLS) for the address the page was loaded from, or nothing when the Host header
    /// holds anything but the characters of a host and port (it goes into a header).
    /// </summary>
    internal static string OwnWebSocketOrigin(HttpRequest request)
    {
        var host = request.Host.Value;
        return host is { Length: > 0 and <= 255 } && host.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':' or '[' or ']')
            ? $" {(request.IsHttps ? "wss" : "ws")}://{host}"
            : string.Empty;
    }

    private static string Object(params (string Name, string Value)[] properties)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in properties)
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : string.Concat(value.AsSpan(0, 64), "...");

    private static FrozenDictionary<string, (string ContentType, byte[] Content)> LoadAssets()
    {
        var assembly = typeof(DashboardEndpoints).Assembly;
        var assets = new Dictionary<string, (string, byte[])>(StringComparer.Ordinal);
        foreach (var (name, contentType) in new[] { ("index.html", "text/html; charset=utf-8"), ("dashboard.css", "text/css; charset=utf-8"), ("dashboard.js", "text/javascript; charset=utf-8"), ("microphone-worklet.js", "text/javascript; charset=utf-8") })
        {
            using var stream = assembly.GetManifestResourceStream(ResourcePrefix + name)
                ?? throw new InvalidOperationException($"The dashboard asset '{name}' is not embedded in {assembly.GetName().Name}; rebuild the project.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            assets[name] = (contentType, copy.ToArray());
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
