using System.Buffers.Binary;
using SerSsl.Core.Audio;
using SerSsl.TestSupport;

namespace SerSsl.Core.Tests.Audio;

/// <summary>Damaged and unsupported Ogg files: each problem has its own message and byte offset, and nothing hangs or allocates from a size field.</summary>
public sealed class OggOpusMalformedTests
{
    private static readonly Lazy<(string Dir, byte[] Mono, byte[] Stereo)> s_files = new(() =>
    {
        var dir = RepoPaths.NewTempDirectory("opus-bad");
        var mono = OggOpusTestFiles.Encode(dir, "mono", OggOpusTestFiles.SpeechLike(16_000, 3.0), 16_000, 1, "--max-delay", "100");
        var stereoSamples = OggOpusTestFiles.SpeechLike(48_000, 0.5);
        var stereo = OggOpusTestFiles.Encode(dir, "stereo", [.. stereoSamples.SelectMany(s => new[] { s, -s })], 48_000, 2);
        return (dir, File.ReadAllBytes(mono), File.ReadAllBytes(stereo));
    });

    private static byte[] Mono => s_files.Value.Mono;

    [Fact]
    public void Read_TruncatedInsideAPage_ReturnsTheAudioBeforeThenThrowsWithTheOffset()
    {
        // Arrange: cut the file in the middle of its third page (the second audio page).
        var pages = OggOpusTestFiles.Pages(Mono);
        Assert.True(pages.Count >= 4, $"the test file has {pages.Count} pages");
        var cut = pages.Take(3).Sum(p => p.Length) + (pages[3].Length / 2);
        var bytes = Mono[..cut];

        // Act
        using var reader = new OggOpusReader(new MemoryStream(bytes));
        var before = new List<float>();
        var buffer = new float[4096];
        var error = Assert.Throws<WavFormatException>(() =>
        {
            int n;
            while ((n = reader.Read(buffer)) > 0)
            {
                before.AddRange(buffer.AsSpan(0, n));
            }
        });

        // Assert
        Assert.Contains("cut short", error.Message, StringComparison.Ordinal);
        Assert.Equal(cut, error.ByteOffset);
        Assert.NotEmpty(before);
    }

    [Fact]
    public void Read_BadCrcOnAnAudioPage_ThrowsNamingThatPage()
    {
        // Arrange: flip one bit in the body of the third page.
        var pages = OggOpusTestFiles.Pages(Mono);
        pages[2][^5] ^= 0x10;
        var pageStart = pages[0].Length + pages[1].Length;

        // Act
        using var reader = new OggOpusReader(new MemoryStream(OggOpusTestFiles.Join(pages)));
        var error = Assert.Throws<WavFormatException>(() => WavStreams.ReadAll(reader));

        // Assert
        Assert.Contains("CRC", error.Message, StringComparison.Ordinal);
        Assert.Contains($"starts at byte {pageStart}", error.Message, StringComparison.Ordinal);
        Assert.Equal(pageStart + 22, error.ByteOffset);
    }

    [Fact]
    public void Open_WrongCapturePattern_SaysWhatWasFound()
    {
        // Arrange
        var bytes = (byte[])Mono.Clone();
        bytes[3] = (byte)'X';

        // Act
        var direct = Assert.Throws<WavFormatException>(() => new OggOpusReader(new MemoryStream(bytes)));
        var sniffed = Assert.Throws<WavFormatException>(() => AudioReader.Open(new MemoryStream(bytes)));

        // Assert
        Assert.Contains("'OggX'", direct.Message, StringComparison.Ordinal);
        Assert.Equal(0, direct.ByteOffset);
        Assert.Contains("not a recognised audio file", sniffed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_FirstPacketIsNotOpusHead_NamesTheCodec()
    {
        // Arrange: a Vorbis identification header in place of OpusHead (same length, CRC fixed).
        var pages = OggOpusTestFiles.Pages(Mono);
        var body = 27 + pages[0][26];
        "\x01vorbis\0"u8.CopyTo(pages[0].AsSpan(body));
        OggOpusTestFiles.WithCrc(pages[0]);

        // Act
        var error = Assert.Throws<WavFormatException>(() => new OggOpusReader(new MemoryStream(OggOpusTestFiles.Join(pages))));

        // Assert
        Assert.Contains("holds Vorbis, not Opus", error.Message, StringComparison.Ordinal);
        Assert.Equal(body, error.ByteOffset);
    }

    [Fact]
    public void Open_MissingOpusTags_Throws()
    {
        // Arrange: drop the comment header's page and renumber the rest.
        var pages = OggOpusTestFiles.Pages(Mono);
        pages.RemoveAt(1);
        for (var i = 1; i < pages.Count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(pages[i].AsSpan(18), (uint)i);
            OggOpusTestFiles.WithCrc(pages[i]);
        }

        // Act
        var error = Assert.Throws<WavFormatException>(() => new OggOpusReader(new MemoryStream(OggOpusTestFiles.Join(pages))));

        // Assert
        Assert.Contains("OpusTags", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_UnsupportedChannelMapping_SaysWhatIsRead()
    {
        // Arrange: mapping family 1 with six channels.
        var pages = OggOpusTestFiles.Pages(Mono);
        var body = 27 + pages[0][26];
        pages[0][body + 9] = 6;
        pages[0][body + 18] = 1;
        OggOpusTestFiles.WithCrc(pages[0]);

        // Act
        var error = Assert.Throws<WavFormatException>(() => new OggOpusReader(new MemoryStream(OggOpusTestFiles.Join(pages))));

        // Assert
        Assert.Contains("channel mapping family 1 with 6 channels is not supported", error.Message, StringComparison.Ordinal);
        Assert.Equal(body + 18, error.ByteOffset);
    }

    [Fact]
    public void Read_MissingPage_ReportsTheSequenceGap()
    {
        // Arrange
        var pages = OggOpusTestFiles.Pages(Mono);
        var gapAt = pages[0].Length + pages[1].Length + pages[2].Length;
        pages.RemoveAt(3);

        // Act
        using var reader = new OggOpusReader(new MemoryStream(OggOpusTestFiles.Join(pages)));
        var error = Assert.Throws<WavFormatException>(() => WavStreams.ReadAll(reader));

        // Assert
        Assert.Contains("sequence number 4 where 3 was expected", error.Message, StringComparison.Ordinal);
        Assert.Equal(gapAt + 18, error.ByteOffset);
    }

    [Fact]
    public void Read_ChainedStreams_AreRefused()
    {
        // Arrange: one file after another (a chained Ogg stream).
        var chained = Mono.Concat(s_files.Value.Stereo).ToArray();

        // Act
        using var reader = new OggOpusReader(new MemoryStream(chained));
        var error = Assert.Throws<WavFormatException>(() => WavStreams.ReadAll(reader));

        // Assert
        Assert.Contains("chained", error.Message, StringComparison.Ordinal);
        Assert.Equal(Mono.Length, error.ByteOffset);
    }

    [Fact]
    public void Open_TwoLogicalStreams_AreRefused()
    {
        // Arrange: a second stream's first page right after the first stream's (as with Opus beside video).
        var other = OggOpusTestFiles.Pages(s_files.Value.Stereo);
        var pages = OggOpusTestFiles.Pages(Mono);
        pages.Insert(1, other[0]);

        // Act
        var error = Assert.Throws<WavFormatException>(() => new OggOpusReader(new MemoryStream(OggOpusTestFiles.Join(pages))));

        // Assert
        Assert.Contains("second logical stream", error.Message, StringComparison.Ordinal);
        Assert.Equal(pages[0].Length + 14, error.ByteOffset);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(26)]
    [InlineData(30)]
    public void Open_EmptyOrTinyFile_ThrowsWithoutHanging(int length)
    {
        var error = Assert.Throws<WavFormatException>(() => new OggOpusReader(new MemoryStream(Mono[..length])));
        Assert.Contains("Ogg", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_Empty_SaysSo()
    {
        var error = Assert.Throws<WavFormatException>(() => new OggOpusReader(new MemoryStream([])));
        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_AbsurdSegmentTable_IsATruncationNotAnAllocation()
    {
        // Arrange: an audio page whose lacing values claim 255 segments of 255 bytes, far beyond the file.
        var pages = OggOpusTestFiles.Pages(Mono);
        var header = pages[2][..27];
        header[26] = 255;
        var claimed = header.Concat(Enumerable.Repeat((byte)255, 255)).Concat(new byte[100]).ToArray();
        var bytes = pages[0].Concat(pages[1]).Concat(claimed).ToArray();

        // Act
        using var reader = new OggOpusReader(new MemoryStream(bytes));
        var error = Assert.Throws<WavFormatException>(() => WavStreams.ReadAll(reader));

        // Assert
        Assert.Contains("cut short", error.Message, StringComparison.Ordinal);
        Assert.Equal(bytes.Length, error.ByteOffset);
    }

    [Fact]
    public void Read_OversizedPacketAcrossPages_IsRefused()
    {
        // Arrange: a packet continued over three full pages (3 x 65,025 bytes, more than any Opus packet).
        var pages = OggOpusTestFiles.Pages(Mono);
        var head = pages.Take(2).ToList();
        for (uint i = 0; i < 3; i++)
        {
            var page = new byte[27 + 255 + (255 * 255)];
            "OggS"u8.CopyTo(page);
            page[5] = (byte)(i == 0 ? 0 : 1);
            BinaryPrimitives.WriteInt64LittleEndian(page.AsSpan(6), -1);
            pages[0].AsSpan(14, 4).CopyTo(page.AsSpan(14));
            BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(18), 2 + i);
            page[26] = 255;
            page.AsSpan(27, 255).Fill(255);
            head.Add(OggOpusTestFiles.WithCrc(page));
        }

        // Act
        using var reader = new OggOpusReader(new MemoryStream(OggOpusTestFiles.Join(head)));
        var error = Assert.Throws<WavFormatException>(() => WavStreams.ReadAll(reader));

        // Assert
        Assert.Contains($"more than {OggOpusReader.MaxPacketBytes} bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_AiffNamedOpus_SaysItIsAiff()
    {
        // Arrange
        var path = Path.Combine(s_files.Value.Dir, "song.opus");
        File.WriteAllBytes(path, [.. "FORM"u8, 0, 0, 0, 4, .. "AIFF"u8]);

        // Act
        var error = Assert.Throws<WavFormatException>(() => AudioReader.Open(path));

        // Assert
        Assert.Contains("is an AIFF file, not WAV or Ogg Opus, whatever its name says (from byte offset 0)", error.Message, StringComparison.Ordinal);
        Assert.Equal(path, error.FilePath);
    }
}
