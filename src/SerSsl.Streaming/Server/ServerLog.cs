using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace SerSsl.Streaming.Server;

/// <summary>The gRPC service's log events (category <c>SerSsl.Streaming.Server.RecognizerService</c>); event ids 200-299.</summary>
internal static partial class ServerLog
{
    /// <summary>A call the server refused: the client's business, at warning, without a stack trace.</summary>
    [LoggerMessage(EventId = 200, EventName = "CallRejected", Level = LogLevel.Warning, Message = "{Method} from {Peer} refused with {StatusCode}: {Reason}")]
    public static partial void CallRejected(ILogger logger, string method, string peer, StatusCode statusCode, string reason);

}
