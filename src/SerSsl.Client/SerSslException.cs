using Grpc.Core;

namespace SerSsl.Client;

/// <summary>A call to a SerSsl server failed; <see cref="Exception.Message"/> keeps the server's own message.</summary>
public class SerSslException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, where, and what to do.</param>
    /// <param name="statusCode">The gRPC status of the failed call.</param>
    /// <param name="serverMessage">The server's status message.</param>
    /// <param name="innerException">The gRPC exception.</param>
    public SerSslException(string message, StatusCode statusCode, string serverMessage, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        ServerMessage = serverMessage;
    }

    /// <summary>The gRPC status of the failed call.</summary>
    public StatusCode StatusCode { get; }

    /// <summary>The server's status message, unchanged.</summary>
    public string ServerMessage { get; }
}

/// <summary>The server has no session of that id that this caller may see (NOT_FOUND).</summary>
public sealed class SerSslSessionNotFoundException : SerSslException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, where, and what to do.</param>
    /// <param name="sessionId">The session asked for.</param>
    /// <param name="serverMessage">The server's status message.</param>
    /// <param name="attempts">Reconnection attempts made before giving up; 0 when the first call failed.</param>
    /// <param name="innerException">The gRPC exception.</param>
    public SerSslSessionNotFoundException(string message, string sessionId, string serverMessage, int attempts, Exception? innerException = null)
        : base(message, StatusCode.NotFound, serverMessage, innerException)
    {
        SessionId = sessionId;
        Attempts = attempts;
    }

    /// <summary>The session asked for.</summary>
    public string SessionId { get; }

    /// <summary>Reconnection attempts made before giving up; 0 when the first call failed.</summary>
    public int Attempts { get; }
}

/// <summary>A subscription was cut and every reconnection attempt failed.</summary>
public sealed class SerSslConnectionLostException : SerSslException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, where, and what to do.</param>
    /// <param name="statusCode">The status of the last attempt.</param>
    /// <param name="serverMessage">The message of the last attempt.</param>
    /// <param name="attempts">Attempts made.</param>
    /// <param name="lastEventSequence">The last event sequence received; null when none was.</param>
    /// <param name="innerException">The gRPC exception of the last attempt.</param>
    public SerSslConnectionLostException(string message, StatusCode statusCode, string serverMessage, int attempts, ulong? lastEventSequence, Exception? innerException = null)
        : base(message, statusCode, serverMessage, innerException)
    {
        Attempts = attempts;
        LastEventSequence = lastEventSequence;
    }

    /// <summary>Reconnection attempts made.</summary>
    public int Attempts { get; }

    /// <summary>The last event sequence received; null when none was.</summary>
    public ulong? LastEventSequence { get; }
}
