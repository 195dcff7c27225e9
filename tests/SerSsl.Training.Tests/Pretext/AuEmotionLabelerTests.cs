using SerSsl.Training.Pretext;

namespace SerSsl.Training.Tests.Pretext;

public sealed class AuEmotionLabelerTests
{
    private const int Frames = 60;

    [Fact]
    public void Label_Au6AndAu12Present_Happiness()
    {
        var track = FaceTracks.WithAus(Frames, presence: FaceTracks.Presence(Frames, t => t >= 20, 6, 12));

        var label = new AuEmotionLabeler().Label(track);

        Assert.Equal(AuEmotion.Happiness, label.Emotion);
        Assert.True(label.Valid);
        Assert.Equal(1f, label.Mask);
        Assert.Equal(40, label.MatchCounts[(int)AuEmotion.Happiness]);
        Assert.Equal(1, label.ClassIndex);
    }

    [Fact]
    public void Label_Au12Only_Neutral()
    {
        var track = FaceTracks.WithAus(Frames, presence: FaceTracks.Presence(Frames, _ => true, 12));

        var label = new AuEmotionLabeler().Label(track);

        Assert.Equal(AuEmotion.Neutral, label.Emotion);
        Assert.True(label.Valid);
    }

    [Theory]
    [InlineData(1.5f, 2.0f, 1.0f, (int)AuEmotion.Happiness)]
    [InlineData(1.5f, 0.5f, 1.0f, (int)AuEmotion.Neutral)]
    [InlineData(1.5f, 2.0f, 2.5f, (int)AuEmotion.Neutral)]
    public void Label_IntensityOnly_PresentAtThreshold(float au6, float au12, float threshold, int expected)
    {
        var intensity = new Dictionary<int, float[]>
        {
            [6] = FaceTracks.Column(Frames, _ => true, au6),
            [12] = FaceTracks.Column(Frames, _ => true, au12),
        };
        var track = FaceTracks.WithAus(Frames, intensity: intensity);

        var label = new AuEmotionLabeler(new AuEmotionOptions { IntensityThreshold = threshold }).Label(track);

        Assert.Equal((AuEmotion)expected, label.Emotion);
    }

    [Fact]
    public void IsPresent_PresenceColumnExists_IntensityIsIgnored()
    {
        var track = FaceTracks.WithAus(
            Frames,
            presence: new Dictionary<int, float[]> { [12] = FaceTracks.Column(Frames, _ => false) },
            intensity: new Dictionary<int, float[]> { [12] = FaceTracks.Column(Frames, _ => true, 4f) });

        Assert.False(new AuEmotionLabeler().IsPresent(track, 12, 0));
    }

    [Fact]
    public void Label_ThreeOfFourSurpriseAus_MatchesOnlyWithPartialOption()
    {
        var track = FaceTracks.WithAus(Frames, presence: FaceTracks.Presence(Frames, _ => true, 1, 2, 5));

        var strict = new AuEmotionLabeler().Label(track);
        var partial = new AuEmotionLabeler(new AuEmotionOptions { MinMatchShare = 0.75 }).Label(track);

        Assert.Equal(AuEmotion.Neutral, strict.Emotion);
        Assert.Equal(AuEmotion.Surprise, partial.Emotion);
    }

    [Fact]
    public void FrameMatches_FullFearFrame_MostSpecificCountsFearOnlyCountEachCountsSurpriseToo()
    {
        var track = FaceTracks.WithAus(Frames, presence: FaceTracks.Presence(Frames, _ => true, 1, 2, 4, 5, 7, 20, 26));

        var specific = new AuEmotionLabeler();
        var each = new AuEmotionLabeler(new AuEmotionOptions { MultiMatch = MultiMatchRule.CountEach });

        Assert.Equal([AuEmotion.Fear], specific.FrameMatches(track, 0));
        Assert.Equal([AuEmotion.Surprise, AuEmotion.Fear], each.FrameMatches(track, 0));
        Assert.Equal(AuEmotion.Fear, specific.Label(track).Emotion);
    }

    [Fact]
    public void Label_UnsuccessfulAndLowConfidenceFrames_AreSkipped()
    {
        // Happiness only on frames OpenFace did not trust: 20 unsuccessful, 10 low-confidence; 30 valid frames without AUs.
        var track = FaceTracks.WithAus(
            Frames,
            presence: FaceTracks.Presence(Frames, t => t < 30, 6, 12),
            success: t => t >= 20,
            confidence: t => t is >= 20 and < 30 ? 0.6f : 0.95f);

        var label = new AuEmotionLabeler().Label(track);

        Assert.Equal(30, label.ValidFrames);
        Assert.Equal(0, label.MatchCounts[(int)AuEmotion.Happiness]);
        Assert.Equal(AuEmotion.Neutral, label.Emotion);
        Assert.True(label.Valid);
    }

    [Fact]
    public void Label_TooFewValidFrames_Masked()
    {
        var track = FaceTracks.WithAus(Frames, presence: FaceTracks.Presence(Frames, _ => true, 6, 12), success: t => t < 8);

        var label = new AuEmotionLabeler().Label(track);

        Assert.False(label.Valid);
        Assert.Equal(0f, label.Mask);
        Assert.Equal(8, label.ValidFrames);
    }

    [Theory]
    [InlineData(11, (int)AuEmotion.Neutral)]
    [InlineData(12, (int)AuEmotion.Happiness)]
    public void Label_EmotionShareAgainstMinimum_NeutralBelowTwentyPercent(int happyFrames, int expected)
    {
        var track = FaceTracks.WithAus(Frames, presence: FaceTracks.Presence(Frames, t => t < happyFrames, 6, 12));

        var label = new AuEmotionLabeler().Label(track);

        Assert.Equal((AuEmotion)expected, label.Emotion);
    }

    [Fact]
    public void Names_EightClassesInOutputOrder() =>
        Assert.Equal(["neutral", "happiness", "sadness", "surprise", "fear", "anger", "disgust", "contempt"], EmfacsCombinations.Names);
}
