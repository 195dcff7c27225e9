using SerSsl.Core.Chunking;
using SerSsl.Core.Features;
using SerSsl.Training.Pretext;

namespace SerSsl.Training.Tests.Pretext;

public sealed class EnergyVariationTests
{
    [Fact]
    public void ChunkValue_ConstantEnergy_IsZero()
    {
        var energies = Enumerable.Repeat(-23.5f, 150).ToArray();

        var value = EnergyVariation.ChunkValue(energies, new ChunkSpan(20, 100, 0));

        Assert.Equal(0f, value);
    }

    [Fact]
    public void ChunkValue_AlternatingEnergy_IsHalfTheDifference()
    {
        // Population standard deviation of equally many a and b: |a - b| / 2.
        var energies = Enumerable.Range(0, 200).Select(t => t % 2 == 0 ? -20f : -40f).ToArray();

        var value = EnergyVariation.ChunkValue(energies, new ChunkSpan(10, 100, 0));

        Assert.Equal(10f, value, 1e-5f);
    }

    [Fact]
    public void ChunkValue_PaddedChunk_UsesOnlyRealFrames()
    {
        // A 40-frame sentence in a 100-frame chunk: 60 pad frames that must not count as energy values.
        var energies = Enumerable.Range(0, 40).Select(t => t % 2 == 0 ? -10f : -16f).ToArray();

        var value = EnergyVariation.ChunkValue(energies, new ChunkSpan(0, 100, 60));

        Assert.Equal(3f, value, 1e-5f);
    }

    [Fact]
    public void ChunkValue_FewerRealFramesThanMinimum_IsNaN()
    {
        var energies = new float[] { -10f, -20f, -30f };

        var value = EnergyVariation.ChunkValue(energies, new ChunkSpan(0, 100, 97), new EnergyVariationOptions { MinRealFrames = 4 });

        Assert.True(float.IsNaN(value));
    }

    [Fact]
    public void ChunkValue_ChunkPastTheEnergies_Throws()
    {
        var energies = new float[150];

        Assert.Throws<ArgumentException>(() => EnergyVariation.ChunkValue(energies, new ChunkSpan(60, 100, 0)));
    }

    [Fact]
    public void ChunkValues_GainChange_SameValues()
    {
        // A tone whose amplitude swings between 0.1 and 0.5 four times a second, and the same at a quarter of the gain.
        var samples = new float[16000 * 3];
        for (var i = 0; i < samples.Length; i++)
        {
            var envelope = 0.3 + (0.2 * Math.Sin(2 * Math.PI * 4 * i / 16000.0));
            samples[i] = (float)(envelope * Math.Sin(2 * Math.PI * 220 * i / 16000.0));
        }

        var quieter = samples.Select(s => s * 0.25f).ToArray();
        var chunks = new DynamicChunker(300, 100).Plan(LogMelSettings.Default.FrameCount(samples.Length));

        var loud = EnergyVariation.ChunkValues(FrameEnergy.Compute(samples), chunks);
        var quiet = EnergyVariation.ChunkValues(FrameEnergy.Compute(quieter), chunks);

        Assert.All(loud, v => Assert.True(v > 1f, $"expected a clearly varying energy, got {v}"));
        Assert.Equal(loud, quiet, (a, b) => Math.Abs(a - b) < 1e-3f);
    }
}
