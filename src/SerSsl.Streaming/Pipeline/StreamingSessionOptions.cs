namespace SerSsl.Streaming.Pipeline;

/// <summary>Per-session settings of the streaming pipeline.</summary>
public sealed record StreamingSessionOptions
{
    /// <summary>The defaults: the model's hop, no smoothing, the energy gate, 2 s of audio buffered.</summary>
    public static StreamingSessionOptions Default { get; } = new();

    /// <summary>Frames between chunk starts (an estimate every hop); null takes the model's default (25 = 250 ms).</summary>
    public int? HopFrames { get; init; }

    /// <summary>
    /// Exponential smoothing of the probabilities over speech estimates: reported = s * previous + (1 - s) * current.
    /// 0 (the default) reports each chunk's own prediction; 0.5 to 0.8 steadies a live display.
    /// </summary>
    public double Smoothing { get; init; }

    /// <summary>
    /// True (the default) to aggregate a speech chunk's estimate over only the speech chunks among the model's last K,
    /// so that the pause before an utterance does not colour its first estimates; false for the plain window of the
    /// last K chunks, pauses included. Non-speech chunks always aggregate the plain window.
    /// </summary>
    public bool SpeechWindow { get; init; } = true;

    /// <summary>Creates the session's speech detector; null uses <see cref="EnergySpeechDetector"/> at its default threshold.</summary>
    public Func<ISpeechDetector>? SpeechDetector { get; init; }

    /// <summary>Share of a chunk's frames that must be speech for the estimate to count as speech. Default 0.3 (0.3 s of a 1 s chunk).</summary>
    public double SpeechThreshold { get; init; } = 0.3;

    /// <summary>Consecutive non-speech estimates that end an utterance. Default 2 (0.5 s at the default hop).</summary>
    public int UtteranceHangover { get; init; } = 2;

    /// <summary>Audio buffered between capture and features, in seconds. Default 2. A live source drops the oldest beyond it.</summary>
    public double BufferSeconds { get; init; } = 2.0;

    /// <summary>Length of one capture read, and the longest block a write is cut into, in seconds. Default 0.02 (20 ms).</summary>
    public double BlockSeconds { get; init; } = 0.02;

    /// <summary>Events the session keeps for subscribers that resume from an earlier sequence. Default 256.</summary>
    public int ReplayCapacity { get; init; } = 256;

    /// <summary>Events buffered for each network subscriber before its oldest are dropped. Default 256.</summary>
    public int SubscriberBufferCapacity { get; init; } = 256;

    /// <summary>Network subscribers one session accepts. Default 100.</summary>
    public int MaxSubscribers { get; init; } = 100;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        if (HopFrames is < 1)
        {
            throw new ArgumentException($"The hop must be at least 1 frame, got {HopFrames}.", nameof(HopFrames));
        }

        if (!(Smoothing >= 0 && Smoothing < 1))
        {
            throw new ArgumentException($"Smoothing must be in [0, 1), got {Smoothing}.", nameof(Smoothing));
        }

        if (!(SpeechThreshold >= 0 && SpeechThreshold <= 1))
        {
            throw new ArgumentException($"The speech threshold must be in [0, 1], got {SpeechThreshold}.", nameof(SpeechThreshold));
        }

        if (UtteranceHangover < 1)
        {
            throw new ArgumentException($"The utterance hangover must be at least 1 estimate, got {UtteranceHangover}.", nameof(UtteranceHangover));
        }

        if (!(BufferSeconds >= 0.05 && BufferSeconds <= 600))
        {
            throw new ArgumentException($"The buffer must be 0.05 to 600 s, got {BufferSeconds}.", nameof(BufferSeconds));
        }

        if (!(BlockSeconds >= 0.001 && BlockSeconds <= 1))
        {
            throw new ArgumentException($"The capture block must be 0.001 to 1 s, got {BlockSeconds}.", nameof(BlockSeconds));
        }

        if (ReplayCapacity < 0 || SubscriberBufferCapacity < 1 || MaxSubscribers < 1)
        {
            throw new ArgumentException($"The replay buffer must be at least 0 events and the subscriber buffer and the subscriber limit at least 1; got {ReplayCapacity}, {SubscriberBufferCapacity} and {MaxSubscribers}.", nameof(ReplayCapacity));
        }
    }
}
