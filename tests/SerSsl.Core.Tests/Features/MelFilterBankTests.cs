using SerSsl.Core.Features;

namespace SerSsl.Core.Tests.Features;

public sealed class MelFilterBankTests
{
    private static readonly MelFilterBank s_bank = new(LogMelSettings.Default);

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(10, 11)]
    [InlineData(10, 12)]
    [InlineData(40, 85)]
    [InlineData(40, 90)]
    [InlineData(63, 240)]
    [InlineData(63, 250)]
    public void GetWeight_SelectedBins_MatchesHandComputedHtk(int filter, int bin)
    {
        var expected = ReferenceLogMel.HtkWeight(filter, bin);

        var actual = s_bank.GetWeight(filter, bin);

        Assert.True(expected > 0.0, "the chosen bins lie inside their filter");
        Assert.Equal(expected, actual, 1e-6);
    }

    [Fact]
    public void GetWeight_EveryFilterAndBin_MatchesDenseHandComputedMatrix()
    {
        for (var m = 0; m < 64; m++)
        {
            for (var k = 0; k < 257; k++)
            {
                Assert.Equal(ReferenceLogMel.HtkWeight(m, k), s_bank.GetWeight(m, k), 1e-6);
            }
        }
    }

    [Fact]
    public void Constructor_DefaultSettings_EveryFilterNonEmptyAndSparse()
    {
        for (var m = 0; m < 64; m++)
        {
            Assert.True(s_bank.GetRange(m).Length > 0, $"filter {m} is empty");
        }

        // Adjacent triangles overlap by half, so each bin feeds at most two filters.
        Assert.InRange(s_bank.NonZeroCount, 64, 2 * 257);
    }

    [Fact]
    public void HzToMel_KnownValue_MatchesHtk()
    {
        Assert.Equal(1000.0, MelFilterBank.HzToMel(1000.0), 0.1);
        Assert.Equal(1000.0, MelFilterBank.MelToHz(MelFilterBank.HzToMel(1000.0)), 1e-9);
    }
}
