using System.Buffers.Binary;
using SerSsl.Core.Audio;
using static SerSsl.Core.Tests.Audio.WavBytes;

namespace SerSsl.Core.Tests.Audio;

public sealed class WavReaderDecodingTests
{
    [Fact]
    public void Read_Pcm8_DecodesUnsignedAroundMidpoint()
    {
        // Arrange
        var bytes = Riff(Fmt(1, 1, 8000, 8), Data([0, 64, 128, 192, 255]));

        // Act
        var samples = WavStreams.ReadAll(bytes);

        // Assert
        Assert.Equal([-1f, -0.5f, 0f, 0.5f, 127f / 128f], samples);
    }

    [Fact]
    public void Read_Pcm16_DecodesByTwoToTheFifteenth()
    {
        // Arrange
        var bytes = Pcm16(1, 16000, short.MinValue, -16384, 0, 1, short.MaxValue);

        // Act
        var samples = WavStreams.ReadAll(bytes);

        // Assert
        Assert.Equal([-1f, -0.5f, 0f, 1f / 32768f, 32767f / 32768f], samples);
    }

    [Fact]
    public void Read_Pcm24_DecodesSignExtendedValues()
    {
        // Arrange: 0x7FFFFF, 0x800000, 0xFFFFFF (-1), 0x400000, 0x000001
        byte[] data = [0xFF, 0xFF, 0x7F, 0x00, 0x00, 0x80, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x40, 0x01, 0x00, 0x00];
        var bytes = Riff(Fmt(1, 1, 48000, 24), Data(data));

        // Act
        var samples = WavStreams.ReadAll(bytes);

        // Assert
        Assert.Equal([8388607f / 8388608f, -1f, -1f / 8388608f, 0.5f, 1f / 8388608f], samples);
        Assert.Equal(1f, samples[0], 1e-6f);
    }

    [Fact]
    public void Read_Pcm32_DecodesByTwoToTheThirtyFirst()
    {
        // Arrange
        var data = new byte[16];
        BinaryPrimitives.WriteInt32LittleEndian(data, int.MinValue);
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(4), int.MaxValue);
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(8), 1 << 30);
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(12), -(1 << 29));
        var bytes = Riff(Fmt(1, 1, 44100, 32), Data(data));

        // Act
        var samples = WavStreams.ReadAll(bytes);

        // Assert
        Assert.Equal([-1f, 1f, 0.5f, -0.25f], samples);
    }

    [Fact]
    public void Read_Float32_PassesValuesThroughIncludingNaNAndInfinity()
    {
        // Arrange
        float[] values = [0.25f, -1.5f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f];
        var data = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * 4), values[i]);
        }

        var bytes = Riff(Fmt(3, 1, 16000, 32), Chunk("fact", [6, 0, 0, 0]), Data(data));

        // Act
        using var reader = new WavReader(new MemoryStream(bytes));
        var samples = WavStreams.ReadAll(reader);

        // Assert
        Assert.Equal(WavEncoding.IeeeFloat, reader.Encoding);
        Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), samples.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Read_Float64_NarrowsToFloat()
    {
        // Arrange
        double[] values = [0.5, -0.125, 1.0 / 3.0, double.NaN];
        var data = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(i * 8), values[i]);
        }

        var bytes = Riff(Fmt(3, 1, 16000, 64), Data(data));

        // Act
        using var reader = new WavReader(new MemoryStream(bytes));
        var samples = WavStreams.ReadAll(reader);

        // Assert
        Assert.Equal(64, reader.BitsPerSample);
        Assert.Equal([0.5f, -0.125f, (float)(1.0 / 3.0)], samples[..3]);
        Assert.True(float.IsNaN(samples[3]));
    }

    [Fact]
    public void Read_ExtensiblePcm24In32Container_DecodesContainerAndReportsValidBits()
    {
        // Arrange: 24 valid bits left-justified in 32-bit containers, stereo.
        var data = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(data, 0x400000 << 8);
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(4), unchecked((int)0x80000000));
        var bytes = Riff(FmtExtensible(2, 96000, 32, 24, 1), Data(data));

        // Act
        using var reader = new WavReader(new MemoryStream(bytes));
        var samples = WavStreams.ReadAll(reader);

        // Assert
        Assert.Equal(WavEncoding.Pcm, reader.Encoding);
        Assert.Equal(32, reader.BitsPerSample);
        Assert.Equal(24, reader.ValidBitsPerSample);
        Assert.Equal(2, reader.Channels);
        Assert.Equal(96000, reader.SampleRate);
        Assert.Equal([0.5f, -1f], samples);
    }

    [Fact]
    public void Read_ExtensibleFloat_DecodesFloats()
    {
        // Arrange
        var data = new byte[12];
        BinaryPrimitives.WriteSingleLittleEndian(data, 0.1f);
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4), -0.2f);
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(8), 0.3f);
        var bytes = Riff(FmtExtensible(3, 16000, 32, 32, 3), Data(data));

        // Act
        using var reader = new WavReader(new MemoryStream(bytes));
        var samples = WavStreams.ReadAll(reader);

        // Assert
        Assert.Equal(WavEncoding.IeeeFloat, reader.Encoding);
        Assert.Equal([0.1f, -0.2f, 0.3f], samples);
    }

    [Fact]
    public void Read_ExtensibleWithZeroValidBits_TreatsAsWholeContainer()
    {
        // Arrange
        var bytes = Riff(FmtExtensible(1, 16000, 16, 0, 1), Data(Int16s(16384)));

        // Act
        using var reader = new WavReader(new MemoryStream(bytes));

        // Assert
        Assert.Equal(16, reader.ValidBitsPerSample);
        Assert.Equal([0.5f], WavStreams.ReadAll(reader));
    }

    [Fact]
    public void Read_PlainPcm12Bit_UsesSixteenBitContainer()
    {
        // Arrange: 12-bit samples stored left-justified in 16 bits, as the plain PCM format prescribes.
        var bytes = Riff(Fmt(1, 1, 8000, 12, blockAlign: 2), Data(Int16s(0x400 << 4, -0x800 << 4)));

        // Act
        using var reader = new WavReader(new MemoryStream(bytes));

        // Assert
        Assert.Equal(16, reader.BitsPerSample);
        Assert.Equal(12, reader.ValidBitsPerSample);
        Assert.Equal([0.5f, -1f], WavStreams.ReadAll(reader));
    }

    [Fact]
    public void ReadMono_StereoLeftOneRightZero_ReturnsHalf()
    {
        // Arrange
        var bytes = Riff(Fmt(3, 2, 16000, 32), Data([.. BitConverter.GetBytes(1f), .. BitConverter.GetBytes(0f)]));

        // Act
        using var reader = new WavReader(new MemoryStream(bytes));
        var mono = WavStreams.ReadAllMono(reader);

        // Assert
        Assert.Equal([0.5f], mono);
    }

    [Fact]
    public void ReadMono_ThreeChannels_ReturnsMeanOfEachFrame()
    {
        // Arrange
        var bytes = Pcm16(3, 16000, 16384, -16384, 8192, 0, 0, 24576);

        // Act
        using var reader = new WavReader(new MemoryStream(bytes));
        var mono = WavStreams.ReadAllMono(reader);

        // Assert
        Assert.Equal(2, mono.Length);
        Assert.Equal(0.25f / 3f, mono[0], 1e-7f);
        Assert.Equal(0.25f, mono[1], 1e-7f);
    }

    [Fact]
    public void ReadMono_MonoFile_EqualsInterleavedRead()
    {
        // Arrange
        var bytes = Pcm16(1, 8000, 1, 2, 3, -4);

        // Act
        var interleaved = WavStreams.ReadAll(bytes);
        using var reader = new WavReader(new MemoryStream(bytes));
        var mono = WavStreams.ReadAllMono(reader);

        // Assert
        Assert.Equal(interleaved, mono);
    }

    [Fact]
    public void Constructor_CanonicalHeader_ExposesFormatAndLength()
    {
        // Arrange
        var bytes = Pcm16(2, 16000, new short[32000]);

        // Act
        using var reader = new WavReader(new MemoryStream(bytes));

        // Assert
        Assert.Equal(16000, reader.SampleRate);
        Assert.Equal(2, reader.Channels);
        Assert.Equal(WavEncoding.Pcm, reader.Encoding);
        Assert.Equal(16, reader.BitsPerSample);
        Assert.Equal(4, reader.BlockAlign);
        Assert.Equal(16000, reader.FrameCount);
        Assert.Equal(TimeSpan.FromSeconds(1), reader.Duration);
        Assert.Equal(0, reader.FramesRead);
    }

    [Fact]
    public void Read_DestinationShorterThanOneFrame_ThrowsArgumentException()
    {
        // Arrange
        using var reader = new WavReader(new MemoryStream(Pcm16(2, 16000, 1, 2)));

        // Act / Assert
        Assert.Throws<ArgumentException>(() => reader.Read(new float[1]));
        Assert.Throws<ArgumentException>(() => reader.ReadMono([]));
    }

    [Fact]
    public void Read_DestinationNotWholeFrames_WritesWholeFramesOnly()
    {
        // Arrange
        using var reader = new WavReader(new MemoryStream(Pcm16(2, 16000, 1, 2, 3, 4)));
        var block = new float[3];

        // Act
        var first = reader.Read(block);
        var second = reader.Read(block);
        var third = reader.Read(block);

        // Assert
        Assert.Equal(2, first);
        Assert.Equal(2, second);
        Assert.Equal(0, third);
        Assert.Equal(2, reader.FramesRead);
    }

    [Fact]
    public void Read_AfterDispose_ThrowsObjectDisposedException()
    {
        // Arrange
        var reader = new WavReader(new MemoryStream(Pcm16(1, 16000, 1)));
        reader.Dispose();

        // Act / Assert
        Assert.Throws<ObjectDisposedException>(() => reader.Read(new float[4]));
    }

    [Fact]
    public void Dispose_LeaveOpen_DoesNotCloseStream()
    {
        // Arrange
        var stream = new MemoryStream(Pcm16(1, 16000, 1));

        // Act
        new WavReader(stream, leaveOpen: true).Dispose();

        // Assert
        Assert.True(stream.CanRead);
    }
}
