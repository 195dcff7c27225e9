using System.Buffers.Binary;
using SerSsl.Core.Audio;
using static SerSsl.Core.Tests.Audio.WavBytes;

namespace SerSsl.Core.Tests.Audio;

public sealed class WavWriterTests
{
    [Fact]
    public void Dispose_Pcm16Mono_WritesCanonical44ByteHeaderWithPatchedSizes()
    {
        // Arrange
        var sink = new MemoryStream();

        // Act
        using (var writer = new WavWriter(sink, 16000, 1, WavSampleFormat.Pcm16, leaveOpen: true))
        {
            writer.Write([0f, 0.5f, -0.5f]);
        }

        // Assert
        var expected = Pcm16(1, 16000, 0, 16384, -16384);
        Assert.Equal(expected, sink.ToArray());
    }

    [Fact]
    public void Dispose_Float32Stereo_WritesFloatFmtFactAndSizes()
    {
        // Arrange
        var sink = new MemoryStream();

        // Act
        using (var writer = new WavWriter(sink, 48000, 2, WavSampleFormat.Float32, leaveOpen: true))
        {
            writer.Write([0.25f, -0.25f, 1f, 2f]);
        }

        var bytes = sink.ToArray();

        // Assert
        Assert.Equal(58 + 16, bytes.Length);
        Assert.Equal((uint)bytes.Length - 8, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(18u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(16)));
        Assert.Equal(3, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(20)));
        Assert.Equal("fact"u8.ToArray(), bytes[38..42]);
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(46)));
        Assert.Equal(16u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(54)));
        Assert.Equal([0.25f, -0.25f, 1f, 2f], WavStreams.ReadAll(bytes));
    }

    [Fact]
    public void Constructor_SixChannels_WritesExtensibleFormat()
    {
        // Arrange
        var sink = new MemoryStream();

        // Act
        using (var writer = new WavWriter(sink, 16000, 6, WavSampleFormat.Pcm16, leaveOpen: true))
        {
            writer.Write(new float[12]);
        }

        var bytes = sink.ToArray();
        using var reader = new WavReader(new MemoryStream(bytes));

        // Assert
        Assert.Equal(0xFFFE, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(20)));
        Assert.Equal(6, reader.Channels);
        Assert.Equal(16, reader.ValidBitsPerSample);
        Assert.Equal(2, reader.FrameCount);
    }

    [Theory]
    [InlineData(1f, 32767)]
    [InlineData(-1f, -32767)]
    [InlineData(1.5f, 32767)]
    [InlineData(-7f, -32767)]
    [InlineData(0.5f, 16384)]
    [InlineData(-0.5f, -16384)]
    [InlineData(0.1f, 3277)]
    [InlineData(0f, 0)]
    [InlineData(float.NaN, 0)]
    [InlineData(float.PositiveInfinity, 32767)]
    [InlineData(float.NegativeInfinity, -32767)]
    public void ToPcm16_Sample_ClampsScalesAndRounds(float sample, short expected)
    {
        Assert.Equal(expected, WavWriter.ToPcm16(sample));
    }

    [Fact]
    public void Dispose_NonSeekableStream_LeavesUnknownLengthMarkersThatReadToEnd()
    {
        // Arrange
        var sink = new MemoryStream();
        var pipe = new AppendOnlyStream(sink);

        // Act
        using (var writer = new WavWriter(pipe, 16000, 1, WavSampleFormat.Pcm16))
        {
            writer.Write([0.5f, -0.5f]);
        }

        var bytes = sink.ToArray();

        // Assert
        Assert.Equal(uint.MaxValue, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(uint.MaxValue, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(40)));
        Assert.Equal([0.5f, -0.5f], WavStreams.ReadAll(bytes, seekable: false));
    }

    [Fact]
    public void Flush_MidStream_PatchesSizesSoFileIsReadable()
    {
        // Arrange
        var sink = new MemoryStream();
        using var writer = new WavWriter(sink, 16000, 1, WavSampleFormat.Pcm16, leaveOpen: true);
        writer.Write([0.5f]);

        // Act
        writer.Flush();
        writer.Write([0.25f]);
        var snapshot = sink.ToArray();

        // Assert: the flushed sizes cover the first sample; the second was appended after them.
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(snapshot.AsSpan(40)));
        Assert.Equal([0.5f], WavStreams.ReadAll(snapshot));
        Assert.Equal(2, writer.FramesWritten);
    }

    [Fact]
    public void Write_PartialFrame_ThrowsArgumentException()
    {
        // Arrange
        using var writer = new WavWriter(new MemoryStream(), 16000, 2, WavSampleFormat.Pcm16);

        // Act / Assert
        Assert.Throws<ArgumentException>(() => writer.Write([1f, 2f, 3f]));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1_000_001, 1)]
    [InlineData(16000, 0)]
    [InlineData(16000, 65)]
    public void Constructor_OutOfRangeFormat_ThrowsArgumentOutOfRange(int sampleRate, int channels)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new WavWriter(new MemoryStream(), sampleRate, channels, WavSampleFormat.Pcm16));
    }

    [Fact]
    public void Write_AfterDispose_ThrowsObjectDisposedException()
    {
        // Arrange
        var writer = new WavWriter(new MemoryStream(), 16000, 1, WavSampleFormat.Float32);
        writer.Dispose();

        // Act / Assert
        Assert.Throws<ObjectDisposedException>(() => writer.Write([0f]));
    }

    [Fact]
    public void WavFileWrite_ThenReadMono_ReturnsSamplesAndRate()
    {
        // Arrange
        using var temp = new TempFolder("wav-file");
        var path = temp.File("mono.wav");

        // Act
        WavFile.Write(path, [0.5f, -0.25f, 0f], 22050, WavSampleFormat.Float32);
        var audio = WavFile.ReadMono(path);

        // Assert
        Assert.Equal(22050, audio.SampleRate);
        Assert.Equal([0.5f, -0.25f, 0f], audio.Samples);
        Assert.InRange(audio.Duration.Ticks, 1360, 1361);
    }

    [Fact]
    public void WavFileReadMono_UnknownLengthFile_GrowsToWholeData()
    {
        // Arrange: a file a streaming writer left with "length unknown" markers and more samples than the initial buffer.
        using var temp = new TempFolder("wav-file");
        var path = temp.File("streamed.wav");
        var samples = Enumerable.Range(0, 200_000).Select(i => (short)(i % 1000)).ToArray();
        File.WriteAllBytes(path, Riff(Fmt(1, 1, 8000, 16), Data(Int16s(samples), declaredSize: uint.MaxValue)));

        // Act
        var audio = WavFile.ReadMono(path);

        // Assert
        Assert.Equal(samples.Select(s => s / 32768f), audio.Samples);
    }
}
