using System.Globalization;
using Concentus.Structs;

namespace SerSsl.Core.Audio;

/// <summary>An Opus packet that cannot be taken: it does not decode, or it lasts other than the stream declared.</summary>
public sealed class OpusPacketException(string message) : Exception(message);

/// <summary>
/// Decodes a stream of raw Opus packets (RFC 6716, no Ogg framing: what a network client sends, one packet per
/// message) into interleaved float samples, with the codec the Ogg Opus file reader uses (Concentus, a C# port of
/// libopus). Every packet must last the declared frame duration, so that a stream's clock is known from its packet
/// count, except the last, which may be shorter (encoders end a stream on a shorter packet rather than pad it); an
/// empty packet marks a lost one, concealed by the codec for one frame duration.
/// </summary>
/// <remarks>
/// Always decodes at 48 kHz, like the file reader: Concentus 2.2 decodes hybrid packets (SILK and CELT together, what
/// libopus and browsers send for speech at usual bitrates) to silence at lower output rates (its issue 67), so the
/// session resamples instead. One decoder per stream; not thread-safe.
/// </remarks>
public sealed class OpusPacketDecoder
{
    /// <summary>The rate the packets decode at, in Hz.</summary>
    public const int DecodeRate = OggOpusReader.DecodeRate;

    /// <summary>The durations an Opus packet can have, in microseconds (one frame of 2.5 to 60 ms, or several up to 120 ms).</summary>
    public static readonly IReadOnlyList<int> FrameDurationsMicroseconds = [2_500, 5_000, 10_000, 20_000, 40_000, 60_000, 80_000, 100_000, 120_000];

    /// <summary>The largest pre-skip an Ogg Opus header can state (a 16-bit field), in samples at 48 kHz.</summary>
    public const int MaxPreSkip = ushort.MaxValue;

    private readonly OpusDecoder _decoder;
    private long _skipRemaining;
    private long _shortPacket;
    private int _shortPacketSamples;

    /// <summary>Creates a decoder.</summary>
    /// <param name="channels">1 or 2.</param>
    /// <param name="frameDurationMicroseconds">How long every packet lasts: one of <see cref="FrameDurationsMicroseconds"/>.</param>
    /// <param name="preSkip">Samples at 48 kHz to drop from the start (the encoder's look-ahead), 0 to <see cref="MaxPreSkip"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside the ranges above.</exception>
    public OpusPacketDecoder(int channels, int frameDurationMicroseconds, int preSkip)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(channels, 2);
        if (!FrameDurationsMicroseconds.Contains(frameDurationMicroseconds))
        {
            throw new ArgumentOutOfRangeException(nameof(frameDurationMicroseconds), frameDurationMicroseconds, $"Opus packets last {Describe(FrameDurationsMicroseconds)} microseconds.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(preSkip);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(preSkip, MaxPreSkip);
        Channels = channels;
        FrameDurationMicroseconds = frameDurationMicroseconds;
        FrameSamples = (int)((long)DecodeRate * frameDurationMicroseconds / 1_000_000);
        _skipRemaining = preSkip;
        // The managed decoder, as the file reader uses, not the factory's native libopus when one is installed: the
        // same samples on every machine.
#pragma warning disable CS0618
        _decoder = new OpusDecoder(DecodeRate, channels);
#pragma warning restore CS0618
    }

    /// <summary>Output channels.</summary>
    public int Channels { get; }

    /// <summary>How long every packet lasts, in microseconds.</summary>
    public int FrameDurationMicroseconds { get; }

    /// <summary>Samples per channel in one packet at 48 kHz: the most <see cref="Decode"/> writes per channel.</summary>
    public int FrameSamples { get; }

    /// <summary>Packets taken so far, lost ones included.</summary>
    public long Packets { get; private set; }

    /// <summary>Empty packets taken so far (lost audio, concealed).</summary>
    public long LostPackets { get; private set; }

    /// <summary>Bytes of the packets taken so far.</summary>
    public long BytesReceived { get; private set; }

    /// <summary>Frames (samples per channel) written so far, after the pre-skip.</summary>
    public long FramesDecoded { get; private set; }

    /// <summary>Decodes one packet.</summary>
    /// <param name="packet">One Opus packet; empty for a lost one.</param>
    /// <param name="destination">At least <see cref="FrameSamples"/> × <see cref="Channels"/> samples.</param>
    /// <returns>Frames written: <see cref="FrameSamples"/>, fewer while the pre-skip is dropped or for a shorter last packet.</returns>
    /// <exception cref="OpusPacketException">
    /// The packet lasts longer than the declared duration, follows a shorter one, or does not decode; the message names
    /// the packet.
    /// </exception>
    public int Decode(ReadOnlySpan<byte> packet, Span<float> destination)
    {
        var samples = FrameSamples * Channels;
        if (destination.Length < samples)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The destination holds {destination.Length} samples; a packet needs {samples}."), nameof(destination));
        }

        var index = Packets + 1;
        if (_shortPacket > 0)
        {
            throw new OpusPacketException(string.Create(
                CultureInfo.InvariantCulture,
                $"Opus packet {_shortPacket} lasted {Milliseconds(_shortPacketSamples)} ms, less than the {FrameDurationMicroseconds / 1000.0:0.##} ms the format says (frame_duration_us {FrameDurationMicroseconds}), and packet {index} followed it: only the last packet may be shorter. Encode with one frame size, or declare the one the encoder uses."));
        }

        var frameSamples = FrameSamples;
        if (!packet.IsEmpty)
        {
            int duration;
            try
            {
                duration = OpusPacketInfo.GetNumSamples(packet, DecodeRate);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw Damaged(index, packet.Length, ex.Message);
            }

            if (duration <= 0)
            {
                throw Damaged(index, packet.Length, string.Create(CultureInfo.InvariantCulture, $"its table of contents is invalid, error {duration}"));
            }

            if (duration > FrameSamples)
            {
                throw new OpusPacketException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"Opus packet {index} ({packet.Length} bytes) lasts {Milliseconds(duration)} ms, but the format says every packet lasts {FrameDurationMicroseconds / 1000.0:0.##} ms (frame_duration_us {FrameDurationMicroseconds}). Encode with one frame size, or declare the one the encoder uses."));
            }

            frameSamples = duration;
        }

        int frames;
        try
        {
            frames = _decoder.Decode(packet, destination[..samples], frameSamples, false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw Damaged(index, packet.Length, ex.Message);
        }

        if (frames != frameSamples)
        {
            throw Damaged(index, packet.Length, string.Create(CultureInfo.InvariantCulture, $"it decoded to {frames} samples instead of {frameSamples}"));
        }

        if (frameSamples < FrameSamples)
        {
            _shortPacket = index;
            _shortPacketSamples = frameSamples;
        }

        Packets++;
        BytesReceived += packet.Length;
        if (packet.IsEmpty)
        {
            LostPackets++;
        }

        var skip = (int)Math.Min(_skipRemaining, frames);
        if (skip > 0)
        {
            _skipRemaining -= skip;
            destination[(skip * Channels)..(frames * Channels)].CopyTo(destination);
            frames -= skip;
        }

        FramesDecoded += frames;
        return frames;
    }

    private static string Milliseconds(int samples) => (samples * 1000.0 / DecodeRate).ToString("0.##", CultureInfo.InvariantCulture);

    private static OpusPacketException Damaged(long index, int bytes, string reason) =>
        new(string.Create(CultureInfo.InvariantCulture, $"Opus packet {index} ({bytes} bytes) cannot be decoded ({reason}): send each packet the encoder produced whole, one per message, with no container framing."));

    private static string Describe(IReadOnlyList<int> values) =>
        string.Join(", ", values.Take(values.Count - 1).Select(v => v.ToString("N0", CultureInfo.InvariantCulture))) + " or " + values[^1].ToString("N0", CultureInfo.InvariantCulture);
}
