using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SerSsl.Protos.V1;
using SerSsl.Streaming.Pipeline;
using SerSsl.Streaming.Server;
using SerSsl.Streaming.Tests.Support;

namespace SerSsl.Streaming.Tests.Server;

/// <summary>How a test reaches the server.</summary>
public enum Transport
{
    /// <summary>In process, through the test server's handler.</summary>
    InProcess,

    /// <summary>Over a real Kestrel port on loopback (HTTP/2 without TLS).</summary>
    Kestrel,
}

/// <summary>An engine on the test bundle, a registry and a running server, with a channel to it.</summary>
internal sealed class ServerHarness : IAsyncDisposable
{
    private ServerHarness(RecognitionEngine engine, ServerSessions registry, WebApplication app, GrpcChannel channel, Uri address, HttpMessageHandler? handler)
    {
        Engine = engine;
        Registry = registry;
        App = app;
        Channel = channel;
        Address = address;
        Handler = handler;
        Client = new Recognizer.RecognizerClient(channel);
    }

    public RecognitionEngine Engine { get; }

    public ServerSessions Registry { get; }

    public WebApplication App { get; }

    public GrpcChannel Channel { get; }

    public Uri Address { get; }

    public HttpMessageHandler? Handler { get; }

    public Recognizer.RecognizerClient Client { get; }

    /// <summary>What the server logged (warnings and worse, as a server logs by default).</summary>
    public CapturingLoggerProvider Logs { get; private init; } = null!;

    public static async Task<ServerHarness> StartAsync(Transport transport, ServerOptions? options = null)
    {
        var engine = RecognitionEngine.Create(TestModel.Load());
        options ??= new ServerOptions();
        options = options with { Urls = ["http://127.0.0.1:0"], HttpUrls = [] };
        var registry = new ServerSessions(engine, options);
        var logs = new CapturingLoggerProvider();
        var app = RecognitionServer.Build(registry, builder =>
        {
            builder.Logging.AddProvider(logs);
            if (transport == Transport.InProcess)
            {
                builder.WebHost.UseTestServer();
            }
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        if (transport == Transport.InProcess)
        {
            var server = app.GetTestServer();
            var handler = server.CreateHandler();
            var channel = GrpcChannel.ForAddress(server.BaseAddress, new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = null, MaxSendMessageSize = null });
            return new ServerHarness(engine, registry, app, channel, server.BaseAddress, handler) { Logs = logs };
        }

        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var kestrelChannel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = null, MaxSendMessageSize = null });
        return new ServerHarness(engine, registry, app, kestrelChannel, address, null) { Logs = logs };
    }

    /// <summary>A client that sends an API key with every call.</summary>
    public Recognizer.RecognizerClient ClientWithKey(string key) =>
        new(Channel.Intercept(metadata =>
        {
            metadata.Add("x-api-key", key);
            return metadata;
        }));

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
        await Registry.DisposeAsync();
        await Engine.DisposeAsync();
    }
}
