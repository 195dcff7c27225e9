using SerSsl.Core.Faces;
using SerSsl.Synthesis;
using SerSsl.Training.Data;

namespace SerSsl.Training.Tests.Synthesis;

public sealed class OpenFaceTrackSimulatorTests
{
    private const int Frames = 150;

    [Fact]
    public void Simulate_Happiness_ShowsAu06AndAu12OnMostFrames()
    {
        var shares = new List<double>();
        for (var clip = 0; clip < 20; clip++)
        {
            var track = Simulate(SynthEmotion.Happiness, clip, intensity: 0.5 + (clip * 0.04));
            var tracked = Enumerable.Range(0, Frames).Where(f => track.Success[f]).ToArray();

            var both = tracked.Count(f => track.AuPresence[6][f] == 1 && track.AuPresence[12][f] == 1);
            shares.Add((double)both / tracked.Length);
        }

        Assert.True(shares.Average() > 0.7, $"AU6+AU12 on {shares.Average():P0} of frames on average");
        Assert.True(shares.Min() > 0.5, $"a happiness clip had AU6+AU12 on only {shares.Min():P0} of frames");
    }

    [Theory]
    [InlineData("Neutral")]
    [InlineData("Sadness")]
    [InlineData("Anger")]
    public void Simulate_NonHappyEmotion_RarelyShowsTheHappinessPattern(string name)
    {
        var emotion = Enum.Parse<SynthEmotion>(name);
        var shares = Enumerable.Range(0, 10).Select(clip =>
        {
            var track = Simulate(emotion, clip, intensity: 1);
            return Enumerable.Range(0, Frames).Count(f => track.AuPresence[6][f] == 1 && track.AuPresence[12][f] == 1) / (double)Frames;
        });

        Assert.True(shares.Average() < 0.1, $"{emotion}: AU6+AU12 on {shares.Average():P0} of frames");
    }

    [Theory]
    [InlineData("Anger", "Sadness")]
    [InlineData("Surprise", "Neutral")]
    [InlineData("Fear", "Contempt")]
    public void Simulate_HigherArousal_MovesBrowsAndEyesMore(string higher, string lower)
    {
        // The same mouth movement for both: only the AU-driven brows and lids differ.
        int[] browsAndEyes = [.. Enumerable.Range(17, 10), .. Enumerable.Range(36, 12)];
        double Mean(string name) => Enumerable.Range(0, 12)
            .Select(clip => Activation(Simulate(Enum.Parse<SynthEmotion>(name), clip, intensity: 1), browsAndEyes))
            .Average();

        var high = Mean(higher);
        var low = Mean(lower);

        TestContext.Current.SendDiagnosticMessage($"brow and eye activation: {higher} {high:F4}, {lower} {low:F4}");
        Assert.True(high > low * 1.1, $"{higher} {high:F4} vs {lower} {low:F4}");
    }

    [Fact]
    public void Simulate_Landmarks_KeepThe68PointLayout()
    {
        var track = Simulate(SynthEmotion.Neutral, 0, intensity: 1);
        var f = Enumerable.Range(0, Frames).First(i => track.Success[i]);
        float X(int i) => track.LandmarksX[(f * 68) + i];
        float Y(int i) => track.LandmarksY[(f * 68) + i];

        Assert.True(Y(8) > Y(57) && Y(57) > Y(51) && Y(51) > Y(33) && Y(33) > Y(30) && Y(30) > Y(27), "chin below mouth below nose");
        Assert.True(Y(19) < Y(37) && Y(24) < Y(44), "brows above the eyes");
        Assert.True(X(36) < X(39) && X(39) < X(42) && X(42) < X(45), "eye corners left to right");
        Assert.True(X(0) < X(48) && X(48) < X(54) && X(54) < X(16), "mouth inside the jaw");
        Assert.True(Y(41) > Y(37) && Y(46) > Y(44), "lower lids below upper lids");
    }

    [Fact]
    public void Simulate_SameSeed_SameTrack()
    {
        var first = Simulate(SynthEmotion.Fear, 3, intensity: 1);
        var second = Simulate(SynthEmotion.Fear, 3, intensity: 1);

        Assert.Equal(OpenFaceCsvWriter.Format(first), OpenFaceCsvWriter.Format(second));
    }

    [Fact]
    public void Format_Track_WritesOpenFacePrecisionAndSeparators()
    {
        var track = Simulate(SynthEmotion.Surprise, 1, intensity: 1);

        var lines = OpenFaceCsvWriter.Format(track).Split('\n');

        Assert.StartsWith("frame, face_id, timestamp, confidence, success, x_0, x_1,", lines[0], StringComparison.Ordinal);
        Assert.EndsWith(", AU26_c, AU28_c, AU45_c", lines[0], StringComparison.Ordinal);
        Assert.Matches(@"^2, 0, 0\.033, [01]\.\d\d, [01], \d+\.\d, ", lines[2]);
        Assert.Equal(Frames + 2, lines.Length);
        Assert.Equal(string.Empty, lines[^1]);
    }

    [Theory]
    [InlineData(0.0, 1, "0.0")]
    [InlineData(12.345, 2, "12.35")]
    [InlineData(-3.04, 1, "-3.0")]
    [InlineData(0.0333333, 3, "0.033")]
    [InlineData(5, 0, "5")]
    public void AppendFixed_Value_FormatsLikeStdFixed(double value, int decimals, string expected)
    {
        var builder = new System.Text.StringBuilder();

        OpenFaceCsvWriter.AppendFixed(builder, new char[32], value, decimals);

        Assert.Equal(expected, builder.ToString());
    }

    private static OpenFaceTrack Simulate(SynthEmotion emotion, int clip, double intensity)
    {
        // Speech-like mouth opening: syllables at about 4 Hz with pauses.
        var opening = new float[Frames];
        for (var f = 0; f < Frames; f++)
        {
            var syllable = Math.Max(0, Math.Sin(2 * Math.PI * 4 * f / 30.0));
            opening[f] = (float)(f % 60 < 45 ? 0.8 * syllable : 0);
        }

        var face = FaceTemplate.ForSpeaker(SynthRandom.For(clip, "test/face"));
        var arousal = ProsodyProfiles.For(emotion).Arousal;
        return OpenFaceTrackSimulator.Simulate(emotion, intensity, arousal, face, opening, SynthRandom.For(clip, $"test/{emotion}/{clip}"));
    }

    // The facial-activation measure of the design (task 2) on the given points: landmarks without head translation,
    // scaled by the inter-ocular distance; mean frame-to-frame displacement over pairs of tracked frames.
    private static double Activation(OpenFaceTrack track, int[] points)
    {
        (double X, double Y)[]? previous = null;
        var sum = 0.0;
        var count = 0;
        for (var f = 0; f < track.FrameCount; f++)
        {
            if (!track.Success[f])
            {
                previous = null;
                continue;
            }

            double Mean(float[] values, int from, int length) => Enumerable.Range(from, length).Average(i => values[(f * 68) + i]);
            var cx = Mean(track.LandmarksX, 0, 68);
            var cy = Mean(track.LandmarksY, 0, 68);
            var iod = Math.Sqrt(Math.Pow(Mean(track.LandmarksX, 42, 6) - Mean(track.LandmarksX, 36, 6), 2) + Math.Pow(Mean(track.LandmarksY, 42, 6) - Mean(track.LandmarksY, 36, 6), 2));
            var current = points.Select(i => ((track.LandmarksX[(f * 68) + i] - cx) / iod, (track.LandmarksY[(f * 68) + i] - cy) / iod)).ToArray();
            if (previous is not null)
            {
                sum += current.Zip(previous, (a, b) => Math.Sqrt(Math.Pow(a.Item1 - b.X, 2) + Math.Pow(a.Item2 - b.Y, 2))).Average();
                count++;
            }

            previous = current;
        }

        return sum / count;
    }
}
