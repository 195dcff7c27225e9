using System.Globalization;
using NAudio.Wave;
using SerSsl.Core.Audio;
using SerSsl.Core.Audio.Internal;

namespace SerSsl.Streaming.Sources.Wasapi;

/// <summary>
/// Turns capture buffers in a device's <see cref="WaveFormat"/> into mono float samples at the device's rate: decoded
/// like the WAV reader decodes (integers scaled by 2^(bits-1), floats unchanged) and mixed with
/// <see cref="ChannelMixer"/>. Pure and platform-neutral (NAudio.Core only): the WASAPI source feeds it on Windows,
/// tests feed it anywhere.
/// </summary>
/// <remarks>
/// Accepted formats: PCM 8 (unsigned), 16, 24 and 32 bits; IEEE float 32 and 64 bits; and WAVE_FORMAT_EXTENSIBLE with
/// a PCM or IEEE float sub-format (for PCM with fewer valid bits than the container, such as 24 in 32, the samples are
/// left-justified, so they are scaled by the container's size). Any channel count up to
/// <see cref="AudioFormat.MaxChannels"/> and any rate in <see cref="AudioFormat"/>'s range. A buffer need not hold
/// whole frames: the bytes of a trailing partial frame are kept and completed by the next buffer. One caller at a time.
/// </remarks>
internal sealed class CaptureBufferConverter
{
    private readonly WavSampleKind _kind;
    private readonly int _bytesPerSample;
    private readonly byte[] _pending;
    private int _pendingCount;
    private float[] _interleaved = [];

    /// <summary>Prepares to convert buffers of <paramref name="format"/>.</summary>
    /// <param name="format">The capture format, as the device reports it.</param>
    /// <exception cref="AudioSourceException">The format is none of the accepted ones; the message says which it is.</exception>
    public CaptureBufferConverter(WaveFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        SourceFormat = format;
        _kind = KindOf(format);
        _bytesPerSample = WavSampleDecoder.BytesPerSample(_kind);
        if (format.Channels is < 1 or > AudioFormat.MaxChannels)
        {
            throw Unsupported(format, $"{format.Channels.ToString(CultureInfo.InvariantCulture)} channels (1 to {AudioFormat.MaxChannels.ToString(CultureInfo.InvariantCulture)} are accepted)");
        }

        if (format.BlockAlign != format.Channels * _bytesPerSample)
        {
            throw Unsupported(format, $"a frame of {format.BlockAlign.ToString(CultureInfo.InvariantCulture)} bytes, not {format.Channels.ToString(CultureInfo.InvariantCulture)} channels of {_bytesPerSample.ToString(CultureInfo.InvariantCulture)}");
        }

        OutputFormat = new AudioFormat(format.SampleRate, 1);
        OutputFormat.Validate();
        _pending = new byte[format.BlockAlign];
    }

    /// <summary>The capture format buffers are in.</summary>
    public WaveFormat SourceFormat { get; }

    /// <summary>What <see cref="Convert"/> writes: mono at the capture rate.</summary>
    public AudioFormat OutputFormat { get; }

    /// <summary>Bytes of an incomplete frame kept from the buffers so far (0 to one frame less a byte).</summary>
    public int PendingBytes => _pendingCount;

    /// <summary>The most frames <see cref="Convert"/> writes for a buffer of <paramref name="byteCount"/> bytes.</summary>
    /// <param name="byteCount">The buffer's length.</param>
    public int MaxFrames(int byteCount) => (_pendingCount + byteCount) / SourceFormat.BlockAlign;

    /// <summary>
    /// Converts one capture buffer, together with any partial frame kept from the one before, to mono samples.
    /// </summary>
    /// <param name="captured">The buffer's bytes (a span over <c>WaveInEventArgs.Buffer[..BytesRecorded]</c> or a WASAPI packet).</param>
    /// <param name="mono">Room for at least <see cref="MaxFrames"/> samples.</param>
    /// <param name="silent">
    /// True when the device flagged the buffer as silence (AUDCLNT_BUFFERFLAGS_SILENT): its frames are written as 0
    /// whatever its bytes hold.
    /// </param>
    /// <returns>The frames written.</returns>
    /// <exception cref="ArgumentException"><paramref name="mono"/> is too short.</exception>
    public int Convert(ReadOnlySpan<byte> captured, Span<float> mono, bool silent = false)
    {
        var blockAlign = SourceFormat.BlockAlign;
        var frames = MaxFrames(captured.Length);
        if (mono.Length < frames)
        {
            throw new ArgumentException($"{frames} frames need {frames} samples; got room for {mono.Length}.", nameof(mono));
        }

        var written = 0;
        if (_pendingCount > 0)
        {
            var take = Math.Min(blockAlign - _pendingCount, captured.Length);
            captured[..take].CopyTo(_pending.AsSpan(_pendingCount));
            _pendingCount += take;
            captured = captured[take..];
            if (_pendingCount < blockAlign)
            {
                return 0;
            }

            DecodeFrames(_pending, mono[..1], silent);
            _pendingCount = 0;
            written = 1;
        }

        var whole = captured.Length / blockAlign;
        if (whole > 0)
        {
            DecodeFrames(captured[..(whole * blockAlign)], mono.Slice(written, whole), silent);
            written += whole;
        }

        var rest = captured[(whole * blockAlign)..];
        rest.CopyTo(_pending);
        _pendingCount = rest.Length;
        return written;
    }

    /// <summary>Drops a kept partial frame (after a discontinuity, its bytes no longer belong with the next buffer's).</summary>
    public void Reset() => _pendingCount = 0;

    /// <summary>A short description of a format for listings and messages, e.g. <c>f32 2 ch 48000 Hz</c>.</summary>
    /// <param name="format">The format.</param>
    public static string Describe(WaveFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        return string.Create(CultureInfo.InvariantCulture, $"{DescribeSample(format)} {format.Channels} ch {format.SampleRate} Hz");
    }

    private void DecodeFrames(ReadOnlySpan<byte> bytes, Span<float> mono, bool silent)
    {
        if (silent)
        {
            mono.Clear();
            return;
        }

        var channels = SourceFormat.Channels;
        var samples = bytes.Length / _bytesPerSample;
        if (channels == 1)
        {
            WavSampleDecoder.Decode(bytes, mono, _kind);
            return;
        }

        if (_interleaved.Length < samples)
        {
            _interleaved = new float[Math.Max(samples, _interleaved.Length * 2)];
        }

        var interleaved = _interleaved.AsSpan(0, samples);
        WavSampleDecoder.Decode(bytes, interleaved, _kind);
        ChannelMixer.Downmix(interleaved, channels, mono);
    }

    private static WavSampleKind KindOf(WaveFormat format)
    {
        var encoding = format.Encoding;
        var validBits = format.BitsPerSample;
        if (encoding == WaveFormatEncoding.Extensible)
        {
            if (format is not WaveFormatExtensible extensible)
            {
                throw Unsupported(format, "WAVE_FORMAT_EXTENSIBLE without its extension (no sub-format)");
            }

            if (extensible.SubFormat == AudioMediaSubtypes.MEDIASUBTYPE_PCM)
            {
                encoding = WaveFormatEncoding.Pcm;
            }
            else if (extensible.SubFormat == AudioMediaSubtypes.MEDIASUBTYPE_IEEE_FLOAT)
            {
                encoding = WaveFormatEncoding.IeeeFloat;
            }
            else
            {
                throw Unsupported(format, $"the sub-format {extensible.SubFormat}");
            }

            validBits = extensible.ValidBitsPerSample == 0 ? format.BitsPerSample : extensible.ValidBitsPerSample;
            if (validBits > format.BitsPerSample)
            {
                throw Unsupported(format, $"{validBits.ToString(CultureInfo.InvariantCulture)} valid bits in a {format.BitsPerSample.ToString(CultureInfo.InvariantCulture)}-bit container");
            }
        }

        return (encoding, format.BitsPerSample) switch
        {
            (WaveFormatEncoding.Pcm, 8) => WavSampleKind.UInt8,
            (WaveFormatEncoding.Pcm, 16) => WavSampleKind.Int16,
            (WaveFormatEncoding.Pcm, 24) => WavSampleKind.Int24,
            (WaveFormatEncoding.Pcm, 32) => WavSampleKind.Int32,
            (WaveFormatEncoding.IeeeFloat, 32) when validBits == 32 => WavSampleKind.Float32,
            (WaveFormatEncoding.IeeeFloat, 64) when validBits == 64 => WavSampleKind.Float64,
            _ => throw Unsupported(format, $"{encoding} samples of {format.BitsPerSample.ToString(CultureInfo.InvariantCulture)} bits"),
        };
    }

    /// <summary>The sample part of <see cref="Describe"/>: <c>u8</c>, <c>s16</c>, <c>s24</c>, <c>s32</c>, <c>f32</c> or <c>f64</c>, with the valid bits when fewer than the container's.</summary>
    /// <param name="format">The format.</param>
    public static string DescribeSample(WaveFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        var encoding = format.Encoding;
        var valid = format.BitsPerSample;
        if (format is WaveFormatExtensible extensible)
        {
            encoding = extensible.SubFormat == AudioMediaSubtypes.MEDIASUBTYPE_PCM ? WaveFormatEncoding.Pcm
                : extensible.SubFormat == AudioMediaSubtypes.MEDIASUBTYPE_IEEE_FLOAT ? WaveFormatEncoding.IeeeFloat
                : WaveFormatEncoding.Extensible;
            valid = extensible.ValidBitsPerSample == 0 ? format.BitsPerSample : extensible.ValidBitsPerSample;
        }

        var bits = format.BitsPerSample.ToString(CultureInfo.InvariantCulture);
        var text = encoding switch
        {
            WaveFormatEncoding.Pcm when format.BitsPerSample == 8 => "u8",
            WaveFormatEncoding.Pcm => "s" + bits,
            WaveFormatEncoding.IeeeFloat => "f" + bits,
            _ => string.Create(CultureInfo.InvariantCulture, $"{encoding} {bits}-bit"),
        };
        return valid == format.BitsPerSample ? text : string.Create(CultureInfo.InvariantCulture, $"{text} ({valid} valid bits)");
    }

    private static AudioSourceException Unsupported(WaveFormat format, string what) => new(
        string.Create(CultureInfo.InvariantCulture, $"The capture device's format ({format.Encoding}, {format.BitsPerSample} bits, {format.Channels} ch, {format.SampleRate} Hz) is not supported: {what}. ") +
        "Choose another format for the device in the Windows sound settings (the device's Properties, Advanced), e.g. 16 or 24 bit, 48000 Hz.");
}
