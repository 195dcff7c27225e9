using Microsoft.Extensions.Logging;

namespace SerSsl.Streaming.Server;

/// <summary>The WebSocket ingest's log events (category <c>SerSsl.Streaming.Server.WebSocketIngest</c>); event ids 220-229. No event holds an API key.</summary>
internal static partial class WebSocketIngestLog
{
    /// <summary>A request refused before the WebSocket opened (not a WebSocket, a foreign origin).</summary>
    [LoggerMessage(EventId = 220, EventName = "WebSocketRefused", Level = LogLevel.Warning, Message = "WebSocket ingest from {Peer} refused with HTTP {StatusCode}: {Reason}")]
    public static partial void Refused(ILogger logger, string peer, int statusCode, string reason);

    /// <summary>A connection the server closed for a reason other than a normal end: the client's business, at warning, without a stack trace.</summary>
    [LoggerMessage(EventId = 221, EventName = "WebSocketClosed", Level = LogLevel.Warning, Message = "WebSocket ingest from {Peer} closed with {CloseCode}: {Reason}")]
    public static partial void Closed(ILogger logger, string peer, int closeCode, string reason);

    /// <summary>A connection that ended without a close frame (a closed tab, a lost network); its session was removed.</summary>
    [LoggerMessage(EventId = 222, EventName = "WebSocketDropped", Level = LogLevel.Information, Message = "WebSocket ingest from {Peer} dropped (session {SessionId}, {Bytes} bytes of audio): {Reason}")]
    public static partial void Dropped(ILogger logger, string peer, string sessionId, long bytes, string reason);
}
