using System.Buffers;
using System.Buffers.Binary;

namespace SerSsl.Core.Audio;

/// <summary>
/// Writes interleaved float samples to a RIFF/WAVE stream as 16-bit PCM or 32-bit IEEE float.
/// </summary>
/// <remarks>
/// The header is written at once with the "length unknown" marker 0xFFFFFFFF in the RIFF and data sizes. If the stream
/// can seek, <see cref="Flush"/> and <see cref="Dispose"/> patch in the real sizes; otherwise the marker stays, and
/// <see cref="WavReader"/> (like most readers) then reads to the end of the stream. Mono and stereo use the plain
/// PCM or IEEE float fmt chunk; more channels use WAVE_FORMAT_EXTENSIBLE with no speaker positions assigned, as
/// Microsoft recommends. Float files carry the <c>fact</c> chunk the specification requires. Instances are not
/// thread-safe.
/// </remarks>
public sealed class WavWriter : IDisposable
{
    private const int BufferBytes = 16 * 1024;
    private const uint UnknownSize = uint.MaxValue;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly int _bytesPerSample;
    private readonly int _blockAlign;
    private readonly long _start;
    private readonly int _headerLength;
    private readonly int _factOffset;
    private readonly long _maxDataBytes;

    private byte[]? _buffer;
    private long _dataBytes;

    /// <summary>Starts a WAV stream by writing its header.</summary>
    /// <param name="stream">A writable stream, positioned where the file should start; seekable to get exact sizes.</param>
    /// <param name="sampleRate">Sample frames per second, 1 to <see cref="WavReader.MaxSampleRate"/>.</param>
    /// <param name="channels">Interleaved channels, 1 to <see cref="WavReader.MaxChannels"/>.</param>
    /// <param name="format">How samples are stored.</param>
    /// <param name="leaveOpen">True to leave <paramref name="stream"/> open when the writer is disposed.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> cannot be written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="sampleRate"/> or <paramref name="channels"/> is out of range, or <paramref name="format"/> is undefined.
    /// </exception>
    /// <exception cref="IOException">The stream failed.</exception>
    public WavWriter(Stream stream, int sampleRate, int channels, WavSampleFormat format, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The stream must be writable.", nameof(stream));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sampleRate, WavReader.MaxSampleRate);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(channels, WavReader.MaxChannels);
        if (format is not (WavSampleFormat.Pcm16 or WavSampleFormat.Float32))
        {
            throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown sample format.");
        }

        _stream = stream;
        _leaveOpen = leaveOpen;
        SampleRate = sampleRate;
        Channels = channels;
        Format = format;
        _bytesPerSample = format == WavSampleFormat.Pcm16 ? 2 : 4;
        _blockAlign = channels * _bytesPerSample;
        _start = stream.CanSeek ? stream.Position : 0;

        Span<byte> header = stackalloc byte[80];
        (_headerLength, _factOffset) = BuildHeader(header);
        _maxDataBytes = (uint.MaxValue - 1 - (_headerLength - 8)) / _blockAlign * _blockAlign;
        stream.Write(header[.._headerLength]);
        _buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
    }

    /// <summary>Sample frames per second.</summary>
    public int SampleRate { get; }

    /// <summary>The number of interleaved channels.</summary>
    public int Channels { get; }

    /// <summary>How samples are stored.</summary>
    public WavSampleFormat Format { get; }

    /// <summary>The number of sample frames written so far.</summary>
    public long FramesWritten => _dataBytes / _blockAlign;

    /// <summary>Creates (or overwrites) a WAV file and writes its header.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="sampleRate">Sample frames per second, 1 to <see cref="WavReader.MaxSampleRate"/>.</param>
    /// <param name="channels">Interleaved channels, 1 to <see cref="WavReader.MaxChannels"/>.</param>
    /// <param name="format">How samples are stored.</param>
    /// <returns>A writer that owns the file; dispose it to finish the header and close the file.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A format argument is out of range.</exception>
    /// <exception cref="IOException">The file cannot be created.</exception>
    public static WavWriter Create(string path, int sampleRate, int channels, WavSampleFormat format)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        try
        {
            return new WavWriter(stream, sampleRate, channels, format, leaveOpen: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Appends interleaved samples. PCM16 clamps each sample to [-1, 1], scales it by 32767 and rounds to nearest
    /// (ties to even), writing NaN as 0; Float32 writes samples exactly, NaN and infinities included.
    /// </summary>
    /// <param name="samples">Whole frames: the length must be a multiple of <see cref="Channels"/>.</param>
    /// <exception cref="ArgumentException">The length of <paramref name="samples"/> is not a multiple of <see cref="Channels"/>.</exception>
    /// <exception cref="InvalidOperationException">The data would exceed the 4 GiB a RIFF file can hold.</exception>
    /// <exception cref="ObjectDisposedException">The writer has been disposed.</exception>
    /// <exception cref="IOException">The stream failed.</exception>
    public void Write(ReadOnlySpan<float> samples)
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        if (samples.Length % Channels != 0)
        {
            throw new ArgumentException(
                $"{samples.Length} samples is not a whole number of {Channels}-channel frames.", nameof(samples));
        }

        var bytes = (long)samples.Length * _bytesPerSample;
        if (_dataBytes + bytes > _maxDataBytes)
        {
            throw new InvalidOperationException(
                $"A WAV file holds at most {_maxDataBytes / _blockAlign} frames of this format; split the audio into several files.");
        }

        var perChunk = _buffer.Length / _bytesPerSample;
        while (!samples.IsEmpty)
        {
            var n = Math.Min(perChunk, samples.Length);
            var destination = _buffer.AsSpan(0, n * _bytesPerSample);
            if (Format == WavSampleFormat.Pcm16)
            {
                EncodePcm16(samples[..n], destination);
            }
            else
            {
                EncodeFloat32(samples[..n], destination);
            }

            _stream.Write(destination);
            _dataBytes += destination.Length;
            samples = samples[n..];
        }
    }

    /// <summary>Patches the header sizes (when the stream can seek) and flushes the stream, so the file is valid so far.</summary>
    /// <exception cref="ObjectDisposedException">The writer has been disposed.</exception>
    /// <exception cref="IOException">The stream failed.</exception>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        PatchSizes();
        _stream.Flush();
    }

    /// <summary>Patches the header sizes (when the stream can seek), flushes, and closes the stream unless left open.</summary>
    /// <exception cref="IOException">The header could not be patched; the stream is still closed.</exception>
    public void Dispose()
    {
        if (_buffer is null)
        {
            return;
        }

        try
        {
            PatchSizes();
            _stream.Flush();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
            if (!_leaveOpen)
            {
                _stream.Dispose();
            }
        }
    }

    internal static short ToPcm16(float sample)
    {
        if (float.IsNaN(sample))
        {
            return 0;
        }

        return (short)MathF.Round(Math.Clamp(sample, -1f, 1f) * 32767f);
    }

    private static void EncodePcm16(ReadOnlySpan<float> samples, Span<byte> destination)
    {
        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(destination[(i * 2)..], ToPcm16(samples[i]));
        }
    }

    private static void EncodeFloat32(ReadOnlySpan<float> samples, Span<byte> destination)
    {
        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(destination[(i * 4)..], samples[i]);
        }
    }

    /// <summary>Lays out RIFF, fmt, optional fact and the data chunk header; returns the length and the fact size offset (0 if none).</summary>
    private (int Length, int FactOffset) BuildHeader(Span<byte> h)
    {
        var isFloat = Format == WavSampleFormat.Float32;
        var extensible = Channels > 2;
        ushort tag = isFloat ? (ushort)0x0003 : (ushort)0x0001;
        var fmtSize = extensible ? 40 : isFloat ? 18 : 16;

        "RIFF"u8.CopyTo(h);
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], UnknownSize);
        "WAVE"u8.CopyTo(h[8..]);
        "fmt "u8.CopyTo(h[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], (uint)fmtSize);
        var fmt = h[20..];
        BinaryPrimitives.WriteUInt16LittleEndian(fmt, extensible ? (ushort)0xFFFE : tag);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt[2..], (ushort)Channels);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt[4..], (uint)SampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt[8..], (uint)(SampleRate * _blockAlign));
        BinaryPrimitives.WriteUInt16LittleEndian(fmt[12..], (ushort)_blockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt[14..], (ushort)(_bytesPerSample * 8));
        if (fmtSize > 16)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(fmt[16..], (ushort)(fmtSize - 18));
        }

        if (extensible)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(fmt[18..], (ushort)(_bytesPerSample * 8));
            BinaryPrimitives.WriteUInt32LittleEndian(fmt[20..], 0);
            BinaryPrimitives.WriteUInt32LittleEndian(fmt[24..], tag);
            Internal.WavCodecs.SubFormatGuidTail.CopyTo(fmt[28..]);
        }

        var at = 20 + fmtSize;
        var factOffset = 0;
        if (isFloat)
        {
            "fact"u8.CopyTo(h[at..]);
            BinaryPrimitives.WriteUInt32LittleEndian(h[(at + 4)..], 4);
            factOffset = at + 8;
            BinaryPrimitives.WriteUInt32LittleEndian(h[factOffset..], UnknownSize);
            at += 12;
        }

        "data"u8.CopyTo(h[at..]);
        BinaryPrimitives.WriteUInt32LittleEndian(h[(at + 4)..], UnknownSize);
        return (at + 8, factOffset);
    }

    private void PatchSizes()
    {
        if (!_stream.CanSeek)
        {
            return;
        }

        var end = _stream.Position;
        WriteUInt32At(4, (uint)(_headerLength - 8 + _dataBytes));
        WriteUInt32At(_headerLength - 4, (uint)_dataBytes);
        if (_factOffset != 0)
        {
            WriteUInt32At(_factOffset, (uint)FramesWritten);
        }

        _stream.Position = end;
    }

    private void WriteUInt32At(int offset, uint value)
    {
        Span<byte> field = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(field, value);
        _stream.Position = _start + offset;
        _stream.Write(field);
    }
}
