using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace SerSsl.Core.Audio.Ogg;

/// <summary>Header flags of an Ogg page (RFC 3533 section 6).</summary>
[Flags]
internal enum OggPageFlags : byte
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>The page's first packet continues a packet from the previous page.</summary>
    Continued = 0x01,

    /// <summary>The first page of a logical bitstream.</summary>
    BeginningOfStream = 0x02,

    /// <summary>The last page of a logical bitstream.</summary>
    EndOfStream = 0x04,
}

/// <summary>
/// Reads Ogg pages one at a time from a stream into one fixed buffer (the largest page, 65,307 bytes), checking the
/// capture pattern, the version and the CRC of each. Never allocates from a size field.
/// </summary>
/// <remarks>The page returned by <see cref="TryReadPage"/> is valid until the next call. Not thread-safe.</remarks>
internal sealed class OggPageReader : IDisposable
{
    /// <summary>The fixed part of a page header in bytes.</summary>
    public const int HeaderBytes = 27;

    /// <summary>The largest possible page: header, 255 lacing values, 255 segments of 255 bytes.</summary>
    public const int MaxPageBytes = HeaderBytes + 255 + (255 * 255);

    private readonly Stream _stream;
    private readonly string? _path;
    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(MaxPageBytes);
    private long _offset;

    /// <summary>Creates a reader over <paramref name="stream"/>, positioned at a page boundary.</summary>
    /// <param name="stream">The stream; it need not be seekable.</param>
    /// <param name="path">The file's path for error messages, or null.</param>
    /// <param name="startOffset">The stream's offset from the start of the file, for error messages.</param>
    public OggPageReader(Stream stream, string? path, long startOffset = 0)
    {
        _stream = stream;
        _path = path;
        _offset = startOffset;
    }

    /// <summary>The offset of the next page from the start of the stream.</summary>
    public long Offset => _offset;

    /// <summary>Reads the next page.</summary>
    /// <param name="page">The page, valid until the next call.</param>
    /// <returns>False at a clean end of the stream (no byte of a further page).</returns>
    /// <exception cref="WavFormatException">The data at this offset is not a valid Ogg page, or the stream ends inside one.</exception>
    public bool TryReadPage(out OggPage page)
    {
        var buffer = _buffer ?? throw new ObjectDisposedException(nameof(OggPageReader));
        var start = _offset;
        var got = ReadFully(buffer.AsSpan(0, HeaderBytes));
        if (got == 0)
        {
            page = default;
            return false;
        }

        if (got < 4 || !buffer.AsSpan(0, 4).SequenceEqual("OggS"u8))
        {
            throw Error($"expected an Ogg page (capture pattern 'OggS') but found {Describe(buffer.AsSpan(0, Math.Min(got, 4)))}; the file is damaged or has data between pages", start);
        }

        if (got < HeaderBytes)
        {
            throw Error($"the file ends inside the header of the Ogg page that starts at byte {start} ({got} of {HeaderBytes} bytes); it is cut short", start + got);
        }

        if (buffer[4] != 0)
        {
            throw Error($"Ogg page version {buffer[4]} is not 0, the only version defined (RFC 3533)", start + 4);
        }

        int segments = buffer[26];
        if (ReadFully(buffer.AsSpan(HeaderBytes, segments)) < segments)
        {
            throw Error($"the file ends inside the segment table of the Ogg page that starts at byte {start}; it is cut short", _offset);
        }

        var bodyBytes = 0;
        foreach (var lacing in buffer.AsSpan(HeaderBytes, segments))
        {
            bodyBytes += lacing;
        }

        var bodyStart = HeaderBytes + segments;
        var bodyGot = ReadFully(buffer.AsSpan(bodyStart, bodyBytes));
        if (bodyGot < bodyBytes)
        {
            throw Error($"the file ends inside the Ogg page that starts at byte {start} ({bodyGot} of its {bodyBytes} data bytes); it is cut short", _offset);
        }

        var whole = buffer.AsSpan(0, bodyStart + bodyBytes);
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(whole[22..]);
        var crc = PageCrc(whole);
        if (crc != stored)
        {
            throw Error(string.Create(CultureInfo.InvariantCulture, $"the Ogg page that starts at byte {start} fails its CRC check (stored 0x{stored:X8}, computed 0x{crc:X8}): its data is damaged"), start + 22);
        }

        page = new OggPage(
            (OggPageFlags)buffer[5],
            BinaryPrimitives.ReadInt64LittleEndian(whole[6..]),
            BinaryPrimitives.ReadUInt32LittleEndian(whole[14..]),
            BinaryPrimitives.ReadUInt32LittleEndian(whole[18..]),
            start,
            buffer.AsMemory(HeaderBytes, segments),
            buffer.AsMemory(bodyStart, bodyBytes));
        return true;
    }

    /// <summary>Reads the next page if there is a valid one; false at the end of the stream or when the bytes there are not a page.</summary>
    /// <param name="page">The page, valid until the next call.</param>
    /// <returns>True when a valid page was read.</returns>
    public bool TryReadPageQuietly(out OggPage page)
    {
        try
        {
            return TryReadPage(out page);
        }
        catch (WavFormatException)
        {
            page = default;
            return false;
        }
    }

    /// <summary>Checks whether a whole, valid page starts at <paramref name="index"/> of <paramref name="data"/>.</summary>
    /// <param name="data">Bytes that may hold pages.</param>
    /// <param name="index">Where the page would start.</param>
    /// <param name="granule">The page's granule position.</param>
    /// <param name="serial">The page's serial number.</param>
    /// <returns>True when a complete page with a correct CRC starts there.</returns>
    public static bool TryParseAt(ReadOnlySpan<byte> data, int index, out long granule, out uint serial)
    {
        granule = -1;
        serial = 0;
        var rest = data[index..];
        if (rest.Length < HeaderBytes || !rest[..4].SequenceEqual("OggS"u8) || rest[4] != 0 || rest.Length < HeaderBytes + rest[26])
        {
            return false;
        }

        var size = HeaderBytes + rest[26];
        foreach (var lacing in rest.Slice(HeaderBytes, rest[26]))
        {
            size += lacing;
        }

        if (rest.Length < size)
        {
            return false;
        }

        var page = rest[..size];
        if (PageCrc(page) != BinaryPrimitives.ReadUInt32LittleEndian(page[22..]))
        {
            return false;
        }

        granule = BinaryPrimitives.ReadInt64LittleEndian(page[6..]);
        serial = BinaryPrimitives.ReadUInt32LittleEndian(page[14..]);
        return true;
    }

    /// <summary>Builds the exception for a problem at <paramref name="offset"/>.</summary>
    /// <param name="problem">What is wrong, without a trailing full stop.</param>
    /// <param name="offset">The offset of the problem.</param>
    /// <returns>The exception to throw.</returns>
    public WavFormatException Error(string problem, long offset) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{(_path is null ? "Ogg stream" : $"'{_path}'")}: at byte {offset}: {problem}."), offset, _path);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The CRC of a whole page, its checksum field counted as zero.</summary>
    internal static uint PageCrc(ReadOnlySpan<byte> page)
    {
        var crc = OggCrc.Update(0, page[..22]);
        crc = OggCrc.Update(crc, [0, 0, 0, 0]);
        return OggCrc.Update(crc, page[26..]);
    }

    private static string Describe(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return "nothing";
        }

        var printable = true;
        foreach (var b in bytes)
        {
            printable &= b is >= 0x20 and < 0x7F;
        }

        return printable ? $"'{System.Text.Encoding.ASCII.GetString(bytes)}'" : $"bytes {Convert.ToHexString(bytes)}";
    }

    private int ReadFully(Span<byte> destination)
    {
        var total = 0;
        while (total < destination.Length)
        {
            var n = _stream.Read(destination[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        _offset += total;
        return total;
    }
}

/// <summary>One Ogg page: its header fields and views of its lacing values and body (valid until the next page is read).</summary>
/// <param name="Flags">Continued, beginning and end of stream.</param>
/// <param name="GranulePosition">The codec-defined position at the end of the last packet that ends on this page; -1 when none does.</param>
/// <param name="Serial">The logical bitstream's serial number.</param>
/// <param name="Sequence">The page's sequence number within its logical bitstream.</param>
/// <param name="Offset">The offset of the page's first byte.</param>
/// <param name="Lacing">The segment table: a value under 255 ends a packet.</param>
/// <param name="Body">The page's data.</param>
internal readonly record struct OggPage(
    OggPageFlags Flags,
    long GranulePosition,
    uint Serial,
    uint Sequence,
    long Offset,
    ReadOnlyMemory<byte> Lacing,
    ReadOnlyMemory<byte> Body)
{
    /// <summary>The offset just after the page.</summary>
    public long End => Offset + OggPageReader.HeaderBytes + Lacing.Length + Body.Length;

    /// <summary>True when the page starts a logical bitstream.</summary>
    public bool IsBeginning => (Flags & OggPageFlags.BeginningOfStream) != 0;

    /// <summary>True when the page ends its logical bitstream.</summary>
    public bool IsEnd => (Flags & OggPageFlags.EndOfStream) != 0;

    /// <summary>True when the first packet data continues a packet of the previous page.</summary>
    public bool IsContinued => (Flags & OggPageFlags.Continued) != 0;
}
