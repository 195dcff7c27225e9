using FsCheck.Xunit;
using SerSsl.Core.Features;

namespace SerSsl.Core.Tests.Features;

public sealed class OnlineLogMelExtractorTests
{
    private static readonly LogMelExtractor s_batch = new();

    /// <summary>Feeds <paramref name="signal"/> in the given block sizes; returns frames and energies.</summary>
    private static (List<float> Frames, List<float> Energies) Feed(OnlineLogMelExtractor online, float[] signal, IEnumerable<int> blockSizes)
    {
        var frames = new List<float>();
        var energies = new List<float>();
        var position = 0;
        using var sizes = blockSizes.GetEnumerator();
        while (position < signal.Length)
        {
            var size = sizes.MoveNext() ? Math.Min(sizes.Current, signal.Length - position) : signal.Length - position;
            var block = signal.AsSpan(position, size);
            var expected = online.FrameCountFor(size);
            var destination = new float[expected * 64];
            var energyDestination = new float[expected];

            var count = online.Process(block, destination, energyDestination);

            Assert.Equal(expected, count);
            frames.AddRange(destination);
            energies.AddRange(energyDestination);
            position += size;
        }

        return (frames, energies);
    }

    private static IEnumerable<int> Cycle(int[] sizes)
    {
        while (sizes.Length > 0)
        {
            foreach (var size in sizes)
            {
                yield return size;
            }
        }
    }

    [Property(MaxTest = 60, EndSize = 400)]
    public void Process_RandomBlockSizes_MatchesBatchBitwise(int[] rawSizes, int seed, byte extra)
    {
        // Block sizes 0..1200, with every seventh raw value blown up to exercise blocks of many frames.
        var sizes = (rawSizes ?? []).Select(r => (int)(r % 7 == 0 ? Math.Abs((long)r) * 25 : Math.Abs((long)r) % 1201)).ToList();
        sizes.Add(1); // guarantees progress when every other size is 0

        var signal = LogMelExtractorTests.Noise(4000 + (extra * 13), 0.3, seed);
        var online = new OnlineLogMelExtractor();

        var (frames, energies) = Feed(online, signal, Cycle([.. sizes]));

        Assert.Equal(s_batch.Extract(signal).ToArray(), frames.ToArray());
        Assert.Equal(FrameEnergy.Compute(signal), energies.ToArray());
        Assert.Equal(signal.Length, online.SamplesReceived);
        Assert.Equal(s_batch.FrameCount(signal.Length), online.FramesEmitted);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(160)]
    [InlineData(399)]
    [InlineData(400)]
    [InlineData(10000)]
    public void Process_FixedBlockSize_MatchesBatchBitwise(int blockSize)
    {
        var signal = LogMelExtractorTests.Noise(12345, 0.25, blockSize);
        var online = new OnlineLogMelExtractor();

        var (frames, _) = Feed(online, signal, Enumerable.Repeat(blockSize, int.MaxValue));

        Assert.Equal(s_batch.Extract(signal).ToArray(), frames.ToArray());
        Assert.True(online.PendingSampleCount < 400);
    }

    [Fact]
    public void Process_EmptyBlocks_EmitNothingAndKeepState()
    {
        var online = new OnlineLogMelExtractor();
        var signal = LogMelExtractorTests.Tone(440, 1000);

        Assert.Equal(0, online.Process([], []));
        Assert.Equal(0, online.Process(signal.AsSpan(0, 399), []));
        Assert.Equal(0, online.Process([], []));
        var frame = online.Process(signal.AsSpan(399, 1));

        Assert.Equal(1, frame.FrameCount);
        Assert.Equal(s_batch.Extract(signal.AsSpan(0, 400)).ToArray(), frame.ToArray());
        Assert.Equal(240, online.PendingSampleCount);
    }

    [Fact]
    public void Process_FrameEmittedAsSoonAsWindowCompletes()
    {
        var online = new OnlineLogMelExtractor();

        Assert.Equal(0, online.Process(new float[399]).FrameCount);
        Assert.Equal(1, online.Process(new float[1]).FrameCount);
        Assert.Equal(0, online.Process(new float[159]).FrameCount);
        Assert.Equal(1, online.Process(new float[1]).FrameCount);
        Assert.Equal(2, online.FramesEmitted);
    }

    [Fact]
    public void Process_DestinationTooShort_ThrowsAndKeepsState()
    {
        var signal = LogMelExtractorTests.Noise(2000, 0.2, 4);
        var online = new OnlineLogMelExtractor();
        online.Process(signal.AsSpan(0, 300), []);

        Assert.Throws<ArgumentException>(() => online.Process(signal.AsSpan(300, 1700), new float[64]));
        Assert.Throws<ArgumentException>(() => online.Process(signal.AsSpan(300, 1700), new float[11 * 64], new float[3]));

        Assert.Equal(300, online.PendingSampleCount);
        Assert.Equal(0, online.FramesEmitted);
        var rest = online.Process(signal.AsSpan(300));

        Assert.Equal(s_batch.Extract(signal).ToArray(), rest.ToArray());
    }

    [Fact]
    public void Reset_AfterPartialInput_StartsAfresh()
    {
        var signal = LogMelExtractorTests.Noise(3000, 0.2, 8);
        var online = new OnlineLogMelExtractor();
        online.Process(LogMelExtractorTests.Noise(777, 0.5, 1));

        online.Reset();
        var frames = online.Process(signal);

        Assert.Equal(s_batch.Extract(signal).ToArray(), frames.ToArray());
        Assert.Equal(3000, online.SamplesReceived);
    }

    [Fact]
    public void SilenceLevel_EqualsBatchSilenceLevel()
    {
        Assert.Equal(s_batch.SilenceLevel, new OnlineLogMelExtractor().SilenceLevel);
    }

    [Fact]
    public void Constructor_InvalidEpsilon_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new OnlineLogMelExtractor(energyEpsilon: 0.0));
    }
}
