using SerSsl.Core.Audio;
using static SerSsl.Core.Tests.Audio.WavBytes;

namespace SerSsl.Core.Tests.Audio;

public sealed class WavReaderChunkTests
{
    private static readonly short[] s_samples = [100, -200, 300, -400];

    public static TheoryData<bool> Seekability => [true, false];

    [Theory]
    [MemberData(nameof(Seekability))]
    public void Read_UnknownChunksAroundFmtAndData_SkipsThem(bool seekable)
    {
        // Arrange
        var bytes = Riff(
            Chunk("JUNK", new byte[28]),
            Chunk("LIST", "INFOISFT\u0005\0\0\0Lavf\0"u8.ToArray()),
            Fmt(1, 1, 16000, 16),
            Chunk("fact", [4, 0, 0, 0]),
            Chunk("bext", new byte[602]),
            Data(Int16s(s_samples)),
            Chunk("id3 ", new byte[10]));

        // Act
        var samples = WavStreams.ReadAll(bytes, seekable);

        // Assert
        Assert.Equal(s_samples.Select(s => s / 32768f), samples);
    }

    [Theory]
    [MemberData(nameof(Seekability))]
    public void Read_OddSizedChunkWithPadByte_SkipsPadByte(bool seekable)
    {
        // Arrange: a 3-byte chunk followed by its pad byte, before and after fmt.
        var bytes = Riff(Chunk("odd1", [1, 2, 3]), Fmt(1, 1, 16000, 16), Chunk("odd2", [9]), Data(Int16s(s_samples)));

        // Act
        var samples = WavStreams.ReadAll(bytes, seekable);

        // Assert
        Assert.Equal(s_samples.Select(s => s / 32768f), samples);
    }

    [Theory]
    [MemberData(nameof(Seekability))]
    public void Read_OddSizedEightBitDataFollowedByChunk_StopsAtDeclaredSize(bool seekable)
    {
        // Arrange
        var bytes = Riff(Fmt(1, 1, 8000, 8), Data([128, 255, 0]), Chunk("LIST", new byte[12]));

        // Act
        var samples = WavStreams.ReadAll(bytes, seekable);

        // Assert
        Assert.Equal([0f, 127f / 128f, -1f], samples);
    }

    [Theory]
    [MemberData(nameof(Seekability))]
    public void Read_LargerFmtChunkWithExtraBytes_SkipsExtraBytes(bool seekable)
    {
        // Arrange: an 18-byte fmt (cbSize = 0) plus a 50-byte one with trailing extension bytes.
        var fmt = FmtBodyBytes(1, 1, 16000, 16, size: 50);
        var bytes = Riff(Chunk("fmt ", fmt), Data(Int16s(s_samples)));

        // Act
        var samples = WavStreams.ReadAll(bytes, seekable);

        // Assert
        Assert.Equal(4, samples.Length);
    }

    [Theory]
    [InlineData(0xFFFFFFFFu, true)]
    [InlineData(0xFFFFFFFFu, false)]
    [InlineData(0x80000000u, true)]
    [InlineData(0x80000000u, false)]
    [InlineData(0x7FFFF000u, true)]
    [InlineData(0x7FFFF000u, false)]
    [InlineData(0u, true)]
    [InlineData(0u, false)]
    public void Read_DataSizeUnknownMarker_ReadsToEndOfStream(uint marker, bool seekable)
    {
        // Arrange: what a streaming writer leaves when it cannot seek back (RIFF size unpatched too).
        var bytes = RiffWithSize(marker == 0 ? 36u : marker, Fmt(1, 1, 16000, 16), Data(Int16s(s_samples), declaredSize: marker));

        // Act
        using var reader = new WavReader(WavStreams.Open(bytes, seekable));
        var samples = WavStreams.ReadAll(reader);

        // Assert
        Assert.Equal(s_samples.Select(s => s / 32768f), samples);
        Assert.Equal(seekable ? 4 : null, reader.FrameCount);
    }

    [Theory]
    [MemberData(nameof(Seekability))]
    public void Read_FinalisedEmptyDataChunkFollowedByList_ReturnsNoSamples(bool seekable)
    {
        // Arrange: the RIFF size covers the LIST chunk after an empty data chunk, so 0 is a real size.
        var bytes = Riff(Fmt(1, 1, 16000, 16), Data([]), Chunk("LIST", new byte[16]));

        // Act
        using var reader = new WavReader(WavStreams.Open(bytes, seekable));
        var samples = WavStreams.ReadAll(reader);

        // Assert
        Assert.Empty(samples);
        Assert.Equal(0, reader.FrameCount);
        Assert.Equal(TimeSpan.Zero, reader.Duration);
    }

    [Fact]
    public void Constructor_MarkerValueThatFitsSeekableStream_IsHonouredAsRealSize()
    {
        // Arrange: a real 2 GiB data chunk (size 0x80000000, arecord's marker) followed by a LIST chunk.
        var header = Riff(Fmt(1, 1, 16000, 16), Data([], declaredSize: 0x8000_0000u));
        using var stream = new ZeroFilledStream(header, header.Length + 0x8000_0000L + 16);

        // Act
        using var reader = new WavReader(stream);

        // Assert
        Assert.Equal(0x8000_0000L / 2, reader.FrameCount);
    }

    [Fact]
    public void Read_DeclaredSizeShorterThanStream_StopsAtDeclaredSize()
    {
        // Arrange: trailing garbage after a data chunk with no chunk header.
        var bytes = Riff(Fmt(1, 1, 16000, 16), Data(Int16s(s_samples)));
        bytes = [.. bytes, 0xDE, 0xAD, 0xBE];

        // Act
        var samples = WavStreams.ReadAll(bytes, seekable: false);

        // Assert
        Assert.Equal(4, samples.Length);
    }

    /// <summary>A seekable stream of the given length: a header, then zeros, without holding the zeros.</summary>
    private sealed class ZeroFilledStream(byte[] header, long length) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get; set; }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Clamp(length - Position, 0, buffer.Length);
            for (var i = 0; i < n; i++, Position++)
            {
                buffer[i] = Position < header.Length ? header[Position] : (byte)0;
            }

            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => Position + offset,
            _ => length + offset,
        };

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
