using SerSsl.Core.Labels;
using SerSsl.Synthesis;

namespace SerSsl.Training.Tests.Synthesis;

public sealed class VoteSimulatorTests
{
    private static readonly string[] s_levels = ["LO", "MD", "HI", "XX"];

    [Fact]
    public void Simulate_ManyClips_IntendedEmotionUsuallyButNotAlwaysWins()
    {
        var tallies = Simulate(VoteModality.AudioVisual, clips: 600);

        var intendedWins = tallies.Count(t => t.Tally.Winners is [var w] && w == t.Intended) / (double)tallies.Count;
        var ties = tallies.Count(t => t.Tally.Winners.Count > 1) / (double)tallies.Count;
        var otherWins = 1 - intendedWins - ties;

        TestContext.Current.SendDiagnosticMessage($"audiovisual: intended {intendedWins:P1}, other {otherWins:P1}, ties {ties:P1}");
        Assert.InRange(intendedWins, 0.65, 0.92);
        Assert.InRange(ties, 0.02, 0.15);
        Assert.True(otherWins > 0.03, $"another emotion won only {otherWins:P1} of clips");
    }

    [Fact]
    public void Simulate_Voice_IsHarderThanAudioVisual()
    {
        double Wins(VoteModality modality) =>
            Simulate(modality, clips: 600).Count(t => t.Tally.Winners is [var w] && w == t.Intended) / 600.0;

        Assert.True(Wins(VoteModality.Voice) < Wins(VoteModality.AudioVisual) - 0.1);
    }

    [Fact]
    public void Simulate_SadClips_AreConfusedMostlyWithNeutral()
    {
        var sad = CremaDEmotion.IndexOfCode("SAD");
        var neutral = CremaDEmotion.IndexOfCode("NEU");
        var votes = new int[CremaDEmotion.Count];
        for (var clip = 0; clip < 300; clip++)
        {
            var tally = VoteSimulator.Simulate(sad, "XX", 0.8, VoteModality.Voice, SynthRandom.For(3, $"test/{clip}"));
            for (var e = 0; e < votes.Length; e++)
            {
                votes[e] += tally.Counts[e];
            }
        }

        var confusions = votes.Select((v, e) => (Votes: e == sad ? -1 : v, Emotion: e)).Max();
        Assert.Equal(neutral, confusions.Emotion);
    }

    [Fact]
    public void Simulate_OneClip_CountsAndMeansAreConsistent()
    {
        var tally = VoteSimulator.Simulate(0, "HI", 1.1, VoteModality.Face, SynthRandom.For(9, "one"));

        Assert.InRange(tally.Responses, 4, 12);
        Assert.Equal((double)tally.MaxCount / tally.Responses, tally.Agreement);
        for (var e = 0; e < CremaDEmotion.Count; e++)
        {
            Assert.True(tally.Counts[e] == 0 ? tally.MeanResponse[e] == -1 : tally.MeanResponse[e] is >= 0 and <= 100);
        }

        Assert.Equal(string.Join(':', tally.Winners.Select(i => CremaDEmotion.VoteLetters[i])), tally.EmoVote);
    }

    [Theory]
    [InlineData(new[] { 69.1 }, "69.1")]
    [InlineData(new[] { 92.2222 }, "92.22")]
    [InlineData(new[] { 57.0 }, "57")]
    [InlineData(new[] { 48.5, 49.0 }, "48.5:49.0")]
    [InlineData(new[] { 66.0, 47.75 }, "66.00:47.75")]
    [InlineData(new[] { 33.0, 51.0 }, "33:51")]
    public void FormatLevel_Winners_FormatsLikeCremaDSummaryTable(double[] means, string expected)
    {
        // Give each winner the same count so that all of them tie.
        var counts = new int[6];
        var meanResponse = Enumerable.Repeat(-1.0, 6).ToArray();
        for (var i = 0; i < means.Length; i++)
        {
            counts[i] = 3;
            meanResponse[i] = means[i];
        }

        var tally = new VoteTally(counts, meanResponse, meanResponse, 50, 50, 50, 50);

        Assert.Equal(expected, CremaDMetadataWriter.FormatLevel(tally));
    }

    [Theory]
    [InlineData(10.0 / 11, "0.909090909090909")]
    [InlineData(789.0 / 11, "71.7272727272727")]
    [InlineData(98.0, "98")]
    [InlineData(-1.0, "-1")]
    [InlineData(0.6, "0.6")]
    public void R_Number_FormatsLikeTheVoteTable(double value, string expected) =>
        Assert.Equal(expected, CremaDMetadataWriter.R(value));

    private static List<(int Intended, VoteTally Tally)> Simulate(VoteModality modality, int clips)
    {
        var result = new List<(int, VoteTally)>();
        for (var clip = 0; clip < clips; clip++)
        {
            var intended = clip % CremaDEmotion.Count;
            var level = s_levels[clip / CremaDEmotion.Count % s_levels.Length];
            var intensity = level switch { "LO" => 0.55, "MD" => 0.8, "HI" => 1.1, _ => 0.8 };
            result.Add((intended, VoteSimulator.Simulate(intended, level, intensity, modality, SynthRandom.For(1, $"test/{modality}/{clip}"))));
        }

        return result;
    }
}
