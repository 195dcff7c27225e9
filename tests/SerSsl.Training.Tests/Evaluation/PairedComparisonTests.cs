using SerSsl.Training.Evaluation;

namespace SerSsl.Training.Tests.Evaluation;

/// <summary>The paired t-test of reproduce's tables against Student's t distribution's known values.</summary>
public sealed class PairedComparisonTests
{
    [Theory]
    [InlineData(1.0, 1, 0.5)] // Cauchy: P(|T| > 1) = 1/2 exactly
    [InlineData(2.776445, 4, 0.05)] // the two-sided 5 % critical values of statistical tables
    [InlineData(4.604095, 4, 0.01)]
    [InlineData(2.228139, 10, 0.05)]
    [InlineData(1.959964, 100000, 0.05)] // nearly the normal distribution
    [InlineData(0.0, 4, 1.0)]
    public void StudentTTwoSidedP_KnownQuantiles_GivesTheirProbability(double t, int df, double p)
    {
        Assert.Equal(p, PairedComparison.StudentTTwoSidedP(t, df), 5);
        Assert.Equal(p, PairedComparison.StudentTTwoSidedP(-t, df), 5);
    }

    [Fact]
    public void Of_FiveFolds_GivesMeanStdAndTheTTest()
    {
        double[] condition = [0.509, 0.564, 0.586, 0.548, 0.595];
        double[] reference = [0.415, 0.491, 0.505, 0.516, 0.538];

        var paired = PairedComparison.Of(condition, reference);

        Assert.Equal([0.094, 0.073, 0.081, 0.032, 0.057], paired.Differences.Select(d => Math.Round(d, 6)));
        Assert.Equal(0.0674, paired.Mean, 6);
        Assert.Equal(0.023902, paired.Std, 5);
        Assert.Equal(4, paired.DegreesOfFreedom);
        Assert.Equal(paired.Mean / (paired.Std / Math.Sqrt(5)), paired.T!.Value, 10);
        Assert.InRange(paired.P!.Value, 0.001, 0.01);
    }

    [Fact]
    public void Format_MeanStdAndP_InPointsAndThreeDecimalsOrExponent()
    {
        var paired = PairedComparison.Of([0.509, 0.564, 0.586, 0.548, 0.595], [0.415, 0.491, 0.505, 0.516, 0.538]);
        var strong = PairedComparison.Of([0.60, 0.61, 0.62, 0.63, 0.64], [0.50, 0.51, 0.52, 0.5305, 0.54]);

        Assert.Equal("+6.7 ± 2.4", paired.FormatMeanStd());
        Assert.Equal("0.003", paired.FormatP());
        Assert.Matches(@"^\d\.\dE-\d{3}$", strong.FormatP());
        Assert.Equal("-", PairedComparison.Of([0.5], [0.4]).FormatP());
    }

    [Fact]
    public void Of_OneSplitOrEqualDifferences_HasNoTest()
    {
        Assert.Null(PairedComparison.Of([0.5], [0.4]).T);
        var equal = PairedComparison.Of([0.5, 0.6], [0.4, 0.5]);
        Assert.Null(equal.P);
        Assert.Equal(0.1, equal.Mean, 10);
    }

    [Fact]
    public void Of_DifferentSplitCounts_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => PairedComparison.Of([0.5, 0.6], [0.4]));
    }

    [Theory]
    [InlineData(0.3, 1.0, 1.0, 0.3)] // I_x(1, 1) = x
    [InlineData(0.3, 2.0, 1.0, 0.09)] // I_x(a, 1) = x^a
    [InlineData(0.8, 1.0, 3.0, 0.992)] // I_x(1, b) = 1 - (1 - x)^b
    public void RegularizedIncompleteBeta_ClosedForms_Agree(double x, double a, double b, double expected)
    {
        Assert.Equal(expected, PairedComparison.RegularizedIncompleteBeta(x, a, b), 10);
    }

    [Theory]
    [InlineData(5.0, 24.0)]
    [InlineData(0.5, 1.7724538509055159)] // sqrt(pi)
    [InlineData(10.5, 1133278.3889487855)]
    public void LogGamma_KnownValues_Agree(double x, double gamma)
    {
        Assert.Equal(Math.Log(gamma), PairedComparison.LogGamma(x), 10);
    }
}
