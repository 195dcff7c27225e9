using SerSsl.Core.Features;

namespace SerSsl.Core.Tests.Features;

public sealed class RealFftTests
{
    [Theory]
    [InlineData(4, 4)]
    [InlineData(8, 5)]
    [InlineData(16, 16)]
    [InlineData(64, 33)]
    [InlineData(512, 400)]
    [InlineData(512, 512)]
    [InlineData(1024, 777)]
    public void Forward_RandomInput_MatchesNaiveDft(int length, int inputLength)
    {
        var random = new Random(length + inputLength);
        var input = new float[inputLength];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = (float)((random.NextDouble() * 2.0) - 1.0);
        }

        var fft = new RealFft(length);
        var re = new float[fft.BinCount];
        var im = new float[fft.BinCount];

        fft.Forward(input, re, im);

        var (expectedRe, expectedIm) = NaiveDft(input, length);
        var scale = 0.0;
        for (var k = 0; k < fft.BinCount; k++)
        {
            scale = Math.Max(scale, Math.Sqrt((expectedRe[k] * expectedRe[k]) + (expectedIm[k] * expectedIm[k])));
        }

        for (var k = 0; k < fft.BinCount; k++)
        {
            Assert.True(Math.Abs(re[k] - expectedRe[k]) <= 1e-4 * scale, $"Re X[{k}] = {re[k]}, expected {expectedRe[k]}");
            Assert.True(Math.Abs(im[k] - expectedIm[k]) <= 1e-4 * scale, $"Im X[{k}] = {im[k]}, expected {expectedIm[k]}");
        }
    }

    [Fact]
    public void Forward_WindowedFrame_SatisfiesParseval()
    {
        var random = new Random(7);
        var window = LogMelFrameProcessor.CreatePeriodicHann(400);
        var frame = new float[400];
        var timeEnergy = 0.0;
        for (var i = 0; i < frame.Length; i++)
        {
            frame[i] = (float)((random.NextDouble() - 0.5) * window[i]);
            timeEnergy += (double)frame[i] * frame[i];
        }

        var fft = new RealFft(512);
        var re = new float[257];
        var im = new float[257];

        fft.Forward(frame, re, im);

        // One-sided: DC and Nyquist once, every other bin twice; divide by N for the unnormalised DFT.
        var spectralEnergy = 0.0;
        for (var k = 0; k <= 256; k++)
        {
            var power = ((double)re[k] * re[k]) + ((double)im[k] * im[k]);
            spectralEnergy += (k == 0 || k == 256 ? 1.0 : 2.0) * power;
        }

        spectralEnergy /= 512.0;
        Assert.True(Math.Abs(spectralEnergy - timeEnergy) <= 1e-4 * timeEnergy, $"{spectralEnergy} vs {timeEnergy}");
    }

    [Fact]
    public void Forward_SameInputTwice_GivesBitwiseEqualOutput()
    {
        var random = new Random(3);
        var input = new float[400];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = random.NextSingle() - 0.5f;
        }

        var first = new RealFft(512);
        var second = new RealFft(512);
        var re1 = new float[257];
        var im1 = new float[257];
        var re2 = new float[300];
        var im2 = new float[300];

        first.Forward(input, re1, im1);
        second.Forward(input.AsSpan().ToArray(), re2.AsSpan(1), im2.AsSpan(3));

        Assert.Equal(re1, re2.AsSpan(1, 257).ToArray());
        Assert.Equal(im1, im2.AsSpan(3, 257).ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(6)]
    [InlineData(500)]
    public void Constructor_InvalidLength_Throws(int length)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RealFft(length));
    }

    private static (double[] Re, double[] Im) NaiveDft(float[] input, int length)
    {
        var bins = (length / 2) + 1;
        var re = new double[bins];
        var im = new double[bins];
        for (var k = 0; k < bins; k++)
        {
            for (var n = 0; n < input.Length; n++)
            {
                var angle = -2.0 * Math.PI * k * n / length;
                re[k] += input[n] * Math.Cos(angle);
                im[k] += input[n] * Math.Sin(angle);
            }
        }

        return (re, im);
    }
}
