using System.Buffers.Binary;
using System.Text;
using SerSsl.Core.Audio;

namespace SerSsl.Core.Tests.Audio;

/// <summary>Hand-built WAV byte layouts. With <c>Riff(Fmt(..), Data(..))</c> the fmt body starts at 20 and the data body at 44.</summary>
internal static class WavBytes
{
    public const int FmtBody = 20;
    public const int CanonicalDataBody = 44;

    public static byte[] Riff(params byte[][] chunks) => RiffWithSize(null, chunks);

    public static byte[] RiffWithSize(uint? riffSize, params byte[][] chunks)
    {
        var body = chunks.SelectMany(c => c).ToArray();
        var bytes = new byte[12 + body.Length];
        "RIFF"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), riffSize ?? (uint)(4 + body.Length));
        "WAVE"u8.CopyTo(bytes.AsSpan(8));
        body.CopyTo(bytes, 12);
        return bytes;
    }

    /// <summary>A chunk with its header, its body and (for odd sizes) the pad byte; <paramref name="declaredSize"/> overrides the size field.</summary>
    public static byte[] Chunk(string id, byte[] body, uint? declaredSize = null, bool pad = true)
    {
        var padded = pad && (body.Length & 1) == 1 ? 1 : 0;
        var bytes = new byte[8 + body.Length + padded];
        Encoding.ASCII.GetBytes(id).CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), declaredSize ?? (uint)body.Length);
        body.CopyTo(bytes, 8);
        return bytes;
    }

    public static byte[] FmtBodyBytes(ushort tag, int channels, int sampleRate, int bits, int? blockAlign = null, int size = 16)
    {
        var body = new byte[Math.Max(size, 16)];
        var align = blockAlign ?? channels * ((bits + 7) / 8);
        BinaryPrimitives.WriteUInt16LittleEndian(body, tag);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(2), (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(4), (uint)sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(8), (uint)(sampleRate * align));
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(12), (ushort)align);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(14), (ushort)bits);
        return body[..size];
    }

    public static byte[] Fmt(ushort tag, int channels, int sampleRate, int bits, int? blockAlign = null) =>
        Chunk("fmt ", FmtBodyBytes(tag, channels, sampleRate, bits, blockAlign));

    /// <summary>A 40-byte WAVE_FORMAT_EXTENSIBLE fmt chunk whose sub-format GUID is derived from <paramref name="subTag"/>, unless <paramref name="subFormat"/> is given.</summary>
    public static byte[] FmtExtensible(int channels, int sampleRate, int containerBits, int validBits, ushort subTag, Guid? subFormat = null)
    {
        var body = FmtBodyBytes(0xFFFE, channels, sampleRate, containerBits, size: 40);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(16), 22);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(18), (ushort)validBits);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(20), 0);
        var guid = subFormat ?? new Guid(subTag, 0x0000, 0x0010, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71);
        guid.TryWriteBytes(body.AsSpan(24));
        return Chunk("fmt ", body);
    }

    public static byte[] Data(byte[] body, uint? declaredSize = null) => Chunk("data", body, declaredSize);

    public static byte[] Int16s(params short[] samples)
    {
        var bytes = new byte[samples.Length * 2];
        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(i * 2), samples[i]);
        }

        return bytes;
    }

    public static byte[] Pcm16(int channels, int sampleRate, params short[] samples) =>
        Riff(Fmt(1, channels, sampleRate, 16), Data(Int16s(samples)));

    public static byte[] With(this byte[] bytes, int offset, uint value)
    {
        var copy = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(offset), value);
        return copy;
    }

    public static byte[] WithUInt16(this byte[] bytes, int offset, ushort value)
    {
        var copy = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(offset), value);
        return copy;
    }
}

/// <summary>Ways to hand bytes to a reader: seekable, or a pipe-like stream that may also return few bytes per read.</summary>
internal static class WavStreams
{
    public static Stream Open(byte[] bytes, bool seekable, int maxBytesPerRead = int.MaxValue) =>
        seekable && maxBytesPerRead == int.MaxValue ? new MemoryStream(bytes, writable: false) : new PipeStream(new MemoryStream(bytes), maxBytesPerRead);

    public static float[] ReadAll(IAudioReader reader, int blockSize = 4096)
    {
        var result = new List<float>();
        var block = new float[Math.Max(blockSize, reader.Channels)];
        int n;
        while ((n = reader.Read(block)) > 0)
        {
            result.AddRange(block.AsSpan(0, n));
        }

        return [.. result];
    }

    public static float[] ReadAllMono(IAudioReader reader, int blockSize = 4096)
    {
        var result = new List<float>();
        var block = new float[blockSize];
        int n;
        while ((n = reader.ReadMono(block)) > 0)
        {
            result.AddRange(block.AsSpan(0, n));
        }

        return [.. result];
    }

    public static float[] ReadAll(byte[] bytes, bool seekable = true)
    {
        using var reader = new WavReader(Open(bytes, seekable));
        return ReadAll(reader);
    }
}

/// <summary>A read-only, non-seekable view of another stream that returns at most a given number of bytes per read.</summary>
internal sealed class PipeStream(Stream inner, int maxBytesPerRead = int.MaxValue) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => inner.Read(buffer[..Math.Min(buffer.Length, maxBytesPerRead)]);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>A write-only, non-seekable view of another stream, like a pipe.</summary>
internal sealed class AppendOnlyStream(Stream inner) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}

/// <summary>
/// A non-seekable mono 16-bit WAV stream generated on the fly, never held in memory: sample <c>i</c> is
/// <see cref="SampleAt"/>(i), and the header declares the "length unknown" size 0xFFFFFFFF.
/// </summary>
internal sealed class SyntheticPcm16Stream : Stream
{
    private readonly byte[] _header;
    private readonly long _length;
    private long _position;

    public SyntheticPcm16Stream(int sampleRate, long frames)
    {
        _header = WavBytes.Riff(WavBytes.Fmt(1, 1, sampleRate, 16), WavBytes.Data([], declaredSize: uint.MaxValue)).With(4, uint.MaxValue);
        _length = _header.Length + (frames * 2);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public static short SampleAt(long index) => (short)(index * 7919);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = (int)Math.Min(buffer.Length, _length - _position);
        for (var i = 0; i < n; i++, _position++)
        {
            if (_position < _header.Length)
            {
                buffer[i] = _header[_position];
            }
            else
            {
                var dataOffset = _position - _header.Length;
                var sample = (ushort)SampleAt(dataOffset / 2);
                buffer[i] = (dataOffset & 1) == 0 ? (byte)sample : (byte)(sample >> 8);
            }
        }

        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>A temporary folder under the test temp root, deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder(string prefix)
    {
        Path = SerSsl.TestSupport.RepoPaths.NewTempDirectory(prefix);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail the test.
        }
    }
}
