using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace SerSsl.Streaming.Server;

/// <summary>The gRPC service's log events (category <c>SerSsl.Streaming.Server.RecognizerService</c>); event ids 200-299.</summary>
internal static partial class ServerLog
{
    /// <summary>A call the server refused: the client's business, at warning, without a stack trace.</summary>
    [LoggerMessage(EventId = 200, EventName = "CallRejected", Level = LogLevel.Warning, Message = "{Method} from {Peer} refused with {StatusCode}: {Reason}")]
    public static partial void CallRejected(ILogger logger, string method, string peer, StatusCode statusCode, string reason);

    /// <summary>A request message that is not valid protobuf, answered with INVALID_ARGUMENT: one line, no stack trace.</summary>
    [LoggerMessage(EventId = 201, EventName = "MalformedRequest", Level = LogLevel.Warning, Message = "{Method} refused with InvalidArgument: a request message of {Bytes} bytes is not valid protobuf: {Reason}")]
    public static partial void MalformedRequest(ILogger logger, string method, int bytes, string reason);

}
