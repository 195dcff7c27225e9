using SerSsl.Core.Chunking;
using SerSsl.Training.Pretext;

namespace SerSsl.Training.Tests.Pretext;

public sealed class FacialActivationTests
{
    // Three 1 s audio chunks of a 3 s clip, spanning [0, 1.015], [1, 2.015] and [1.98, 2.995] seconds.
    private static readonly ChunkSpan[] s_chunks = [new(0, 100, 0), new(100, 100, 0), new(198, 100, 0)];

    // The mouth (20 of the 42 measured landmarks) jumps 0.6 px = 0.01 inter-ocular distances every frame.
    private const float MouthStep = 0.6f;
    private const float ExpectedAlternatingActivation = 20f * (MouthStep / FaceTracks.InterOcular) / 42f;

    private static float Alternating(int t) => t % 2 == 0 ? 0f : MouthStep;

    [Fact]
    public void ChunkValues_MovingMouthAndStillFace_MovingIsHighStillIsLow()
    {
        var activation = new FacialActivation();
        var moving = activation.ChunkValues(FaceTracks.Face(90, mouthOffset: Alternating), s_chunks);
        var still = activation.ChunkValues(FaceTracks.Face(90), s_chunks);

        var labeler = MedianSplitLabeler.Fit([moving, still]);

        Assert.All(moving, v => Assert.Equal(ExpectedAlternatingActivation, v, 1e-6f));
        Assert.All(still, v => Assert.Equal(0f, v, 1e-7f));
        Assert.Equal([1f, 1f, 1f], labeler.Label(moving).Targets);
        Assert.Equal([0f, 0f, 0f], labeler.Label(still).Targets);
    }

    [Fact]
    public void ChunkValues_HeadTranslationOnly_ActivationNearZero()
    {
        var track = FaceTracks.Face(90, translation: t => (3f * t, 15f * MathF.Sin(t * 0.7f)));

        var values = new FacialActivation().ChunkValues(track, s_chunks);

        Assert.All(values, v => Assert.InRange(v, 0f, 1e-6f));
    }

    [Fact]
    public void ChunkValues_WholeFaceScaledAndShifted_SameActivation()
    {
        static float Speech(int t) => 4f * MathF.Abs(MathF.Sin(t * 0.9f));
        var activation = new FacialActivation();

        var original = activation.ChunkValues(FaceTracks.Face(90, mouthOffset: Speech), s_chunks);
        var scaled = activation.ChunkValues(FaceTracks.Face(90, mouthOffset: Speech, scale: 2.5f, translation: _ => (140f, -35f)), s_chunks);

        Assert.All(original, v => Assert.True(v > 1e-3f, $"activation {v}"));
        Assert.Equal(original, scaled, (a, b) => Math.Abs(a - b) <= 1e-5f * a);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ChunkValues_UnsuccessfulOrLowConfidenceFrames_AreSkipped(bool lowConfidence)
    {
        // Every fifth frame is untrustworthy and its mouth landmarks are far off; a displacement needs two valid frames.
        static bool Bad(int t) => t % 5 == 2;
        var track = FaceTracks.Face(
            90,
            mouthOffset: t => Bad(t) ? 500f : Alternating(t),
            success: t => lowConfidence || !Bad(t),
            confidence: t => lowConfidence && Bad(t) ? 0.5f : 0.98f);
        var activation = new FacialActivation();

        var displacements = activation.FrameDisplacements(track);
        var values = activation.ChunkValues(track, s_chunks);

        Assert.True(float.IsNaN(displacements[0]));
        Assert.True(float.IsNaN(displacements[2]) && float.IsNaN(displacements[3]));
        Assert.Equal(ExpectedAlternatingActivation, displacements[4], 1e-6f);
        Assert.All(values, v => Assert.Equal(ExpectedAlternatingActivation, v, 1e-6f));
    }

    [Fact]
    public void ChunkValues_FaceLostDuringAChunk_ThatChunkIsMasked()
    {
        // Lost from frame 35 to 59: the second chunk (frames 30..60 in time) keeps only 5 valid displacements.
        var track = FaceTracks.Face(90, mouthOffset: Alternating, success: t => t is < 35 or >= 60);

        var values = new FacialActivation().ChunkValues(track, s_chunks);
        var labels = new MedianSplitLabeler(0.001f).Label(values);

        Assert.True(float.IsNaN(values[1]));
        Assert.Equal([1f, 0f, 1f], labels.Mask);
        Assert.Equal(0f, labels.Targets[1]);
    }

    [Fact]
    public void ChunkValues_EnoughDisplacementsButTooSmallShare_IsMasked()
    {
        // 12 valid displacements (at least the minimum of 10) among 31 frames of the span: below half.
        var track = FaceTracks.Face(90, mouthOffset: Alternating, success: t => t <= 12);

        var values = new FacialActivation().ChunkValues(track, [s_chunks[0]]);
        var lenient = new FacialActivation(new FacialActivationOptions { MinValidShare = 0.3 }).ChunkValues(track, [s_chunks[0]]);

        Assert.True(float.IsNaN(values[0]));
        Assert.Equal(ExpectedAlternatingActivation, lenient[0], 1e-6f);
    }

    [Fact]
    public void ChunkValues_LandmarkMeanReference_LetsMouthMotionMoveBrowsAndEyes()
    {
        // Only the mouth moves; measured on brows and eyes alone, a reference that includes the mouth shows motion.
        var track = FaceTracks.Face(90, mouthOffset: Alternating);
        int[] browsAndEyes = [.. Enumerable.Range(17, 10), .. Enumerable.Range(36, 12)];

        var noseBridge = new FacialActivation(new FacialActivationOptions { Landmarks = browsAndEyes }).ChunkValues(track, s_chunks);
        var landmarkMean = new FacialActivation(new FacialActivationOptions { Landmarks = browsAndEyes, Reference = TranslationReference.LandmarkMean }).ChunkValues(track, s_chunks);

        Assert.Equal(0f, noseBridge[0], 1e-7f);
        Assert.Equal(20f / 68f * MouthStep / FaceTracks.InterOcular, landmarkMean[0], 1e-6f);
    }

    [Fact]
    public void ChunkTimeSpan_DefaultFraming_CoversTheSamplesOfTheRealFrames()
    {
        var activation = new FacialActivation();

        var (start, end) = activation.ChunkTimeSpan(new ChunkSpan(100, 100, 0));
        var (paddedStart, paddedEnd) = activation.ChunkTimeSpan(new ChunkSpan(0, 100, 60));

        Assert.Equal(1.0, start, 1e-12);
        Assert.Equal(2.015, end, 1e-12);
        Assert.Equal(0.0, paddedStart, 1e-12);
        Assert.Equal(0.415, paddedEnd, 1e-12);
    }

    [Fact]
    public void Constructor_LandmarkOutOfRange_Throws() =>
        Assert.Throws<ArgumentException>(() => new FacialActivation(new FacialActivationOptions { Landmarks = [17, 68] }));
}
