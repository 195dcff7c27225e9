using SerSsl.Training.Pretext;

namespace SerSsl.Training.Tests.Pretext;

public sealed class MedianSplitLabelerTests
{
    [Fact]
    public void Fit_EvenCount_ThresholdIsMeanOfMiddleValuesAndNaNIsIgnored()
    {
        var labeler = MedianSplitLabeler.Fit([[3f, 1f, 2f], [float.NaN, 4f]]);

        Assert.Equal(2.5f, labeler.Threshold);
    }

    [Fact]
    public void Label_OddCorpus_MedianItselfIsHighAndNaNIsMasked()
    {
        var labeler = MedianSplitLabeler.Fit([[5f, 1f], [3f]]);

        var labels = labeler.Label([1f, 3f, 5f, float.NaN, 2.99f]);

        Assert.Equal(3f, labeler.Threshold);
        Assert.Equal([0f, 1f, 1f, 0f, 0f], labels.Targets);
        Assert.Equal([1f, 1f, 1f, 0f, 1f], labels.Mask);
        Assert.Equal(4, labels.ValidCount);
    }

    [Fact]
    public void Fit_CorpusWithoutMeasuredValues_Throws() =>
        Assert.Throws<ArgumentException>(() => MedianSplitLabeler.Fit([[float.NaN], []]));

    [Fact]
    public void Constructor_NonFiniteThreshold_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new MedianSplitLabeler(float.PositiveInfinity));
}
