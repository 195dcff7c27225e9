using SerSsl.Core.Labels;
using SerSsl.TestSupport;
using SerSsl.Training.Data.CremaD;

namespace SerSsl.Training.Tests.Data.CremaD;

/// <summary>The VAVL folds: the published files in the shared data (skipped where absent) and malformed copies.</summary>
public sealed class VavlFoldTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Load_SharedFold_Has5820ClipsDisjointSpeakersAndListedNames(int number)
    {
        // Arrange
        var folds = RepoPaths.RequireVavlFolds();
        var metadata = CremaDDataset.LoadMetadata(RepoPaths.RequireCremaDMetadata());

        // Act
        var fold = VavlFold.Load(folds, number);
        var labelled = metadata.WithFold(fold);

        // Assert
        Assert.Equal(5820, fold.Clips.Count);
        Assert.Equal(5820, labelled.Clips.Count);
        var p = fold.Partition;
        Assert.Equal($"fold-{number}", p.Name);
        Assert.Empty(p.TrainActors.Intersect(p.DevActors));
        Assert.Empty(p.TrainActors.Intersect(p.TestActors));
        Assert.Empty(p.DevActors.Intersect(p.TestActors));
        Assert.Equal(91, p.TrainActors.Count + p.DevActors.Count + p.TestActors.Count);
        Assert.All(fold.Clips.Values, c =>
        {
            Assert.Equal(1.0, c.Distribution.Sum(), 3);
            Assert.Equal(c.Distribution.Max(), c.Distribution[c.Label]);
            Assert.Equal(c.Split, p.SplitOf(c.Speaker));
        });
        Assert.All(labelled.Clips, c => Assert.Equal(fold.Clips[c.Id].Label, c.Label));
        Assert.All(labelled.Clips, c => Assert.Same(fold.Clips[c.Id].Distribution, c.Distribution));
    }

    [Fact]
    public void Load_SharedFolds_ShareTheirLabelsAndDifferInTheirSpeakers()
    {
        var all = VavlFold.LoadAll(RepoPaths.RequireVavlFolds());

        Assert.Equal(5, all.Count);
        Assert.All(all, f => Assert.Equal(all[0].Clips.Keys.Order(StringComparer.Ordinal), f.Clips.Keys.Order(StringComparer.Ordinal)));
        Assert.Equal(5, all.Select(f => string.Join(',', f.Partition.TestActors)).Distinct().Count());
        Assert.All(all[0].Clips.Values, c => Assert.All(all, f => Assert.Equal(c.Label, f.Clips[c.Name].Label)));
    }

    [Fact]
    public void Load_SpeakerInTwoSets_IsRefused()
    {
        var dir = WriteFold("1001_DFA_ANG_XX.wav,0.9,0.02,0.02,0.02,0.02,0.02,1001,Male,Train", "1001_DFA_SAD_XX.wav,0.02,0.9,0.02,0.02,0.02,0.02,1001,Male,Test");

        var error = Assert.Throws<InvalidDataException>(() => VavlFold.Load(dir, 1));

        Assert.Contains("speaker 1001 is in both", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1001_DFA_ANG_XX.wav,0.9,0.02,0.02,0.02,0.02,0.02,1001,Male,Validation", "Split_Set 'Validation'")]
    [InlineData("1001_DFA_ANG_XX.wav,0.9,x,0.02,0.02,0.02,0.02,1001,Male,Train", "column 'sad': 'x' is not a probability")]
    [InlineData("1001_DFA_ANG_XX.wav,0.5,0.02,0.02,0.02,0.02,0.02,1001,Male,Train", "sums to 0.600")]
    [InlineData("1001_DFA_ANG_XX.wav,0.9,0.02,0.02,0.02,0.02,0.02,A1001,Male,Train", "SpkrID 'A1001'")]
    public void Load_MalformedRow_NamesFileLineAndValue(string row, string expected)
    {
        var dir = WriteFold(row);

        var error = Assert.Throws<InvalidDataException>(() => VavlFold.Load(dir, 1));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("label_consensus_1.csv, line 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HardLabel_IsTheTopClassInOurOrder()
    {
        // angry,sad,disgust,fear,neutral,happy in the file; ANG DIS FEA HAP NEU SAD in ours.
        var dir = WriteFold("1001_DFA_HAP_XX.wav,0.1,0.05,0.05,0.1,0.2,0.5,1001,Male,Train");

        var clip = VavlFold.Load(dir, 1).Clips["1001_DFA_HAP_XX"];

        Assert.Equal(CremaDEmotion.IndexOfCode("HAP"), clip.Label);
        Assert.Equal(0.2f, clip.Distribution[CremaDEmotion.IndexOfCode("NEU")], 5);
        Assert.Equal(DataSplit.Train, clip.Split);
    }

    [Fact]
    public void Load_MissingFile_SaysWhatTheFolderNeeds()
    {
        var dir = RepoPaths.NewTempDirectory("vavl");

        var error = Assert.Throws<FileNotFoundException>(() => VavlFold.Load(dir, 3));

        Assert.Contains("label_consensus_3.csv", error.Message, StringComparison.Ordinal);
        Assert.Contains("--folds vavl:DIR", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("vavl:/data/folds", "/data/folds")]
    [InlineData("folds/vavl", null)]
    [InlineData("vavl:", null)]
    public void ParseOption_TakesVavlPrefixOnly(string value, string? expected)
    {
        if (expected is null)
        {
            Assert.Throws<ArgumentException>(() => VavlFold.ParseOption(value));
        }
        else
        {
            Assert.Equal(expected, VavlFold.ParseOption(value));
        }
    }

    private static string WriteFold(params string[] rows)
    {
        var dir = RepoPaths.NewTempDirectory("vavl");
        File.WriteAllLines(Path.Combine(dir, "label_consensus_1.csv"), ["FileName,angry,sad,disgust,fear,neutral,happy,SpkrID,Gender,Split_Set", .. rows]);
        return dir;
    }
}
