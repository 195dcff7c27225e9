using Microsoft.Extensions.Logging;

namespace SerSsl.Streaming.Pipeline;

/// <summary>The sessions' log events (category <c>SerSsl.Streaming.Sessions</c>); event ids 1-99 are theirs and never change meaning.</summary>
internal static partial class SessionLog
{
    /// <summary>The logger category.</summary>
    public const string Category = "SerSsl.Streaming.Sessions";

    [LoggerMessage(EventId = 1, EventName = "SessionStarted", Level = LogLevel.Information, Message = "Session {SessionId} started: {Source}, {Format}, {Mode}, hop {HopFrames} frames")]
    public static partial void Started(ILogger logger, string sessionId, string source, string format, string mode, int hopFrames);

    [LoggerMessage(EventId = 2, EventName = "SessionEnded", Level = LogLevel.Information, Message = "Session {SessionId} ended: {Estimates} estimates from {AudioSeconds:F1} s of audio, {DroppedSamples} samples dropped")]
    public static partial void Ended(ILogger logger, string sessionId, long estimates, double audioSeconds, long droppedSamples);

    /// <summary>The audio failed (a device vanished, a client sent bad data): the client's or the machine's business, so no stack trace.</summary>
    [LoggerMessage(EventId = 3, EventName = "SessionAudioFailed", Level = LogLevel.Warning, Message = "Session {SessionId} ended early: its audio failed after {Estimates} estimates: {Reason}")]
    public static partial void AudioFailed(ILogger logger, string sessionId, long estimates, string reason);

    [LoggerMessage(EventId = 4, EventName = "SessionModelFailed", Level = LogLevel.Error, Message = "Session {SessionId} failed after {Estimates} estimates: the model could not run")]
    public static partial void ModelFailed(ILogger logger, string sessionId, long estimates, Exception error);

    /// <summary>A live session fell behind and lost audio; logged at the first drop and then at most every 10 s.</summary>
    [LoggerMessage(EventId = 5, EventName = "SessionDroppedAudio", Level = LogLevel.Warning, Message = "Session {SessionId} is behind: {DroppedSamples} samples ({DroppedSeconds:F2} s) of live audio dropped so far; the model cannot keep up (fewer sessions, a larger --max-batch, or more threads)")]
    public static partial void DroppedAudio(ILogger logger, string sessionId, long droppedSamples, double droppedSeconds);
}
