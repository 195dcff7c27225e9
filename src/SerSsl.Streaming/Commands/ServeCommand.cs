using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SerSsl.Streaming.Pipeline;
using SerSsl.Streaming.Server;

namespace SerSsl.Streaming.Commands;

/// <summary><c>sers serve</c>: the gRPC server (Recognize, Subscribe, ListSessions, GetModelInfo, health, reflection, /metrics) and the dashboard.</summary>
internal static class ServeCommand
{
    public static Command Build()
    {
        var engine = new EngineCommandOptions();
        var server = new ServerCommandOptions();
        var command = new Command(
            "serve",
            "Serve live recognition over gRPC: clients stream audio in (Recognize) and receive estimates, or follow a session (Subscribe); a dashboard for browsers on --http-urls, where 'Use my microphone' streams the browser's microphone to the server over a WebSocket (/api/recognize; browsers allow the microphone on https or localhost pages only). Loopback only unless --urls says otherwise. See docs/api.md.");
        engine.AddTo(command);
        server.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            return CommandErrors.RunAsync(error, async () =>
            {
                var logging = engine.Logging(parse, LogLevel.Information, defaultJson: true);
                var options = server.Read(parse) with { SessionOptions = engine.Session(parse), Logging = logging };
                using var loggers = logging.CreateFactory();
                await using var recognition = RecognitionEngine.Create(engine.ModelDirectory(parse), engine.Inference(parse), loggers);
                await using var registry = new ServerSessions(recognition, options);
                await using var app = RecognitionServer.Build(registry);
                await ServeAsync(app, error, cancellationToken).ConfigureAwait(false);
                return 0;
            });
        });
        return command;
    }

    /// <summary>Starts the server, says where it listens, and runs until cancelled.</summary>
    internal static async Task ServeAsync(Microsoft.AspNetCore.Builder.WebApplication app, TextWriter error, CancellationToken cancellationToken)
    {
        await StartAsync(app, error, cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: stop below.
        }

        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        error.WriteLine("server stopped.");
    }

    /// <summary>Starts the server and says where it listens.</summary>
    /// <exception cref="ArgumentException">An address cannot be bound.</exception>
    internal static async Task StartAsync(Microsoft.AspNetCore.Builder.WebApplication app, TextWriter error, CancellationToken cancellationToken)
    {
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new ArgumentException($"Cannot listen: {ex.Message} Choose another --port, --urls or --http-urls.", ex);
        }

        error.WriteLine($"serving gRPC (serssl.v1.Recognizer, health, reflection) and /metrics on {string.Join(", ", app.Urls)}");
        var options = app.Services.GetRequiredService<ServerSessions>().Options;
        error.WriteLine(options.ApiKeys.Count > 0
            ? string.Create(CultureInfo.InvariantCulture, $"API keys: required ({options.ApiKeys.Count} accepted; a key sees the sessions of its owner, admin keys see all)")
            : "API keys: none: every call and endpoint is open to whoever reaches the address (--api-key-file to require keys)");
        foreach (var warning in options.Warnings())
        {
            error.WriteLine($"warning: {warning}");
        }

        var dashboard = RecognitionServer.DashboardUrls(app);
        error.WriteLine(dashboard.Count > 0
            ? $"dashboard: {string.Join(", ", dashboard)}"
            : "dashboard: none (browsers need an HTTP/1.1 address: give --http-urls, e.g. http://127.0.0.1:50052)");
    }
}
