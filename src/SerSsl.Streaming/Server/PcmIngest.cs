using System.Buffers;
using System.Globalization;
using SerSsl.Core.Audio;
using SerSsl.Streaming.Pipeline;
using SerSsl.Streaming.Sources;

namespace SerSsl.Streaming.Server;

/// <summary>Why a <see cref="PcmIngest"/> refused audio.</summary>
internal enum IngestError
{
    /// <summary>Audio arrived faster than real time beyond the burst allowance.</summary>
    TooFast,

    /// <summary>The stream ended inside a sample frame.</summary>
    PartialFrame,

    /// <summary>The client sent nothing for longer than the idle timeout.</summary>
    Idle,

    /// <summary>The audio cannot be decoded (an Opus packet that is damaged or lasts other than declared).</summary>
    InvalidAudio,
}

/// <summary>A <see cref="PcmIngest"/> refused audio; <see cref="Error"/> says why.</summary>
internal sealed class IngestException(IngestError error, string message) : Exception(message)
{
    /// <summary>Why the audio was refused.</summary>
    public IngestError Error { get; } = error;
}

/// <summary>
/// Audio from a network client into a live session: raw PCM, where a message need not hold whole frames (the rest of a
/// frame is taken from the next message), or Opus, one packet per message. Decodes each message and writes the
/// samples to the session's <see cref="SessionAudioWriter"/>.
/// </summary>
/// <remarks>
/// The session is live: it never waits for the client and drops the oldest audio when it falls behind. To keep a
/// client from sending a recording much faster than real time (which would only be dropped), <see cref="AppendAsync"/>
/// refuses audio that runs ahead of the wall clock since the first audio by more than the burst allowance.
/// </remarks>
internal sealed class PcmIngest
{
    private readonly RawPcmDecoder? _decoder;
    private readonly OpusPacketDecoder? _opus;
    private readonly AudioFormat _format;
    private readonly double _burstSeconds;
    private readonly TimeProvider _time;
    private long _firstArrival = -1;

    /// <summary>Creates the ingest.</summary>
    /// <param name="format">Rate and channels of the PCM that will arrive.</param>
    /// <param name="encoding">Sample encoding of the PCM.</param>
    /// <param name="burstSeconds">How far the audio may run ahead of real time; infinity disables the check.</param>
    /// <param name="time">The clock; null for the system clock.</param>
    /// <exception cref="AudioSourceException">The format is out of range.</exception>
    public PcmIngest(AudioFormat format, RawSampleEncoding encoding, double burstSeconds, TimeProvider? time = null)
        : this(format, burstSeconds, time)
    {
        _decoder = new RawPcmDecoder(encoding, format.Channels);
    }

    /// <summary>Creates the ingest for Opus packets, one per message.</summary>
    /// <param name="opus">The decoder; the session gets its 48 kHz audio in its channels.</param>
    /// <param name="burstSeconds">How far the audio may run ahead of real time; infinity disables the check.</param>
    /// <param name="time">The clock; null for the system clock.</param>
    public PcmIngest(OpusPacketDecoder opus, double burstSeconds, TimeProvider? time = null)
        : this(new AudioFormat(OpusPacketDecoder.DecodeRate, (opus ?? throw new ArgumentNullException(nameof(opus))).Channels), burstSeconds, time)
    {
        _opus = opus;
    }

    private PcmIngest(AudioFormat format, double burstSeconds, TimeProvider? time)
    {
        ArgumentNullException.ThrowIfNull(format);
        format.Validate();
        ArgumentOutOfRangeException.ThrowIfNegative(burstSeconds);
        _format = format;
        _burstSeconds = burstSeconds;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Rate and channels of the decoded audio: what the session gets.</summary>
    public AudioFormat Format => _format;

    /// <summary>True for Opus packets, false for PCM.</summary>
    public bool IsOpus => _opus is not null;

    /// <summary>Bytes of audio (PCM, or Opus packets) accepted so far.</summary>
    public long BytesReceived => _opus?.BytesReceived ?? _decoder!.BytesReceived;

    /// <summary>Opus packets accepted so far; 0 for PCM.</summary>
    public long PacketsReceived => _opus?.Packets ?? 0;

    /// <summary>Decodes one message's bytes and writes the whole frames they complete.</summary>
    /// <param name="bytes">PCM in the ingest's encoding; need not be whole frames.</param>
    /// <param name="writer">The session's audio.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="IngestException">The audio runs ahead of real time beyond the burst allowance.</exception>
    /// <exception cref="IngestException">An Opus packet cannot be decoded (<see cref="IngestError.InvalidAudio"/>).</exception>
    public async ValueTask AppendAsync(ReadOnlyMemory<byte> bytes, SessionAudioWriter writer, CancellationToken cancellationToken)
    {
        if (bytes.IsEmpty && _opus is null)
        {
            return;
        }

        var now = _time.GetTimestamp();
        if (_firstArrival < 0)
        {
            _firstArrival = now;
        }

        // For Opus the packet's duration before the pre-skip counts: it is what the sender's clock advanced by.
        var frames = _opus?.FrameSamples ?? _decoder!.FramesFor(bytes.Length);
        var framesReceived = (_opus is null ? _decoder!.FramesDecoded : _opus.Packets * _opus.FrameSamples) + frames;
        var elapsed = _time.GetElapsedTime(_firstArrival, now).TotalSeconds;
        var ahead = ((double)framesReceived / _format.SampleRate) - elapsed;
        if (ahead > _burstSeconds)
        {
            throw new IngestException(
                IngestError.TooFast,
                string.Create(CultureInfo.InvariantCulture, $"Audio is arriving faster than real time: {(double)framesReceived / _format.SampleRate:F2} s of audio after {elapsed:F2} s, more than the {_burstSeconds:F1} s burst allowance ahead. Send audio at its own pace (live capture), or analyse recordings offline."));
        }

        if (frames == 0)
        {
            _decoder!.Decode(bytes.Span, []);
            return;
        }

        var buffer = ArrayPool<float>.Shared.Rent(frames * _format.Channels);
        try
        {
            if (_opus is not null)
            {
                try
                {
                    frames = _opus.Decode(bytes.Span, buffer);
                }
                catch (OpusPacketException ex)
                {
                    throw new IngestException(IngestError.InvalidAudio, ex.Message);
                }
            }
            else
            {
                _decoder!.Decode(bytes.Span, buffer);
            }

            if (frames > 0)
            {
                await writer.WriteAsync(buffer.AsMemory(0, frames * _format.Channels), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>Ends the audio: the session processes what it has, then ends.</summary>
    /// <param name="writer">The session's audio.</param>
    /// <exception cref="IngestException">The stream ended inside a frame (the audio before it is still processed).</exception>
    public void Complete(SessionAudioWriter writer)
    {
        writer.Complete();
        if (_decoder is not null && !_decoder.TryEnd("The audio", out var message))
        {
            throw new IngestException(IngestError.PartialFrame, $"{message} Send whole frames.");
        }
    }
}
