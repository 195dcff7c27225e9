using SerSsl.Core.Labels;
using SerSsl.TestSupport;
using SerSsl.Training.Data.CremaD;

namespace SerSsl.Training.Tests.Data.CremaD;

/// <summary>The loader on the published CREMA-D metadata (skipped where the shared folder is absent).</summary>
public sealed class CremaDSharedMetadataTests
{
    [Fact]
    public void LoadMetadata_SharedCopy_ListsEveryClipAndActorWithIntendedLabels()
    {
        var metadata = RepoPaths.RequireCremaDMetadata();

        var dataset = CremaDDataset.LoadMetadata(metadata);

        Assert.Equal(7442, dataset.Clips.Count);
        Assert.Equal(7442, dataset.Summary.ClipsListed);
        Assert.Equal(91, dataset.Actors.Count);
        Assert.Equal(48, dataset.Actors.Count(static a => a.Sex == ActorSex.Male));
        Assert.Equal(43, dataset.Actors.Count(static a => a.Sex == ActorSex.Female));
        Assert.Empty(dataset.DroppedClips);
        Assert.All(dataset.Clips, static c =>
        {
            Assert.InRange(c.Label, 0, CremaDEmotion.Count - 1);
            Assert.Equal(c.IntendedEmotion, c.Label);
            Assert.Equal(CremaDEmotion.Codes[c.Label], c.Id.Split('_')[2]);
            Assert.Null(c.AudioPath);
            Assert.NotNull(c.Votes?.Voice);
            Assert.NotNull(c.Votes?.Face);
            Assert.NotNull(c.Votes?.Audiovisual);
        });
        Assert.Equal(12, dataset.Clips.Select(static c => c.Name.Sentence).Distinct().Count());
        Assert.Equal(1087, dataset.Clips.Count(static c => c.Label == CremaDEmotion.IndexOfCode("NEU")));
    }

    [Fact]
    public void LoadMetadata_SharedCopy_VoteVectorsMatchTheTable()
    {
        var metadata = RepoPaths.RequireCremaDMetadata();

        var dataset = CremaDDataset.LoadMetadata(metadata);

        // tabulatedVotes.csv rows 100004 and 307442.
        var first = dataset.Clips.Single(static c => c.Id == "1001_IEO_HAP_HI").Votes!.Voice!;
        Assert.Equal([2, 0, 0, 6, 2, 0], first.Counts.ToArray());
        Assert.Equal(10, first.Total);
        var last = dataset.Clips.Single(static c => c.Id == "1091_WSI_DIS_XX").Votes!.Audiovisual!;
        Assert.Equal([0, 6, 1, 0, 0, 2], last.Counts.ToArray());
    }

    [Theory]
    [InlineData((int)VoteModality.Audiovisual, 420, 1109)]
    [InlineData((int)VoteModality.Voice, 644, 1786)]
    [InlineData((int)VoteModality.Face, 470, 1449)]
    public void LoadMetadata_VoteConsensus_DropsClipsWithoutAStrictMajority(int modalityDigit, int tied, int below)
    {
        var modality = (VoteModality)modalityDigit;
        var metadata = RepoPaths.RequireCremaDMetadata();
        var options = new CremaDLoadOptions { LabelSource = LabelSource.VoteConsensus, ConsensusModality = modality };

        var dataset = CremaDDataset.LoadMetadata(metadata, options);

        var summary = dataset.Summary;
        TestContext.Current.SendDiagnosticMessage($"CREMA-D {modality} consensus: {summary}");
        Assert.Equal(tied, summary.DroppedTiedTop);
        Assert.Equal(below, summary.DroppedBelowMajority);
        Assert.Equal(0, summary.DroppedNoVotes);
        Assert.Equal(7442, dataset.Clips.Count + dataset.DroppedClips.Count);
        Assert.Equal(summary.DroppedByConsensus, dataset.DroppedClips.Count);
        Assert.All(dataset.Clips, c =>
        {
            var votes = c.Votes!.Get(modality)!;
            Assert.True(2 * votes[c.Label] > votes.Total, $"{c.Id}: {votes} has no strict majority for {c.Label}");
        });
        Assert.All(dataset.DroppedClips, c =>
        {
            var votes = c.Votes!.Get(modality)!;
            Assert.True(2 * votes.Counts.ToArray().Max() <= votes.Total, $"{c.Name.Name}: {votes} was dropped");
        });
    }

    [Fact]
    public void CreatePartitions_SharedCopy_FiveSpeakerIndependentGenderBalancedPartitions()
    {
        var dataset = CremaDDataset.LoadMetadata(RepoPaths.RequireCremaDMetadata());

        var partitions = dataset.CreatePartitions(seed: 2022);

        Assert.Equal(5, partitions.Count);
        var allActors = dataset.Actors.Select(static a => a.Id).Order().ToArray();
        foreach (var partition in partitions)
        {
            Assert.Equal(63, partition.TrainActors.Count);
            Assert.Equal(14, partition.DevActors.Count);
            Assert.Equal(14, partition.TestActors.Count);
            Assert.Equal(allActors, partition.TrainActors.Concat(partition.DevActors).Concat(partition.TestActors).Order().ToArray());
            foreach (var split in Enum.GetValues<DataSplit>())
            {
                var set = partition.ActorsOf(split);
                var males = set.Count(id => dataset.GetActor(id).Sex == ActorSex.Male);
                var proportional = set.Count * 48.0 / 91.0;
                Assert.True(Math.Abs(males - proportional) <= 1, $"partition {partition.Index} {split}: {males} males, proportional {proportional:F2}");
                Assert.True(Math.Abs(set.Count - males - (set.Count * 43.0 / 91.0)) <= 1, $"partition {partition.Index} {split}: females");
                var members = set.ToHashSet();
                Assert.True(dataset.ClipsIn(partition, split).All(c => members.Contains(c.ActorId)), $"partition {partition.Index} {split}: a clip of another set");
            }

            Assert.Equal(7442, Enum.GetValues<DataSplit>().Sum(s => dataset.ClipsIn(partition, s).Count()));
        }

        // Over five partitions the test sets should not all be the same actors.
        Assert.True(partitions.Select(static p => string.Join(',', p.TestActors)).Distinct().Count() > 1);
    }

    [Fact]
    public void CreatePartitions_SameSeed_SamePartitions()
    {
        var dataset = CremaDDataset.LoadMetadata(RepoPaths.RequireCremaDMetadata());

        var first = dataset.CreatePartitions(seed: 7);
        var second = dataset.CreatePartitions(seed: 7);
        var shifted = dataset.CreatePartitions(seed: 8);

        Assert.Equal(Describe(first), Describe(second));
        // Partition p uses seed + p: partition 1 of seed 7 is partition 0 of seed 8.
        Assert.Equal(Describe(first)[1], Describe(shifted)[0]);
        Assert.NotEqual(Describe(first)[0], Describe(shifted)[0]);
    }

    private static string[] Describe(IReadOnlyList<SpeakerPartition> partitions) =>
        partitions.Select(static p => $"{string.Join(',', p.TrainActors)}|{string.Join(',', p.DevActors)}|{string.Join(',', p.TestActors)}").ToArray();
}
