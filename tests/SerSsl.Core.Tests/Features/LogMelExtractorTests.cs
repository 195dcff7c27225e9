using SerSsl.Core.Features;

namespace SerSsl.Core.Tests.Features;

public sealed class LogMelExtractorTests
{
    internal static float[] Tone(double hertz, int samples, double amplitude = 0.5)
    {
        var result = new float[samples];
        for (var i = 0; i < samples; i++)
        {
            result[i] = (float)(amplitude * Math.Sin(2.0 * Math.PI * hertz * i / 16000.0));
        }

        return result;
    }

    internal static float[] Noise(int samples, double std, int seed)
    {
        var random = new Random(seed);
        var result = new float[samples];
        for (var i = 0; i < samples; i += 2)
        {
            // Box-Muller: two independent normals per pair of uniforms.
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            var r = std * Math.Sqrt(-2.0 * Math.Log(u1));
            result[i] = (float)(r * Math.Cos(2.0 * Math.PI * u2));
            if (i + 1 < samples)
            {
                result[i + 1] = (float)(r * Math.Sin(2.0 * Math.PI * u2));
            }
        }

        return result;
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(399, 0)]
    [InlineData(400, 1)]
    [InlineData(559, 1)]
    [InlineData(560, 2)]
    [InlineData(16000, 98)]
    [InlineData(160240, 1000)]
    public void FrameCount_SampleCount_FollowsWholeWindowFormula(int samples, int expected)
    {
        var extractor = new LogMelExtractor();

        Assert.Equal(expected, extractor.FrameCount(samples));
        Assert.Equal(expected, extractor.Extract(new float[samples]).FrameCount);
    }

    [Fact]
    public void FrameCount_Negative_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LogMelExtractor().FrameCount(-1));
    }

    [Theory]
    [InlineData(1000.0)]
    [InlineData(3000.0)]
    [InlineData(6500.0)]
    public void Extract_PureTone_PeaksInMelBinWithNearestCentre(double hertz)
    {
        var extractor = new LogMelExtractor();

        var frames = extractor.Extract(Tone(hertz, 16000));

        var expected = 0;
        for (var m = 1; m < 64; m++)
        {
            if (Math.Abs(ReferenceLogMel.CentreHz(m) - hertz) < Math.Abs(ReferenceLogMel.CentreHz(expected) - hertz))
            {
                expected = m;
            }
        }

        for (var t = 0; t < frames.FrameCount; t++)
        {
            var frame = frames[t];
            var peak = 0;
            for (var m = 1; m < frame.Length; m++)
            {
                if (frame[m] > frame[peak])
                {
                    peak = m;
                }
            }

            Assert.Equal(expected, peak);
        }
    }

    [Fact]
    public void Extract_Silence_EveryValueIsLogOfFloor()
    {
        var extractor = new LogMelExtractor();

        var frames = extractor.Extract(new float[4000]);

        Assert.Equal(Math.Log(1e-10), extractor.SilenceLevel, 1e-5);
        Assert.All(frames.ToArray(), v => Assert.Equal(extractor.SilenceLevel, v));
    }

    [Fact]
    public void Extract_SilenceWithCustomFloor_EveryValueIsLogOfThatFloor()
    {
        var extractor = new LogMelExtractor(LogMelSettings.Default with { LogFloor = 1e-5 });

        var frames = extractor.Extract(new float[1000]);

        Assert.Equal(Math.Log(1e-5), extractor.SilenceLevel, 1e-5);
        Assert.All(frames.ToArray(), v => Assert.Equal(extractor.SilenceLevel, v));
    }

    [Fact]
    public void Extract_WhiteNoise_MelEnergyMatchesTimeDomainVariance()
    {
        // For white noise of variance s2, E|X[k]|^2 = s2 * sum(w^2) at every bin, so the expected mel energy of
        // filter m is s2 * sum(w^2) * sum_k weight[m, k].
        var extractor = new LogMelExtractor();
        var window = LogMelFrameProcessor.CreatePeriodicHann(400);
        var windowEnergy = window.Sum(w => (double)w * w);
        foreach (var (std, seed) in new[] { (0.05, 1), (0.2, 2) })
        {
            var frames = extractor.Extract(Noise(160_240, std, seed));
            for (var m = 4; m < 64; m += 9)
            {
                var weightSum = 0.0;
                for (var k = 0; k < 257; k++)
                {
                    weightSum += ReferenceLogMel.HtkWeight(m, k);
                }

                var mean = 0.0;
                for (var t = 0; t < frames.FrameCount; t++)
                {
                    mean += Math.Exp(frames[t][m]);
                }

                mean /= frames.FrameCount;
                var expected = std * std * windowEnergy * weightSum;
                Assert.True(Math.Abs(mean - expected) < 0.1 * expected, $"std {std}, bin {m}: {mean} vs {expected}");
            }
        }
    }

    [Fact]
    public void Extract_Noise_MatchesTorchStyleReferenceOnPaddedSignal()
    {
        var signal = Noise(2000, 0.1, 11);
        var extractor = new LogMelExtractor();

        var frames = extractor.Extract(signal);
        var reference = ReferenceLogMel.TorchStyle(signal);

        Assert.Equal(reference.GetLength(0), frames.FrameCount);
        for (var t = 0; t < frames.FrameCount; t++)
        {
            for (var m = 0; m < 64; m++)
            {
                Assert.True(Math.Abs(frames[t][m] - reference[t, m]) < 1e-4, $"frame {t} bin {m}: {frames[t][m]} vs {reference[t, m]}");
            }
        }
    }

    [Fact]
    public void Extract_SpanAndArrayOverloads_GiveSameFrames()
    {
        var signal = Noise(5000, 0.3, 5);
        var extractor = new LogMelExtractor();
        var destination = new float[(extractor.FrameCount(signal.Length) * 64) + 10];
        destination.AsSpan().Fill(42f);

        extractor.Extract(signal, destination);
        var frames = extractor.Extract(signal);

        Assert.Equal(frames.ToArray(), destination[..^10]);
        Assert.All(destination[^10..], v => Assert.Equal(42f, v));
    }

    [Fact]
    public void Extract_DestinationTooShort_Throws()
    {
        var extractor = new LogMelExtractor();

        var error = Assert.Throws<ArgumentException>(() => extractor.Extract(new float[560], new float[127]));

        Assert.Equal("frames", error.ParamName);
    }

    [Fact]
    public void Extract_FrameDependsOnlyOnItsWindow()
    {
        var signal = Noise(1200, 0.2, 9);
        var extractor = new LogMelExtractor();

        var all = extractor.Extract(signal);
        var third = extractor.Extract(signal.AsSpan(320, 400));

        Assert.Equal(all[2].ToArray(), third[0].ToArray());
    }
}
