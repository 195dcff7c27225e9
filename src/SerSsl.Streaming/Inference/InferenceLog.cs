using Microsoft.Extensions.Logging;

namespace SerSsl.Streaming.Inference;

/// <summary>The inference scheduler's log events (category <c>SerSsl.Streaming.Inference</c>); event ids 100-199.</summary>
internal static partial class InferenceLog
{
    /// <summary>The logger category.</summary>
    public const string Category = "SerSsl.Streaming.Inference";

    [LoggerMessage(EventId = 100, EventName = "BatchFailed", Level = LogLevel.Error, Message = "A batch of {Chunks} chunks failed; each of its sessions gets the error and the scheduler goes on")]
    public static partial void BatchFailed(ILogger logger, int chunks, Exception error);

    [LoggerMessage(EventId = 101, EventName = "SchedulerStopped", Level = LogLevel.Debug, Message = "The inference scheduler stopped after {Batches} batches ({Chunks} chunks); {Abandoned} queued chunks were cancelled")]
    public static partial void Stopped(ILogger logger, long batches, long chunks, int abandoned);
}
