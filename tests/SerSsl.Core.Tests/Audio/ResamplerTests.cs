using System.Globalization;
using FsCheck;
using FsCheck.Xunit;
using SerSsl.Core.Audio;

namespace SerSsl.Core.Tests.Audio;

public sealed class ResamplerTests
{
    private const int OutputRate = Resampler.DefaultOutputRate;

    private static readonly int[] s_invarianceRates = [8000, 11025, 22050, 32000, 44100, 44101, 48000, 96000, 192000];

    private static readonly double[] s_outOfBandTonesHz =
        [8200, 8500, 9000, 10000, 12000, 15000, 20000, 23000, 30000, 40000, 47000, 60000, 90000, 95000];

    public static TheoryData<int> InvarianceRates => new(s_invarianceRates);

    // ---- Block invariance -------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(InvarianceRates))]
    public void Process_RandomBlockSizes_BitIdenticalToWholeSignal(int inputRate)
    {
        for (var seed = 1; seed <= 3; seed++)
        {
            // Arrange
            var random = new Random((inputRate * 31) + seed);
            var input = Noise(random, (inputRate / 8) + random.Next(0, 3000));
            var expected = ResampleWhole(new Resampler(inputRate), input);

            // Act: blocks of 0, 1, short and long sizes.
            var actual = ResampleInBlocks(new Resampler(inputRate), input, () => random.Next(0, 10) switch
            {
                0 => 0,
                1 => 1,
                < 6 => random.Next(2, 64),
                _ => random.Next(64, 5000),
            });

            // Assert
            Assert.Equal(Bits(expected), Bits(actual));
        }
    }

    [Property(MaxTest = 30)]
    public void Process_ArbitraryBlockSizes_BitIdenticalToWholeSignal(byte rateChoice, NonNegativeInt[] blockSizes, int seed)
    {
        // Arrange
        var inputRate = s_invarianceRates[rateChoice % s_invarianceRates.Length];
        var input = Noise(new Random(seed), inputRate / 20);
        var sizes = blockSizes.Select(b => b.Get).ToArray();
        var next = 0;
        var expected = ResampleWhole(new Resampler(inputRate), input);

        // Act: cycle through the generated sizes; an all-zero list falls back to one block for the rest.
        var actual = ResampleInBlocks(new Resampler(inputRate), input, () =>
        {
            if (sizes.Sum() == 0)
            {
                return int.MaxValue;
            }

            return sizes[next++ % sizes.Length];
        });

        // Assert
        Assert.Equal(Bits(expected), Bits(actual));
    }

    [Fact]
    public void Process_NonFiniteInput_PropagatesLocallyWithoutThrowing()
    {
        // Arrange
        var resampler = new Resampler(48000);
        var input = ToneMeasurement.Tone(48000, 440, 48000, 0.5);
        input[24000] = float.NaN;

        // Act
        var output = ResampleWhole(resampler, input);

        // Assert: NaN only in the outputs whose window covers input 24000, i.e. output instants within
        // LookaheadInputSamples of it (input 24000 is output 8000).
        var reach = (resampler.LookaheadInputSamples / 3) + 1;
        for (var k = 0; k < output.Length; k++)
        {
            var near = Math.Abs(k - 8000) <= reach;
            Assert.True(near || float.IsFinite(output[k]), $"output {k} is {output[k]}");
        }

        Assert.True(float.IsNaN(output[8000]));
    }

    // ---- Quality ------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(44100)]
    [InlineData(48000)]
    [InlineData(96000)]
    [InlineData(192000)]
    [InlineData(44101)]
    [InlineData(32000)]
    [InlineData(22050)]
    public void Process_OutOfBandTone_FoldsBackAtLeast70DbBelowInBandTone(int inputRate)
    {
        // Arrange
        var length = (inputRate / 8) + 4096;
        var reference = ToneMeasurement.Rms(SteadyOutput(inputRate, ToneMeasurement.Tone(length, 1000, inputRate)));
        var tones = s_outOfBandTonesHz.Where(f => f < inputRate / 2.0).ToArray();

        // Act
        var attenuations = tones
            .Select(f => ToneMeasurement.Decibels(reference / ToneMeasurement.Rms(SteadyOutput(inputRate, ToneMeasurement.Tone(length, f, inputRate, 1.0, 0.3)))))
            .ToArray();

        // Assert
        var report = Describe(tones, attenuations, "dB");
        Assert.True(attenuations.Min() >= 70.0, $"{inputRate} Hz: worst stopband attenuation {attenuations.Min():F1} dB < 70 dB ({report})");
        TestContext.Current.TestOutputHelper?.WriteLine($"{inputRate} Hz stopband: worst {attenuations.Min():F1} dB; {report}");
    }

    [Theory]
    [InlineData(8000, new double[] { 500, 1000, 2500, 3400 })]
    [InlineData(11025, new double[] { 500, 1000, 3000, 4800 })]
    public void Process_UpsampledInBandTone_ImagesAtLeast70DbDown(int inputRate, double[] tonesHz)
    {
        // Arrange
        var length = inputRate / 4;

        // Act: what a sinusoid at the tone's own frequency cannot explain is image (plus rounding noise).
        var rejections = tonesHz.Select(f =>
        {
            var output = SteadyOutput(inputRate, ToneMeasurement.Tone(length, f, inputRate, 1.0));
            var fit = ToneMeasurement.FitSine(output, f, OutputRate);
            return ToneMeasurement.Decibels(fit.Amplitude / Math.Sqrt(2) / fit.ResidualRms);
        }).ToArray();

        // Assert
        var report = Describe(tonesHz, rejections, "dB");
        Assert.True(rejections.Min() >= 70.0, $"{inputRate} Hz: worst image rejection {rejections.Min():F1} dB < 70 dB ({report})");
        TestContext.Current.TestOutputHelper?.WriteLine($"{inputRate} Hz image rejection: worst {rejections.Min():F1} dB; {report}");
    }

    [Theory]
    [InlineData(48000)]
    [InlineData(44100)]
    [InlineData(44101)]
    [InlineData(96000)]
    [InlineData(192000)]
    [InlineData(22050)]
    [InlineData(11025)]
    [InlineData(8000)]
    public void Process_PassbandSweep_RippleAtMostPoint1Db(int inputRate)
    {
        // Arrange: 100 tones from 50 Hz to 7 kHz, or to 7/16 of the input rate for inputs below 16 kHz.
        const int toneCount = 100;
        var top = Math.Min(7000.0, 7.0 / 16.0 * inputRate);
        var length = (inputRate / 10) + 4096;
        var tones = Enumerable.Range(0, toneCount).Select(i => 50.0 + ((top - 50.0) * i / (toneCount - 1))).ToArray();

        // Act
        var gains = tones
            .Select(f => ToneMeasurement.Decibels(ToneMeasurement.FitSine(SteadyOutput(inputRate, ToneMeasurement.Tone(length, f, inputRate, 0.5)), f, OutputRate).Amplitude / 0.5))
            .ToArray();

        // Assert
        var ripple = gains.Max() - gains.Min();
        Assert.True(ripple <= 0.1, $"{inputRate} Hz: passband ripple {ripple:F4} dB > 0.1 dB (gain {gains.Min():F4} to {gains.Max():F4} dB)");
        Assert.InRange(gains.Min(), -0.05, 0.05);
        Assert.InRange(gains.Max(), -0.05, 0.05);
        TestContext.Current.TestOutputHelper?.WriteLine($"{inputRate} Hz passband 50-{top:F0} Hz: ripple {ripple:F5} dB, gain {gains.Min():F5} to {gains.Max():F5} dB");
    }

    [Theory]
    [MemberData(nameof(InvarianceRates))]
    public void Process_ConstantInput_UnityDcGain(int inputRate)
    {
        // Arrange
        var input = Enumerable.Repeat(0.25f, inputRate / 10).ToArray();

        // Act
        var output = SteadyOutput(inputRate, input);

        // Assert
        Assert.All(output, y => Assert.InRange(y, 0.25f - 1e-6f, 0.25f + 1e-6f));
    }

    [Theory]
    [MemberData(nameof(InvarianceRates))]
    public void Process_InBandTone_AlignedWithInputTimeline(int inputRate)
    {
        // Arrange: a tone sin(2π f n / inputRate) must come out as sin(2π f k / 16000), i.e. with zero delay.
        const double amplitude = 0.5;
        var frequency = Math.Min(3000.0, inputRate / 4.0);
        var input = ToneMeasurement.Tone((inputRate / 10) + 4096, frequency, inputRate, amplitude);
        var resampler = new Resampler(inputRate);
        var output = new float[resampler.GetMaxOutputLength(input.Length)];
        var written = resampler.Process(input, output);
        var skip = WarmUpOutputs(resampler);

        // Act
        var fit = ToneMeasurement.FitSine(output.AsSpan(skip, written - skip), frequency, OutputRate, firstIndex: skip);

        // Assert: the cosine term measures phase error; 1e-3 of the amplitude is 0.05 µs at 3 kHz.
        Assert.Equal(0, resampler.DelaySamples);
        Assert.InRange(fit.Cosine / amplitude, -1e-3, 1e-3);
        Assert.InRange(fit.Sine / amplitude, 1 - 1e-3, 1 + 1e-3);
    }

    [Theory]
    [InlineData(48000, 4800)]
    [InlineData(44100, 4410)]
    [InlineData(44100, 1001)]
    [InlineData(44101, 3000)]
    [InlineData(192000, 10007)]
    [InlineData(8000, 801)]
    [InlineData(11025, 1234)]
    public void Process_Impulse_PeaksAtScaledIndexPlusDelay(int inputRate, int impulseIndex)
    {
        // Arrange
        var input = new float[impulseIndex + 4000];
        input[impulseIndex] = 1f;
        var resampler = new Resampler(inputRate);

        // Act
        var output = ResampleWhole(resampler, input);
        var peak = Array.IndexOf(output, output.Max());

        // Assert
        var expected = (int)Math.Round((double)impulseIndex * OutputRate / inputRate) + resampler.DelaySamples;
        Assert.InRange(peak, expected - 1, expected + 1);
    }

    [Theory]
    [InlineData(48000)]
    [InlineData(44101)]
    [InlineData(8000)]
    public void Process_LookaheadNotYetReceived_EmitsNothingUntilItArrives(int inputRate)
    {
        // Arrange
        var resampler = new Resampler(inputRate);
        var input = new float[resampler.LookaheadInputSamples + 1];
        var output = new float[resampler.GetMaxOutputLength(input.Length)];

        // Act
        var first = resampler.Process(input.AsSpan(0, resampler.LookaheadInputSamples), output);
        var second = resampler.Process(input.AsSpan(resampler.LookaheadInputSamples, 1), output);

        // Assert: output 0 (input time 0) needs input samples up to index LookaheadInputSamples; the one new
        // sample releases every output whose instant lies in [0, 1), i.e. GetMaxOutputLength(1) of them.
        Assert.Equal(0, first);
        Assert.Equal(resampler.GetMaxOutputLength(1), second);
    }

    // ---- Lengths and pass-through -------------------------------------------------------------------------

    [Theory]
    [InlineData(8000)]
    [InlineData(11025)]
    [InlineData(16000)]
    [InlineData(44100)]
    [InlineData(44101)]
    [InlineData(48000)]
    [InlineData(192000)]
    public void ProcessAndFlush_AnyLength_TotalIsCeilingOfScaledLength(int inputRate)
    {
        foreach (var length in new[] { 0, 1, 2, 3, 5, 17, 100, 1001, 44101, 48001 })
        {
            // Arrange
            var input = Noise(new Random(length), length);
            var resampler = new Resampler(inputRate);

            // Act
            var output = ResampleWhole(resampler, input);

            // Assert
            var expected = (long)Math.Ceiling((decimal)length * OutputRate / inputRate);
            Assert.Equal(expected, output.Length);
            Assert.Equal(expected, resampler.GetTotalOutputLength(length));
        }
    }

    [Theory]
    [InlineData(44100, 22050)]
    [InlineData(8000, 48000)]
    [InlineData(16000, 44100)]
    public void ProcessAndFlush_OtherOutputRate_LengthAndDcGainHold(int inputRate, int outputRate)
    {
        // Arrange
        var input = Enumerable.Repeat(0.5f, 12345).ToArray();
        var resampler = new Resampler(inputRate, outputRate);

        // Act
        var output = ResampleWhole(resampler, input);

        // Assert
        Assert.Equal((long)Math.Ceiling(12345m * outputRate / inputRate), output.Length);
        var middle = output.Length / 2;
        Assert.InRange(output[middle], 0.5f - 1e-6f, 0.5f + 1e-6f);
    }

    [Fact]
    public void Process_EqualRates_ExactCopyAndEmptyFlush()
    {
        // Arrange
        var resampler = new Resampler(16000);
        var input = Noise(new Random(7), 5000);
        input[10] = float.NaN;
        var output = new float[resampler.GetMaxOutputLength(input.Length)];

        // Act
        var written = resampler.Process(input, output);
        var flushed = resampler.Flush([]);

        // Assert
        Assert.Equal(input.Length, written);
        Assert.Equal(Bits(input), Bits(output));
        Assert.Equal(0, flushed);
        Assert.Equal(0, resampler.LookaheadInputSamples);
        Assert.Equal(0, resampler.MaxFlushLength);
    }

    [Fact]
    public void Reset_AfterUse_SameOutputAsFreshInstance()
    {
        // Arrange
        var input = Noise(new Random(3), 9000);
        var used = new Resampler(44100);
        var scratch = new float[used.GetMaxOutputLength(777)];
        used.Process(Noise(new Random(4), 777), scratch);

        // Act
        used.Reset();
        var afterReset = ResampleWhole(used, input);
        var afterFlush = ResampleWhole(used, input);

        // Assert: Reset and Flush both leave the instance as if new.
        var fresh = ResampleWhole(new Resampler(44100), input);
        Assert.Equal(Bits(fresh), Bits(afterReset));
        Assert.Equal(Bits(fresh), Bits(afterFlush));
    }

    // ---- Validation ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData(7999)]
    [InlineData(192001)]
    [InlineData(0)]
    [InlineData(-44100)]
    public void Constructor_RateOutOfRange_ThrowsWithSupportedRange(int rate)
    {
        // Act
        var input = Assert.Throws<ArgumentOutOfRangeException>(() => new Resampler(rate));
        var output = Assert.Throws<ArgumentOutOfRangeException>(() => new Resampler(48000, rate));

        // Assert
        Assert.Equal("inputRate", input.ParamName);
        Assert.Equal("outputRate", output.ParamName);
        Assert.Contains("between 8000 and 192000 Hz", input.Message, StringComparison.Ordinal);
        Assert.Contains(rate.ToString(CultureInfo.InvariantCulture), input.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Process_OutputTooSmall_ThrowsArgumentException()
    {
        // Arrange
        var resampler = new Resampler(48000);
        var input = new float[4800];
        var output = new float[resampler.GetMaxOutputLength(input.Length) - 1];

        // Act / Assert
        var error = Assert.Throws<ArgumentException>(() => resampler.Process(input, output));
        Assert.Equal("output", error.ParamName);
    }

    [Fact]
    public void Flush_OutputTooSmall_ThrowsArgumentException()
    {
        // Arrange
        var resampler = new Resampler(44100);
        var output = new float[resampler.MaxFlushLength - 1];

        // Act / Assert
        var error = Assert.Throws<ArgumentException>(() => resampler.Flush(output));
        Assert.Equal("output", error.ParamName);
    }

    [Fact]
    public void GetMaxOutputLength_NegativeLength_Throws()
    {
        // Arrange
        var resampler = new Resampler(48000);

        // Act / Assert
        Assert.Throws<ArgumentOutOfRangeException>(() => resampler.GetMaxOutputLength(-1));
        Assert.Equal(1600, resampler.GetMaxOutputLength(4800));
        Assert.Equal(1, resampler.GetMaxOutputLength(1));
    }

    // ---- Resources ----------------------------------------------------------------------------------------

    [Fact]
    public void Process_SteadyState_DoesNotAllocate()
    {
        // Arrange
        var resampler = new Resampler(44101);
        var input = Noise(new Random(5), 441);
        var output = new float[resampler.GetMaxOutputLength(input.Length)];
        var flush = new float[resampler.MaxFlushLength];
        for (var i = 0; i < 50; i++)
        {
            resampler.Process(input, output);
        }

        // Act
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 200; i++)
        {
            resampler.Process(input, output);
        }

        resampler.Flush(flush);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Assert
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Get_SameRatePair_ReturnsSharedFilter()
    {
        // Act
        var first = ResamplerFilter.Get(44100, OutputRate);
        var second = ResamplerFilter.Get(44100, OutputRate);

        // Assert
        Assert.Same(first, second);
        Assert.False(first.IsInterpolated);
    }

    [Fact]
    public void Get_ConcurrentFirstUse_BuildsOneSharedFilter()
    {
        // Act
        var filters = new ResamplerFilter[8];
        Parallel.For(0, filters.Length, i => filters[i] = ResamplerFilter.Get(37800, OutputRate));

        // Assert
        Assert.All(filters, f => Assert.Same(filters[0], f));
    }

    [Theory]
    [InlineData(44101)]
    [InlineData(191999)]
    [InlineData(8001)]
    public void Get_AwkwardRatio_InterpolatedTableUnder4MB(int inputRate)
    {
        // Act
        var filter = ResamplerFilter.Get(inputRate, OutputRate);

        // Assert
        Assert.True(filter.IsInterpolated);
        Assert.True(filter.TableBytes <= 4 << 20, $"{filter.TableBytes} bytes");
    }

    // ---- Helpers ------------------------------------------------------------------------------------------

    private static float[] ResampleWhole(Resampler resampler, float[] input)
    {
        var output = new float[resampler.GetMaxOutputLength(input.Length) + resampler.MaxFlushLength];
        var written = resampler.Process(input, output);
        written += resampler.Flush(output.AsSpan(written));
        return output[..written];
    }

    private static float[] ResampleInBlocks(Resampler resampler, float[] input, Func<int> nextBlockSize)
    {
        var result = new List<float>();
        var scratch = new float[resampler.GetMaxOutputLength(input.Length) + resampler.MaxFlushLength];
        var position = 0;
        while (position < input.Length)
        {
            var size = Math.Min(nextBlockSize(), input.Length - position);
            var written = resampler.Process(input.AsSpan(position, size), scratch.AsSpan(0, resampler.GetMaxOutputLength(size)));
            result.AddRange(scratch.AsSpan(0, written));
            position += size;
        }

        var flushed = resampler.Flush(scratch);
        result.AddRange(scratch.AsSpan(0, flushed));
        return [.. result];
    }

    // The outputs of Process only, without those whose filter window reaches back before the first input.
    private static float[] SteadyOutput(int inputRate, float[] input)
    {
        var resampler = new Resampler(inputRate);
        var output = new float[resampler.GetMaxOutputLength(input.Length)];
        var written = resampler.Process(input, output);
        return output[WarmUpOutputs(resampler)..written];
    }

    private static int WarmUpOutputs(Resampler resampler) =>
        (int)Math.Ceiling((resampler.LookaheadInputSamples + 1.0) * resampler.OutputRate / resampler.InputRate);

    private static float[] Noise(Random random, int length)
    {
        var samples = new float[length];
        for (var i = 0; i < length; i++)
        {
            samples[i] = (random.NextSingle() * 2f) - 1f;
        }

        return samples;
    }

    private static int[] Bits(float[] samples) => Array.ConvertAll(samples, BitConverter.SingleToInt32Bits);

    private static string Describe(double[] frequencies, double[] values, string unit) =>
        string.Join(", ", frequencies.Zip(values, (f, v) => string.Create(CultureInfo.InvariantCulture, $"{f:F0} Hz: {v:F1} {unit}")));
}
