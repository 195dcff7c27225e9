using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SerSsl.Core.Audio;

namespace SerSsl.Core.Tests.Audio;

public sealed class WavRoundTripTests
{
    /// <summary>
    /// Worst-case PCM16 round-trip error: writing scales by 32767 and rounds (half a step), reading divides by
    /// 32768 (up to |x|/32768 more), so the bound is 1.5/32768 plus float rounding.
    /// </summary>
    private const float Pcm16Tolerance = (1.5f / 32768f) + 1e-7f;

    private static readonly Gen<float> s_sample = Gen.Frequency(
        (20, Gen.Choose(-1_000_000, 1_000_000).Select(i => i / 1_000_000f)),
        (2, Gen.Choose(-3_000_000, 3_000_000).Select(i => i / 1_000_000f)),
        (1, Gen.Elements(-1f, 1f, 0f, -0f, float.Epsilon, 0.5f / 32767f, float.NaN, float.PositiveInfinity, float.NegativeInfinity)));

    private static readonly Gen<int> s_sampleRate = Gen.Frequency(
        (3, Gen.Elements(8000, 16000, 22050, 44100, 48000)),
        (1, Gen.Choose(1, WavReader.MaxSampleRate)));

    [Property(MaxTest = 200)]
    public Property WriteThenRead_RandomSamplesChannelsRatesFormats_ReturnsSameSamples()
    {
        var gen =
            from channels in Gen.Choose(1, 8)
            from frames in Gen.Choose(0, 300)
            from samples in Gen.ArrayOf(s_sample, frames * channels)
            from rate in s_sampleRate
            from format in Gen.Elements(WavSampleFormat.Pcm16, WavSampleFormat.Float32)
            from seekable in Gen.Elements(true, false)
            select (samples, channels, rate, format, seekable);

        return Prop.ForAll(gen.ToArbitrary(), input =>
        {
            // Arrange
            var (samples, channels, rate, format, seekable) = input;
            var sink = new MemoryStream();
            using (var writer = new WavWriter(seekable ? sink : new AppendOnlyStream(sink), rate, channels, format, leaveOpen: true))
            {
                writer.Write(samples);
            }

            // Act
            using var reader = new WavReader(WavStreams.Open(sink.ToArray(), seekable));
            var read = WavStreams.ReadAll(reader, 97);

            // Assert
            Assert.Equal(rate, reader.SampleRate);
            Assert.Equal(channels, reader.Channels);
            Assert.Equal(format == WavSampleFormat.Pcm16 ? WavEncoding.Pcm : WavEncoding.IeeeFloat, reader.Encoding);
            Assert.Equal(seekable ? samples.Length / channels : null, reader.FrameCount);
            Assert.Equal(samples.Length, read.Length);
            for (var i = 0; i < samples.Length; i++)
            {
                if (format == WavSampleFormat.Float32)
                {
                    Assert.Equal(BitConverter.SingleToInt32Bits(samples[i]), BitConverter.SingleToInt32Bits(read[i]));
                }
                else
                {
                    var expected = float.IsNaN(samples[i]) ? 0f : Math.Clamp(samples[i], -1f, 1f);
                    Assert.Equal(expected, read[i], Pcm16Tolerance);
                }
            }
        });
    }

    [Property(MaxTest = 50)]
    public Property WavFileWriteThenReadMono_RandomStereo_ReturnsChannelMeans()
    {
        var gen =
            from frames in Gen.Choose(0, 2000)
            from samples in Gen.ArrayOf(Gen.Choose(-1000, 1000).Select(i => i / 1000f), frames * 2)
            from rate in s_sampleRate
            select (samples, rate);

        return Prop.ForAll(gen.ToArbitrary(), input =>
        {
            // Arrange
            var (samples, rate) = input;
            using var temp = new TempFolder("wav-roundtrip");
            var path = temp.File("stereo.wav");

            // Act
            WavFile.Write(path, samples, rate, WavSampleFormat.Float32, channels: 2);
            var audio = WavFile.ReadMono(path);

            // Assert
            Assert.Equal(rate, audio.SampleRate);
            Assert.Equal(samples.Length / 2, audio.Samples.Length);
            for (var f = 0; f < audio.Samples.Length; f++)
            {
                Assert.Equal((samples[2 * f] + samples[(2 * f) + 1]) * 0.5f, audio.Samples[f]);
            }
        });
    }
}
