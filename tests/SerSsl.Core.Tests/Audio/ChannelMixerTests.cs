using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SerSsl.Core.Audio;

namespace SerSsl.Core.Tests.Audio;

public sealed class ChannelMixerTests
{
    [Property(MaxTest = 200)]
    public Property Downmix_AnyChannelCount_IsTheFrameSumDividedByTheChannelCount()
    {
        var gen =
            from channels in Gen.Choose(1, 8)
            from frames in Gen.Choose(0, 200)
            from seed in Gen.Choose(0, int.MaxValue)
            select (channels, frames, seed);

        return Prop.ForAll(gen.ToArbitrary(), input =>
        {
            // Arrange
            var (channels, frames, seed) = input;
            var random = new Random(seed);
            var interleaved = Enumerable.Range(0, frames * channels).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
            var mono = new float[frames];

            // Act
            ChannelMixer.Downmix(interleaved, channels, mono);

            // Assert: exactly (bit for bit) the left-to-right float sum over the division.
            for (var f = 0; f < frames; f++)
            {
                var sum = 0f;
                for (var c = 0; c < channels; c++)
                {
                    sum += interleaved[(f * channels) + c];
                }

                Assert.Equal(sum / channels, mono[f]);
            }
        });
    }

    [Fact]
    public void Downmix_ThreeChannels_DividesRatherThanMultipliesByTheReciprocal()
    {
        // Arrange: a frame whose sum times (1/3f) differs from the sum divided by 3 in the last bit.
        float[] frame = [0.3f, 0.5f, 0.4f];
        var sum = frame[0] + frame[1] + frame[2];
        Assert.NotEqual(sum / 3, sum * (1f / 3));
        var mono = new float[1];

        // Act
        ChannelMixer.Downmix(frame, 3, mono);

        // Assert
        Assert.Equal(sum / 3, mono[0]);
    }

    [Fact]
    public void Downmix_MonoTooShort_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => ChannelMixer.Downmix(new float[6], 2, new float[2]));

        Assert.Contains("3 frames", error.Message, StringComparison.Ordinal);
    }
}
