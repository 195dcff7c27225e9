using SerSsl.Training.Data.CremaD;

namespace SerSsl.Training.Tests.Data.CremaD;

public sealed class VoteConsensusTests
{
    [Theory]
    [InlineData(new[] { 0, 0, 0, 6, 4, 0 }, (int)ConsensusOutcome.Majority, 3)]
    [InlineData(new[] { 0, 0, 0, 5, 5, 0 }, (int)ConsensusOutcome.TiedTop, -1)]
    [InlineData(new[] { 0, 1, 0, 5, 4, 0 }, (int)ConsensusOutcome.BelowMajority, -1)]
    [InlineData(new[] { 3, 3, 0, 4, 0, 0 }, (int)ConsensusOutcome.BelowMajority, -1)]
    [InlineData(new[] { 0, 0, 0, 0, 0, 1 }, (int)ConsensusOutcome.Majority, 5)]
    [InlineData(new[] { 0, 0, 0, 0, 0, 0 }, (int)ConsensusOutcome.NoVotes, -1)]
    public void Decide_Votes_StrictMajorityOfAllResponses(int[] counts, int expected, int expectedEmotion)
    {
        var outcome = VoteConsensus.Decide(new VoteCounts(counts), out var emotion);

        Assert.Equal((ConsensusOutcome)expected, outcome);
        Assert.Equal(expectedEmotion, emotion);
    }

    [Fact]
    public void Decide_NoRow_NoVotes() =>
        Assert.Equal(ConsensusOutcome.NoVotes, VoteConsensus.Decide(null, out _));

    [Fact]
    public void ToDistribution_Votes_SumToOne()
    {
        var distribution = new VoteCounts([1, 0, 0, 2, 1, 0]).ToDistribution();

        Assert.Equal([0.25f, 0f, 0f, 0.5f, 0.25f, 0f], distribution);
    }
}
