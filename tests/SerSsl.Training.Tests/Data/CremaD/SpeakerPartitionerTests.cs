using SerSsl.Training.Data.CremaD;

namespace SerSsl.Training.Tests.Data.CremaD;

public sealed class SpeakerPartitionerTests
{
    [Fact]
    public void Create_CremaDSizedCohort_LargestRemainderGenderSplit()
    {
        var actors = Cohort(males: 48, females: 43);

        var partition = SpeakerPartitioner.Create(actors, seed: 1)[0];

        int Males(IReadOnlyList<int> set) => set.Count(static id => id < 2000);
        Assert.Equal((33, 30), (Males(partition.TrainActors), partition.TrainActors.Count - Males(partition.TrainActors)));
        Assert.Equal((8, 6), (Males(partition.DevActors), partition.DevActors.Count - Males(partition.DevActors)));
        Assert.Equal((7, 7), (Males(partition.TestActors), partition.TestActors.Count - Males(partition.TestActors)));
    }

    [Fact]
    public void Create_SmallCohort_ScalesHeldOutSetsAndKeepsActorsApart()
    {
        var actors = Cohort(males: 6, females: 5);

        var partitions = SpeakerPartitioner.Create(actors, seed: 3, new PartitionOptions { PartitionCount = 3 });

        Assert.Equal(3, partitions.Count);
        Assert.All(partitions, p =>
        {
            Assert.Equal((7, 2, 2), (p.TrainActors.Count, p.DevActors.Count, p.TestActors.Count));
            Assert.Equal(11, p.TrainActors.Concat(p.DevActors).Concat(p.TestActors).Distinct().Count());
            Assert.All(actors, a => Assert.NotNull(p.SplitOf(a.Id)));
        });
        Assert.Null(partitions[0].SplitOf(9999));
    }

    [Fact]
    public void Create_SizesLeaveNoTrainingActor_Throws()
    {
        var actors = Cohort(males: 2, females: 2);

        Assert.Throws<ArgumentException>(() => SpeakerPartitioner.Create(actors, seed: 0, new PartitionOptions { DevActorCount = 2, TestActorCount = 2 }));
    }

    [Fact]
    public void Create_DuplicateActor_Throws() =>
        Assert.Throws<ArgumentException>(() => SpeakerPartitioner.Create([(1, ActorSex.Male), (1, ActorSex.Female), (2, ActorSex.Male)], seed: 0));

    private static List<(int Id, ActorSex Sex)> Cohort(int males, int females) =>
        [.. Enumerable.Range(1001, males).Select(static id => (id, ActorSex.Male)), .. Enumerable.Range(2001, females).Select(static id => (id, ActorSex.Female))];
}
