using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.AspNetCore.Builder;
using SerSsl.Streaming.Pipeline;
using SerSsl.Streaming.Server;
using SerSsl.Streaming.Tests.Support;

namespace SerSsl.Streaming.Tests.Dashboard;

/// <summary>A server on the test bundle with an HTTP/1.1 loopback port for browsers, and a client for it.</summary>
internal sealed class DashboardServer : IAsyncDisposable
{
    private DashboardServer(RecognitionEngine engine, ServerSessions registry, WebApplication app, Uri baseAddress)
    {
        Engine = engine;
        Registry = registry;
        App = app;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public RecognitionEngine Engine { get; }

    public ServerSessions Registry { get; }

    public WebApplication App { get; }

    /// <summary>The dashboard's address, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    public static async Task<DashboardServer> StartAsync(ServerOptions? options = null, Action<WebApplicationBuilder>? configure = null)
    {
        var engine = RecognitionEngine.Create(TestModel.Load());
        options = (options ?? new ServerOptions()) with { Urls = ["http://127.0.0.1:0"], HttpUrls = ["http://127.0.0.1:0"] };
        var registry = new ServerSessions(engine, options);
        var app = RecognitionServer.Build(registry, configure);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new DashboardServer(engine, registry, app, new Uri(RecognitionServer.DashboardUrls(app).Single()));
    }

    /// <summary>Reads server-sent events from a response body until it ends.</summary>
    public static async IAsyncEnumerable<ServerSentEvent> ReadEventsAsync(Stream body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(body, Encoding.UTF8);
        string? type = null;
        string? id = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (type is not null || data.Length > 0)
                {
                    yield return new ServerSentEvent(type ?? "message", id, data.ToString());
                }

                (type, id) = (null, null);
                data.Clear();
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line["event: ".Length..];
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line["id: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Append(line["data: ".Length..]);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
        await Registry.DisposeAsync();
        await Engine.DisposeAsync();
    }
}

/// <summary>One server-sent event.</summary>
internal sealed record ServerSentEvent(string Type, string? Id, string Data);
