using SerSsl.Core.Features;

namespace SerSsl.Core.Tests.Features;

public sealed class FrameEnergyTests
{
    [Fact]
    public void Compute_Silence_IsMinus100Decibels()
    {
        var energies = FrameEnergy.Compute(new float[1000]);

        Assert.Equal(4, energies.Length);
        Assert.All(energies, e => Assert.Equal(-100f, e));
    }

    [Fact]
    public void Compute_FullScaleSine_IsMinus3Decibels()
    {
        // 1 kHz at 16 kHz: 400 samples hold exactly 25 periods, so mean(x^2) = 1/2.
        var energies = FrameEnergy.Compute(LogMelExtractorTests.Tone(1000, 16000, amplitude: 1.0));

        Assert.All(energies, e => Assert.Equal(10.0 * Math.Log10(0.5), e, 1e-4));
    }

    [Fact]
    public void Compute_Gain_ShiftsEveryFrameBy20Log10Gain()
    {
        var signal = LogMelExtractorTests.Noise(8000, 0.1, 3);
        var louder = signal.Select(x => x * 4f).ToArray();

        var quiet = FrameEnergy.Compute(signal);
        var loud = FrameEnergy.Compute(louder);

        for (var t = 0; t < quiet.Length; t++)
        {
            Assert.Equal(20.0 * Math.Log10(4.0), loud[t] - quiet[t], 1e-4);
        }
    }

    [Fact]
    public void Compute_Frames_MatchTimeDomainMeanSquare()
    {
        var signal = LogMelExtractorTests.Noise(1000, 0.3, 2);

        var energies = FrameEnergy.Compute(signal);

        for (var t = 0; t < energies.Length; t++)
        {
            var sum = 0.0;
            for (var i = 0; i < 400; i++)
            {
                sum += (double)signal[(t * 160) + i] * signal[(t * 160) + i];
            }

            Assert.Equal(10.0 * Math.Log10((sum / 400.0) + 1e-10), energies[t], 1e-4);
        }
    }

    [Fact]
    public void Compute_DestinationTooShort_Throws()
    {
        Assert.Throws<ArgumentException>(() => FrameEnergy.Compute(new float[560], new float[1]));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void FrameDecibels_InvalidEpsilon_Throws(double epsilon)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FrameEnergy.FrameDecibels(new float[4], epsilon));
    }

    [Fact]
    public void FrameDecibels_EmptyFrame_Throws()
    {
        Assert.Throws<ArgumentException>(() => FrameEnergy.FrameDecibels([]));
    }
}
