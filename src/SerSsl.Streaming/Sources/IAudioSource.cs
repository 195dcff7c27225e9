namespace SerSsl.Streaming.Sources;

/// <summary>
/// Where a session's audio comes from: a microphone, a file, stdin or a gRPC client. The pipeline pulls from it on a
/// dedicated reader task and hands the blocks to the feature stage through a bounded channel.
/// </summary>
/// <remarks>
/// <para>
/// Samples are interleaved float32 in [-1, 1] (values outside are kept, non-finite values are passed on for the
/// pipeline to flag), at <see cref="Format"/>. A source never changes its format; input whose format changes mid-stream
/// ends the source with an <see cref="AudioSourceException"/>.
/// </para>
/// <para>
/// A live source (<see cref="IsLive"/>) produces audio at its own pace whether or not anyone reads, so the pipeline
/// must not block it: when the channel is full the oldest audio is dropped and counted. A non-live source (a file
/// read as fast as possible) is read only as fast as the pipeline consumes, so nothing is lost.
/// </para>
/// </remarks>
public interface IAudioSource : IAsyncDisposable
{
    /// <summary>A short human-readable description, e.g. <c>mic: alsa_input.pci-0000_00_1f.3.analog-stereo</c>.</summary>
    public string Description { get; }

    /// <summary>The sample rate and channel count of what <see cref="ReadAsync"/> returns; fixed for the source's life.</summary>
    public AudioFormat Format { get; }

    /// <summary>True when audio arrives in real time regardless of the reader (microphone, paced file, network).</summary>
    public bool IsLive { get; }

    /// <summary>Opens the device or file; called once before the first read.</summary>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <exception cref="AudioSourceException">The source cannot be opened; the message says what to do.</exception>
    public ValueTask OpenAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Reads the next interleaved samples into <paramref name="destination"/> (whole frames only: a multiple of
    /// <see cref="AudioFormat.Channels"/>). Returns the number of samples written; 0 means the end of the source.
    /// </summary>
    /// <param name="destination">Where to write; at least one frame long.</param>
    /// <param name="cancellationToken">Stops waiting; a live source returns promptly (within one read period).</param>
    /// <exception cref="AudioSourceException">The source failed (device gone, malformed input).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ValueTask<int> ReadAsync(Memory<float> destination, CancellationToken cancellationToken);
}
