using System.Buffers;
using System.Globalization;
using System.Threading.Channels;
using SerSsl.Core.Audio;

namespace SerSsl.Streaming.Sources;

/// <summary>Why a <see cref="NetworkAudioSource"/> refused audio.</summary>
internal enum IngestError
{
    /// <summary>Audio arrived faster than real time beyond the burst allowance.</summary>
    TooFast,

    /// <summary>The stream ended inside a sample frame.</summary>
    PartialFrame,
}

/// <summary>A <see cref="NetworkAudioSource"/> refused audio; <see cref="Error"/> says why.</summary>
internal sealed class IngestException(IngestError error, string message) : Exception(message)
{
    /// <summary>Why the audio was refused.</summary>
    public IngestError Error { get; } = error;
}

/// <summary>
/// A live source fed from the network: a writer (the gRPC Recognize call) appends PCM bytes as they arrive, the
/// pipeline reads the decoded floats.
/// </summary>
/// <remarks>
/// <para>
/// Bytes need not arrive in whole frames: a message may end inside a sample or a frame, and the rest is taken from the
/// next message (network framing is the sender's business, not the audio's). Only the end of the stream must fall on
/// a frame boundary; <see cref="Complete"/> refuses a trailing partial frame.
/// </para>
/// <para>
/// The source is live: the pipeline never waits for it and drops the oldest audio when it falls behind. To keep a
/// client from sending a recording much faster than real time (which would only be dropped), <see cref="AppendAsync"/>
/// refuses audio that runs ahead of the wall clock since the first audio by more than the burst allowance.
/// </para>
/// </remarks>
internal sealed class NetworkAudioSource : IAudioSource
{
    private readonly Channel<Block> _blocks = Channel.CreateBounded<Block>(new BoundedChannelOptions(256) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly RawPcmDecoder _decoder;
    private readonly double _burstSeconds;
    private readonly TimeProvider _time;
    private long _firstArrival = -1;
    private Block _current;
    private int _currentOffset;

    /// <summary>Creates the source.</summary>
    /// <param name="format">Rate and channels of the PCM that will arrive.</param>
    /// <param name="encoding">Sample encoding of the PCM.</param>
    /// <param name="description">What <see cref="Description"/> says, e.g. the peer's address.</param>
    /// <param name="burstSeconds">How far the audio may run ahead of real time; infinity disables the check.</param>
    /// <param name="time">The clock; null for the system clock.</param>
    /// <exception cref="AudioSourceException">The format is out of range.</exception>
    public NetworkAudioSource(AudioFormat format, RawSampleEncoding encoding, string description, double burstSeconds, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(format);
        format.Validate();
        ArgumentOutOfRangeException.ThrowIfNegative(burstSeconds);
        Format = format;
        Description = description;
        _decoder = new RawPcmDecoder(encoding, format.Channels);
        _burstSeconds = burstSeconds;
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public AudioFormat Format { get; }

    /// <inheritdoc />
    public bool IsLive => true;

    /// <summary>Bytes of PCM appended so far.</summary>
    public long BytesReceived => _decoder.BytesReceived;

    /// <inheritdoc />
    public ValueTask OpenAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.CompletedTask;
    }

    /// <summary>Decodes PCM bytes and queues them for the pipeline; waits only when the pipeline's reader has stalled.</summary>
    /// <param name="bytes">PCM in the source's encoding; need not be whole frames.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="IngestException">The audio runs ahead of real time beyond the burst allowance.</exception>
    public async ValueTask AppendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        var now = _time.GetTimestamp();
        if (_firstArrival < 0)
        {
            _firstArrival = now;
        }

        var frames = _decoder.FramesFor(bytes.Length);
        var framesReceived = _decoder.FramesDecoded + frames;
        var elapsed = _time.GetElapsedTime(_firstArrival, now).TotalSeconds;
        var ahead = ((double)framesReceived / Format.SampleRate) - elapsed;
        if (ahead > _burstSeconds)
        {
            throw new IngestException(
                IngestError.TooFast,
                string.Create(CultureInfo.InvariantCulture, $"Audio is arriving faster than real time: {(double)framesReceived / Format.SampleRate:F2} s of audio after {elapsed:F2} s, more than the {_burstSeconds:F1} s burst allowance ahead. Send audio at its own pace (live capture), or analyse recordings offline."));
        }

        if (frames == 0)
        {
            _decoder.Decode(bytes.Span, []);
            return;
        }

        var samples = frames * Format.Channels;
        var buffer = ArrayPool<float>.Shared.Rent(samples);
        _decoder.Decode(bytes.Span, buffer);
        try
        {
            await _blocks.Writer.WriteAsync(new Block(buffer, samples), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            ArrayPool<float>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>Ends the audio: the pipeline reads what is queued, then the end.</summary>
    /// <exception cref="IngestException">The stream ended inside a frame (the audio before it is still processed).</exception>
    public void Complete()
    {
        _blocks.Writer.TryComplete();
        if (!_decoder.TryEnd("The audio", out var message))
        {
            throw new IngestException(IngestError.PartialFrame, $"{message} Send whole frames.");
        }
    }

    /// <inheritdoc />
    public async ValueTask<int> ReadAsync(Memory<float> destination, CancellationToken cancellationToken)
    {
        while (_current.Buffer is null)
        {
            if (_blocks.Reader.TryRead(out var block))
            {
                _current = block;
                _currentOffset = 0;
                break;
            }

            if (!await _blocks.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return 0;
            }
        }

        var count = Math.Min(destination.Length / Format.Channels * Format.Channels, _current.Count - _currentOffset);
        _current.Buffer.AsSpan(_currentOffset, count).CopyTo(destination.Span);
        _currentOffset += count;
        if (_currentOffset == _current.Count)
        {
            ArrayPool<float>.Shared.Return(_current.Buffer);
            _current = default;
        }

        return count;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _blocks.Writer.TryComplete();
        if (_current.Buffer is not null)
        {
            ArrayPool<float>.Shared.Return(_current.Buffer);
            _current = default;
        }

        while (_blocks.Reader.TryRead(out var block))
        {
            ArrayPool<float>.Shared.Return(block.Buffer);
        }

        return ValueTask.CompletedTask;
    }

    private readonly record struct Block(float[] Buffer, int Count);
}
