using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SerSsl.Core.Audio;

namespace SerSsl.Core.Tests.Audio;

public sealed class RawPcmDecoderTests
{
    [Property(MaxTest = 200)]
    public Property Decode_BytesSplitAnywhere_EqualsDecodingThemInOneBlock()
    {
        var gen =
            from encoding in Gen.Elements(RawSampleEncoding.S16LE, RawSampleEncoding.F32LE)
            from channels in Gen.Choose(1, 5)
            from frames in Gen.Choose(0, 400)
            from seed in Gen.Choose(0, int.MaxValue)
            from cuts in Gen.ListOf(Gen.Choose(0, 7))
            select (encoding, channels, frames, seed, cuts.ToArray());

        return Prop.ForAll(gen.ToArbitrary(), input =>
        {
            // Arrange: random block lengths of 0 to 7 bytes, then the rest in one block.
            var (encoding, channels, frames, seed, cuts) = input;
            var bytes = RandomPcm(encoding, channels, frames, seed);
            var whole = new RawPcmDecoder(encoding, channels);
            var expected = new float[frames * channels];
            whole.Decode(bytes, expected);
            var split = new RawPcmDecoder(encoding, channels);
            var actual = new List<float>();

            // Act
            var offset = 0;
            foreach (var cut in cuts.Append(bytes.Length))
            {
                var length = Math.Min(cut, bytes.Length - offset);
                var block = new float[split.FramesFor(length) * channels];
                var written = split.Decode(bytes.AsSpan(offset, length), block);
                Assert.Equal(block.Length, written);
                actual.AddRange(block);
                offset += length;
            }

            // Assert: bit-identical samples, the same counters, and a clean end.
            Assert.Equal(expected, actual);
            Assert.Equal(frames, split.FramesDecoded);
            Assert.Equal(bytes.Length, split.BytesReceived);
            Assert.True(split.TryEnd("the test stream", out var message), message);
        });
    }

    [Fact]
    public void Decode_S16_ScalesLikeTheWavReader()
    {
        // Arrange
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt16LittleEndian(bytes, short.MinValue);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(2), short.MaxValue);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(4), 0);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(6), 16384);
        var samples = new float[4];

        // Act
        var written = new RawPcmDecoder(RawSampleEncoding.S16LE, 2).Decode(bytes, samples);

        // Assert
        Assert.Equal(4, written);
        Assert.Equal([-1f, 32767f / 32768f, 0f, 0.5f], samples);
    }

    [Fact]
    public void Decode_F32_PassesNonFiniteValuesThrough()
    {
        // Arrange
        var bytes = new byte[12];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, float.NaN);
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4), float.PositiveInfinity);
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(8), 1.5f);
        var samples = new float[3];

        // Act
        new RawPcmDecoder(RawSampleEncoding.F32LE, 1).Decode(bytes, samples);

        // Assert
        Assert.True(float.IsNaN(samples[0]));
        Assert.Equal(float.PositiveInfinity, samples[1]);
        Assert.Equal(1.5f, samples[2]);
    }

    [Fact]
    public void TryEnd_InsideAFrame_SaysHowManyBytesAndTheFrameSize()
    {
        // Arrange: one whole stereo s16 frame (4 bytes) and 3 stray bytes.
        var decoder = new RawPcmDecoder(RawSampleEncoding.S16LE, 2);
        decoder.Decode(new byte[7], new float[2]);

        // Act
        var clean = decoder.TryEnd("stdin", out var message);

        // Assert
        Assert.False(clean);
        Assert.Equal(3, decoder.PendingBytes);
        Assert.Equal("stdin ended inside a sample frame: 3 trailing bytes after 4 bytes, but a frame of 2 channel(s) of s16le is 4 bytes.", message);
    }

    [Fact]
    public void Decode_DestinationTooShort_ThrowsWithoutConsumingTheBytes()
    {
        // Arrange
        var decoder = new RawPcmDecoder(RawSampleEncoding.S16LE, 1);

        // Act
        var error = Assert.Throws<ArgumentException>(() => decoder.Decode(new byte[10], new float[4]));

        // Assert
        Assert.Contains("5 samples", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, decoder.BytesReceived);
    }

    private static byte[] RandomPcm(RawSampleEncoding encoding, int channels, int frames, int seed)
    {
        var random = new Random(seed);
        var samples = frames * channels;
        var bytes = new byte[samples * (encoding == RawSampleEncoding.S16LE ? 2 : 4)];
        for (var i = 0; i < samples; i++)
        {
            if (encoding == RawSampleEncoding.S16LE)
            {
                BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(2 * i), (short)random.Next(short.MinValue, short.MaxValue + 1));
            }
            else
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), (float)((random.NextDouble() * 2) - 1));
            }
        }

        return bytes;
    }
}
