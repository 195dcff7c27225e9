using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace SerSsl.Streaming.Server;

/// <summary>How a command logs: on stderr (stdout carries only what the command prints), as text lines or JSON lines.</summary>
/// <param name="Level">The least severe level written.</param>
/// <param name="Json">JSON lines (one object per event, with its event id and structured fields) instead of text.</param>
internal sealed record LogSettings(LogLevel Level, bool Json)
{
    /// <summary>Quiet: warnings and worse, as text.</summary>
    public static LogSettings Quiet { get; } = new(LogLevel.Warning, Json: false);

    /// <summary>Sets up <paramref name="logging"/> with these settings.</summary>
    public void Configure(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        if (Json)
        {
            logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
                o.ColorBehavior = LoggerColorBehavior.Disabled;
            });
        }

        logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        logging.SetMinimumLevel(Level);

        // ASP.NET Core's request chatter stays out below warning. The host logs a failed start (a port in use, a bad
        // certificate) with a stack trace and then throws; the commands report that exception in one line.
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("Grpc", LogLevel.Warning);
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
    }

    /// <summary>A logger factory with these settings, for the engine of a command.</summary>
    public ILoggerFactory CreateFactory() => LoggerFactory.Create(Configure);
}
