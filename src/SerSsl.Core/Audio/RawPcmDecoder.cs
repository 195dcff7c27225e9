using System.Globalization;
using SerSsl.Core.Audio.Internal;

namespace SerSsl.Core.Audio;

/// <summary>The sample encodings of raw (headerless) interleaved PCM.</summary>
public enum RawSampleEncoding
{
    /// <summary>Signed 16-bit little-endian integers.</summary>
    S16LE,

    /// <summary>32-bit little-endian IEEE floats.</summary>
    F32LE,
}

/// <summary>
/// Decodes a stream of raw interleaved PCM bytes to float samples, block by block, where blocks need not fall on
/// sample or frame boundaries: the bytes of a frame cut by a block's end are held and completed by the next block.
/// </summary>
/// <remarks>
/// Integers are scaled by 1/32768 (the most negative code is exactly -1), floats pass through unchanged (non-finite
/// values included), exactly as the WAV reader decodes the same samples. One decoder per stream; not thread-safe.
/// </remarks>
public sealed class RawPcmDecoder
{
    private readonly WavSampleKind _kind;
    private readonly byte[] _carry;
    private int _carryCount;

    /// <summary>Creates a decoder.</summary>
    /// <param name="encoding">The sample encoding.</param>
    /// <param name="channels">Samples per frame, at least 1.</param>
    public RawPcmDecoder(RawSampleEncoding encoding, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        Encoding = encoding;
        Channels = channels;
        _kind = encoding switch
        {
            RawSampleEncoding.S16LE => WavSampleKind.Int16,
            RawSampleEncoding.F32LE => WavSampleKind.Float32,
            _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "Use S16LE or F32LE."),
        };
        BytesPerSample = WavSampleDecoder.BytesPerSample(_kind);
        FrameBytes = BytesPerSample * channels;
        _carry = new byte[FrameBytes];
    }

    /// <summary>The sample encoding.</summary>
    public RawSampleEncoding Encoding { get; }

    /// <summary>Samples per frame.</summary>
    public int Channels { get; }

    /// <summary>Bytes per sample: 2 or 4.</summary>
    public int BytesPerSample { get; }

    /// <summary>Bytes per frame.</summary>
    public int FrameBytes { get; }

    /// <summary>Bytes of an incomplete frame held for the next block (0 when the bytes so far end on a frame boundary).</summary>
    public int PendingBytes => _carryCount;

    /// <summary>Bytes passed to <see cref="Decode"/> so far.</summary>
    public long BytesReceived { get; private set; }

    /// <summary>Whole frames decoded so far.</summary>
    public long FramesDecoded { get; private set; }

    /// <summary>The lower-case name of the encoding, as command lines and messages spell it (<c>s16le</c>, <c>f32le</c>).</summary>
    public string EncodingName => Encoding.ToString().ToLowerInvariant();

    /// <summary>The number of whole frames that <paramref name="byteCount"/> more bytes complete, with what is held.</summary>
    /// <param name="byteCount">Bytes of the next block.</param>
    public int FramesFor(int byteCount) => (int)(((long)_carryCount + byteCount) / FrameBytes);

    /// <summary>
    /// Decodes the whole frames that <paramref name="bytes"/> completes into the start of <paramref name="destination"/>
    /// and holds the bytes of a trailing partial frame.
    /// </summary>
    /// <param name="bytes">The next bytes of the stream.</param>
    /// <param name="destination">At least <c>FramesFor(bytes.Length) * Channels</c> values.</param>
    /// <returns>The number of samples written (whole frames times <see cref="Channels"/>).</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public int Decode(ReadOnlySpan<byte> bytes, Span<float> destination)
    {
        var frames = FramesFor(bytes.Length);
        var samples = frames * Channels;
        if (destination.Length < samples)
        {
            throw new ArgumentException($"{bytes.Length} bytes complete {frames} frames of {Channels} channel(s), {samples} samples; got room for {destination.Length}.", nameof(destination));
        }

        BytesReceived += bytes.Length;
        var written = 0;
        if (_carryCount > 0)
        {
            var fill = Math.Min(FrameBytes - _carryCount, bytes.Length);
            bytes[..fill].CopyTo(_carry.AsSpan(_carryCount));
            _carryCount += fill;
            bytes = bytes[fill..];
            if (_carryCount < FrameBytes)
            {
                return 0;
            }

            WavSampleDecoder.Decode(_carry, destination[..Channels], _kind);
            written = Channels;
            _carryCount = 0;
        }

        var whole = bytes.Length / FrameBytes * FrameBytes;
        WavSampleDecoder.Decode(bytes[..whole], destination.Slice(written, whole / BytesPerSample), _kind);
        written += whole / BytesPerSample;
        bytes[whole..].CopyTo(_carry);
        _carryCount = bytes.Length - whole;
        FramesDecoded += frames;
        return written;
    }

    /// <summary>
    /// Checks that the stream ended on a frame boundary, and describes the stray bytes when it did not.
    /// </summary>
    /// <param name="where">What the stream is, for the message (e.g. <c>stdin</c>, <c>the audio</c>).</param>
    /// <param name="message">Why the end is not clean, with what to do; null when it is.</param>
    /// <returns>True when no partial frame is held.</returns>
    public bool TryEnd(string where, out string? message)
    {
        if (_carryCount == 0)
        {
            message = null;
            return true;
        }

        message = string.Create(
            CultureInfo.InvariantCulture,
            $"{where} ended inside a sample frame: {_carryCount} trailing bytes after {BytesReceived - _carryCount} bytes, but a frame of {Channels} channel(s) of {EncodingName} is {FrameBytes} bytes.");
        return false;
    }
}
