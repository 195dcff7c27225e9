using System.Runtime.ExceptionServices;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SerSsl.Core.Audio;
using static SerSsl.Core.Tests.Audio.WavBytes;

namespace SerSsl.Core.Tests.Audio;

public sealed class WavReaderMalformedTests
{
    // Canonical layout: RIFF header 0..11, fmt chunk header 12..19, fmt body 20..35, data chunk header 36..43, data 44..
    private static readonly byte[] s_valid = Pcm16(1, 16000, 1, 2, 3, 4);

    private static readonly TimeSpan s_hangGuard = TimeSpan.FromSeconds(60);

    private static readonly uint[] s_interestingValues =
        [0, 1, 2, 3, 16, 40, 0x7FFF_FFFF, 0x8000_0000, 0x7FFF_F000, uint.MaxValue, 0xFFFE, 0x10000];

    [Fact]
    public void Constructor_EmptyStream_ThrowsTruncatedAtZero()
    {
        AssertWavError([], 0, "ends after 0 bytes", "RIFF header");
    }

    [Fact]
    public void Constructor_NotRiffMagic_ThrowsAtZeroNamingWhatWasFound()
    {
        AssertWavError(Replace(s_valid, 0, "JUNK"u8), 0, "'JUNK'", "'RIFF'", "ffmpeg");
    }

    [Fact]
    public void Constructor_RifxMagic_ThrowsUnsupportedBigEndian()
    {
        AssertWavError(Replace(s_valid, 0, "RIFX"u8), 0, "RIFX", "big-endian", "not supported");
    }

    [Fact]
    public void Constructor_Rf64Magic_ThrowsUnsupportedRf64()
    {
        AssertWavError(Replace(s_valid, 0, "RF64"u8), 0, "RF64", "not supported", "-rf64 never");
    }

    [Fact]
    public void Constructor_FlacFile_SaysItLooksLikeFlac()
    {
        AssertWavError([.. "fLaC"u8, 0, 0, 0, 34, 0, 0, 0, 0], 0, "FLAC");
    }

    [Fact]
    public void Constructor_RiffFormTypeNotWave_ThrowsAtEight()
    {
        AssertWavError(Replace(s_valid, 8, "AVI "u8), 8, "'AVI '", "'WAVE'");
    }

    [Fact]
    public void Constructor_FileEndsInsideRiffHeader_ThrowsAtEndOfStream()
    {
        AssertWavError(s_valid[..10], 10, "ends after 10 bytes", "RIFF header");
    }

    [Fact]
    public void Constructor_FileEndsInsideChunkHeader_ThrowsAtEndOfStream()
    {
        AssertWavError(s_valid[..17], 17, "chunk header", "byte offset 12");
    }

    [Fact]
    public void Constructor_FileEndsInsideFmtChunk_ThrowsAtEndOfStream()
    {
        AssertWavError(s_valid[..30], 30, "inside the fmt chunk", "declares 16 bytes");
    }

    [Fact]
    public void Constructor_FmtChunkTooSmall_ThrowsAtSizeField()
    {
        var bytes = Riff(Chunk("fmt ", FmtBodyBytes(1, 1, 16000, 16, size: 14)), Data(Int16s(1)));
        AssertWavError(bytes, 16, "fmt chunk is 14 bytes", "at least 16");
    }

    [Fact]
    public void Constructor_FmtChunkClaimsGigabytes_ThrowsAtSizeFieldWithoutAllocating()
    {
        var bytes = s_valid.With(16, 0x4000_0000);
        AssertWavError(bytes, 16, "fmt chunk claims 1,073,741,824 bytes");
    }

    [Fact]
    public void Constructor_ExtensibleFmtTooSmall_ThrowsAtSizeField()
    {
        var bytes = Riff(Chunk("fmt ", FmtBodyBytes(0xFFFE, 1, 16000, 16, size: 18)), Data(Int16s(1)));
        AssertWavError(bytes, 16, "WAVE_FORMAT_EXTENSIBLE", "only 18 bytes");
    }

    [Fact]
    public void Constructor_ZeroChannels_ThrowsAtChannelsField()
    {
        AssertWavError(s_valid.WithUInt16(22, 0), 22, "0 channels");
    }

    [Fact]
    public void Constructor_TooManyChannels_ThrowsAtChannelsField()
    {
        var bytes = Riff(Fmt(1, 65, 16000, 16), Data(new byte[130]));
        AssertWavError(bytes, 22, "65 channels", "at most 64");
    }

    [Fact]
    public void Constructor_ZeroSampleRate_ThrowsAtSampleRateField()
    {
        AssertWavError(s_valid.With(24, 0), 24, "sample rate of 0 Hz");
    }

    [Fact]
    public void Constructor_AbsurdSampleRate_ThrowsAtSampleRateField()
    {
        AssertWavError(s_valid.With(24, 2_000_000), 24, "2,000,000 Hz", "at most 1,000,000");
    }

    [Fact]
    public void Constructor_BlockAlignInconsistent_ThrowsAtBlockAlignField()
    {
        var bytes = Riff(Fmt(1, 2, 16000, 16, blockAlign: 2), Data(new byte[8]));
        AssertWavError(bytes, 32, "block align is 2", "4-byte frames");
    }

    [Theory]
    [InlineData(1, 40, "PCM with 40 bits")]
    [InlineData(1, 0, "0 bits per sample")]
    [InlineData(3, 16, "IEEE float with 16 bits")]
    [InlineData(3, 24, "IEEE float with 24 bits")]
    public void Constructor_UnsupportedBitsPerSample_ThrowsAtBitsField(ushort tag, int bits, string mention)
    {
        var bytes = Riff(Fmt(tag, 1, 16000, bits, blockAlign: Math.Max(1, bits / 8)), Data(new byte[10]));
        AssertWavError(bytes, 34, mention);
    }

    [Fact]
    public void Constructor_ExtensibleValidBitsAboveContainer_ThrowsAtValidBitsField()
    {
        var bytes = Riff(FmtExtensible(1, 16000, 16, 20, 1), Data(Int16s(1)));
        AssertWavError(bytes, 38, "wValidBitsPerSample is 20", "16-bit");
    }

    [Fact]
    public void Constructor_ExtensibleUnknownSubFormatGuid_ThrowsAtGuidNamingIt()
    {
        var ambisonic = new Guid("00000001-0721-11d3-8644-c8c1ca000000");
        var bytes = Riff(FmtExtensible(4, 48000, 16, 16, 0, ambisonic), Data(new byte[8]));
        AssertWavError(bytes, 44, "{00000001-0721-11d3-8644-c8c1ca000000}", "sub-format");
    }

    [Theory]
    [InlineData(0x0007, "mu-law", "sox")]
    [InlineData(0x0006, "A-law", "sox")]
    [InlineData(0x0002, "Microsoft ADPCM", "ffmpeg")]
    [InlineData(0x0011, "IMA ADPCM", "ffmpeg")]
    [InlineData(0x0055, "MP3", "0x0055")]
    [InlineData(0x0031, "GSM 6.10", "not supported")]
    [InlineData(0x1234, "unrecognised codec", "0x1234")]
    public void Constructor_UnsupportedCodec_ThrowsAtFormatTagNamingCodec(ushort tag, string codec, string mention)
    {
        var bytes = Riff(Fmt(tag, 1, 8000, 8), Data(new byte[8]));
        AssertWavError(bytes, FmtBody, codec, mention);
    }

    [Fact]
    public void Constructor_ExtensibleMuLawSubFormat_ThrowsAtGuidNamingCodec()
    {
        var bytes = Riff(FmtExtensible(1, 8000, 8, 8, 7), Data(new byte[8]));
        AssertWavError(bytes, 44, "mu-law", "sub-format");
    }

    [Fact]
    public void Constructor_ChunkLargerThanRemainingStream_ThrowsAtEndOfStream()
    {
        // Arrange: a LIST chunk that declares 1000 bytes where 10 remain.
        var bytes = Riff(Chunk("LIST", new byte[10], declaredSize: 1000));
        AssertWavError(bytes, bytes.Length, "chunk 'LIST'", "1,000 bytes", "byte offset 12");
    }

    [Fact]
    public void Constructor_DataBeforeFmt_ThrowsAtDataChunk()
    {
        var bytes = Riff(Data(Int16s(1, 2)), Fmt(1, 1, 16000, 16));
        AssertWavError(bytes, 12, "data chunk comes before any fmt chunk");
    }

    [Fact]
    public void Constructor_NoDataChunk_ThrowsAtEndOfStream()
    {
        var bytes = Riff(Fmt(1, 1, 16000, 16), Chunk("LIST", new byte[4]));
        AssertWavError(bytes, bytes.Length, "without a data chunk");
    }

    [Fact]
    public void Constructor_NoChunksAtAll_ThrowsAtTwelve()
    {
        AssertWavError(Riff(), 12, "without a fmt chunk or a data chunk");
    }

    [Fact]
    public void Constructor_SecondFmtChunk_ThrowsAtSecondFmt()
    {
        var bytes = Riff(Fmt(1, 1, 16000, 16), Fmt(1, 2, 16000, 16), Data(Int16s(1, 2)));
        AssertWavError(bytes, 36, "second fmt chunk");
    }

    [Fact]
    public void Read_DataShorterThanDeclared_ThrowsNamingDeclaredSizeAndEnd()
    {
        // Arrange: 100 bytes declared, 50 present, so the data ends at 44 + 50 = 94.
        var bytes = Riff(Fmt(1, 1, 16000, 16), Data(new byte[50], declaredSize: 100));
        AssertWavError(bytes, 94, "declares 100 bytes", "94");
    }

    [Fact]
    public void Read_DataShorterThanDeclaredOnPipe_ReturnsWholeFramesThenThrows()
    {
        // Arrange
        var bytes = Riff(Fmt(1, 1, 16000, 16), Data(Int16s(1, 2, 3), declaredSize: 100));
        using var reader = new WavReader(new PipeStream(new MemoryStream(bytes)));
        var block = new float[2];

        // Act
        var first = reader.Read(block);
        var second = reader.Read(block);
        var third = Record.Exception(() => reader.Read(block));
        var fourth = Record.Exception(() => reader.Read(block));

        // Assert
        Assert.Equal(2, first);
        Assert.Equal(1, second);
        Assert.Equal(3f / 32768f, block[0]);
        var error = Assert.IsType<WavFormatException>(third);
        Assert.Equal(50, error.ByteOffset);
        Assert.Same(error, fourth);
    }

    [Fact]
    public void Read_DeclaredDataSizeNotWholeFrames_ThrowsAtPartialFrame()
    {
        // Arrange: 5 bytes of 16-bit mono; the partial frame starts at 44 + 4.
        var bytes = Riff(Fmt(1, 1, 16000, 16), Data([1, 0, 2, 0, 3]));
        AssertWavError(bytes, 48, "inside a sample frame", "1 trailing bytes");
    }

    [Fact]
    public void Read_UnknownSizeDataEndingMidFrame_ThrowsAtPartialFrame()
    {
        // Arrange: stereo 16-bit, "length unknown", 4 + 3 bytes: the partial frame starts at 48.
        var bytes = Riff(Fmt(1, 2, 16000, 16), Chunk("data", [1, 0, 2, 0, 3, 0, 4], declaredSize: uint.MaxValue, pad: false));
        AssertWavError(bytes, 48, "inside a sample frame", "3 trailing bytes", "a frame is 4");
    }

    [Fact]
    public void Open_MalformedFile_ExceptionNamesPath()
    {
        // Arrange
        using var temp = new TempFolder("wav-bad");
        var path = temp.File("bad.wav");
        File.WriteAllBytes(path, Replace(s_valid, 20, [7, 0]));

        // Act
        var error = Assert.Throws<WavFormatException>(() => WavReader.Open(path));

        // Assert
        Assert.Equal(path, error.FilePath);
        Assert.Equal(20, error.ByteOffset);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("mu-law", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WavFormatException_IsAFormatException()
    {
        Assert.IsAssignableFrom<FormatException>(new WavFormatException("x", 3));
        Assert.Equal(-1, new WavFormatException().ByteOffset);
    }

    /// <summary>
    /// Random byte mutations, 32-bit field overwrites and truncations of valid files either read cleanly or raise
    /// <see cref="WavFormatException"/>, and never hang, whether the stream can seek or not. How fast malformed files
    /// are rejected is measured by MalformedWavBenchmarks, not here.
    /// </summary>
    [Property(MaxTest = 400)]
    public Property Read_MutatedOrTruncatedFile_ParsesOrThrowsWavFormatExceptionOnly()
    {
        var templates = FuzzTemplates();
        var gen =
            from template in Gen.Choose(0, templates.Length - 1)
            from bytes in Gen.Constant(templates[template])
            from flips in Gen.ListOf(Gen.Zip(Gen.Choose(0, bytes.Length - 1), Gen.Choose(0, 255))).Resize(6)
            from fields in Gen.ListOf(Gen.Zip(Gen.Choose(0, (bytes.Length / 2) - 4), Gen.Elements(s_interestingValues))).Resize(3)
            from cut in Gen.Frequency((3, Gen.Constant(bytes.Length)), (1, Gen.Choose(0, bytes.Length)))
            from trickle in Gen.Elements(1, 3, 7, int.MaxValue)
            select (Mutate(bytes, flips, fields, cut), trickle);

        return Prop.ForAll(gen.ToArbitrary(), input =>
        {
            var (bytes, trickle) = input;
            RunWithHangGuard(() =>
            {
                foreach (var seekable in new[] { true, false })
                {
                    try
                    {
                        using var reader = new WavReader(WavStreams.Open(bytes, seekable, seekable ? int.MaxValue : trickle));
                        var block = new float[WavReader.MaxChannels * 4];
                        while (reader.Read(block) > 0)
                        {
                        }
                    }
                    catch (WavFormatException error)
                    {
                        Assert.InRange(error.ByteOffset, 0, bytes.Length);
                        Assert.Contains("byte offset", error.Message, StringComparison.Ordinal);
                    }
                }
            });
        });
    }

    /// <summary>
    /// Runs <paramref name="read"/> on a thread of its own and rethrows what it threw; fails if it has not returned
    /// within <see cref="s_hangGuard"/>. Reading one of these files takes microseconds: the guard catches endless
    /// loops, it is not a speed check, so it is generous enough for a loaded machine.
    /// </summary>
    private static void RunWithHangGuard(Action read)
    {
        ExceptionDispatchInfo? thrown = null;
        var thread = new Thread(() =>
        {
            try
            {
                read();
            }
            catch (Exception error)
            {
                thrown = ExceptionDispatchInfo.Capture(error);
            }
        })
        { IsBackground = true, Name = "wav fuzz read" };
        thread.Start();
        Assert.True(thread.Join(s_hangGuard), $"reading the file did not finish within {s_hangGuard.TotalSeconds} s: the reader hangs");
        thrown?.Throw();
    }

    private static byte[][] FuzzTemplates()
    {
        var rng = new Random(1234);
        var pcm = new byte[200];
        rng.NextBytes(pcm);
        return
        [
            Riff(Chunk("LIST", new byte[5]), Fmt(1, 2, 16000, 16), Data(pcm[..64]), Chunk("id3 ", new byte[3])),
            Riff(Fmt(1, 1, 8000, 8), Chunk("fact", [4, 0, 0, 0]), Data(pcm[..33])),
            Riff(Fmt(1, 3, 44100, 24), Data(pcm[..90])),
            Riff(FmtExtensible(6, 48000, 32, 24, 1), Data(pcm[..96])),
            Riff(FmtExtensible(2, 16000, 32, 32, 3), Data(pcm[..64], declaredSize: uint.MaxValue)),
            Riff(Fmt(3, 1, 16000, 64), Data(pcm[..64], declaredSize: 0)),
        ];
    }

    private static byte[] Mutate(byte[] template, IEnumerable<(int, int)> flips, IEnumerable<(int, uint)> fields, int cut)
    {
        var bytes = (byte[])template.Clone();
        foreach (var (offset, value) in flips)
        {
            bytes[offset] = (byte)value;
        }

        foreach (var (half, value) in fields)
        {
            // Aligned to 2 so the write can land on any 16-bit or 32-bit header field.
            bytes = bytes.With(half * 2, value);
        }

        return bytes[..Math.Min(cut, bytes.Length)];
    }

    private static byte[] Replace(byte[] bytes, int offset, ReadOnlySpan<byte> value)
    {
        var copy = (byte[])bytes.Clone();
        value.CopyTo(copy.AsSpan(offset));
        return copy;
    }

    /// <summary>
    /// Reads everything from <paramref name="bytes"/>, both as a seekable stream and as a pipe that returns 3 bytes
    /// per read, and checks each attempt fails with a <see cref="WavFormatException"/> at <paramref name="offset"/>
    /// whose message names the offset and contains every one of <paramref name="mentions"/>.
    /// </summary>
    private static void AssertWavError(byte[] bytes, long offset, params string[] mentions)
    {
        foreach (var seekable in new[] { true, false })
        {
            // Act
            var thrown = Record.Exception(() =>
            {
                using var reader = new WavReader(WavStreams.Open(bytes, seekable, seekable ? int.MaxValue : 3));
                WavStreams.ReadAll(reader);
            });

            // Assert
            var error = Assert.IsType<WavFormatException>(thrown);
            Assert.Equal(offset, error.ByteOffset);
            Assert.Null(error.FilePath);
            Assert.Contains($"byte offset {offset}:", error.Message, StringComparison.Ordinal);
            foreach (var mention in mentions)
            {
                Assert.Contains(mention, error.Message, StringComparison.OrdinalIgnoreCase);
            }
        }
    }
}
