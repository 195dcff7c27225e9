using SerSsl.Core.Labels;
using SerSsl.TestSupport;

namespace SerSsl.Core.Tests.Labels;

public sealed class VavlFoldFileTests : IDisposable
{
    private const string Header = "FileName,angry,sad,disgust,fear,neutral,happy,SpkrID,Gender,Split_Set";
    private readonly string _dir = RepoPaths.NewTempDirectory("vavl-folds");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Read_SmallFoldFile_ReadsNamesSplitsSpeakersAndLines()
    {
        var path = Write(
            Header,
            "1001_DFA_ANG_XX.wav,0.85,0.03,0.03,0.03,0.03,0.03,1001,Male,Train",
            "1002_IEO_SAD_HI.wav,0.03,0.85,0.03,0.03,0.03,0.03,1002,Female,Development",
            string.Empty,
            "1003_TIE_NEU_XX,0.03,0.03,0.03,0.03,0.85,0.03,1003,Male,Test");

        var clips = VavlFoldFile.Read(path);

        Assert.Equal(["1001_DFA_ANG_XX", "1002_IEO_SAD_HI", "1003_TIE_NEU_XX"], clips.Select(c => c.Name));
        Assert.Equal([VavlSplit.Train, VavlSplit.Development, VavlSplit.Test], clips.Select(c => c.Split));
        Assert.Equal([1001, 1002, 1003], clips.Select(c => c.Speaker));
        Assert.Equal(["ANG", "SAD", "NEU"], clips.Select(c => CremaDEmotion.Codes[c.Label]));

        // The header is line 1; the blank line is skipped but still counted.
        Assert.Equal([2, 3, 5], clips.Select(c => c.Line));
    }

    [Fact]
    public void Read_Distribution_IsInCremaDOrderAndNormalised()
    {
        // File order angry, sad, disgust, fear, neutral, happy; the sum is 0.99 (within the tolerance).
        var path = Write(Header, "1001_DFA_ANG_XX.wav,0.10,0.20,0.30,0.15,0.04,0.20,1001,Male,Train");

        var clip = Assert.Single(VavlFoldFile.Read(path));

        // CremaDEmotion order: ANG DIS FEA HAP NEU SAD.
        float[] expected = [0.10f / 0.99f, 0.30f / 0.99f, 0.15f / 0.99f, 0.20f / 0.99f, 0.04f / 0.99f, 0.20f / 0.99f];
        Assert.Equal(CremaDEmotion.Count, clip.Distribution.Length);
        for (var k = 0; k < expected.Length; k++)
        {
            Assert.Equal(expected[k], clip.Distribution[k], 1e-6);
        }

        Assert.Equal(1.0, clip.Distribution.Sum(), 1e-6);
        Assert.Equal(CremaDEmotion.IndexOfCode("DIS"), clip.Label);
    }

    [Theory]
    [InlineData("0.05,0.40,0.05,0.40,0.05,0.05", "FEA")] // sad comes before fear in the file, after it in CremaDEmotion order
    [InlineData("0.025,0.025,0.025,0.025,0.45,0.45", "HAP")] // neutral before happy in the file, after it in CremaDEmotion order
    [InlineData("0.05,0.40,0.40,0.05,0.05,0.05", "DIS")]
    [InlineData("0.3,0.3,0.1,0.1,0.1,0.1", "ANG")]
    [InlineData("0.1,0.3,0.1,0.1,0.3,0.1", "NEU")]
    public void Read_TiedTopClasses_LabelIsTheFirstInCremaDOrder(string distribution, string expected)
    {
        var path = Write(Header, $"1001_DFA_ANG_XX.wav,{distribution},1001,Male,Test");

        var clip = Assert.Single(VavlFoldFile.Read(path));

        Assert.Equal(expected, CremaDEmotion.Codes[clip.Label]);
    }

    [Fact]
    public void Read_ColumnsInAnotherOrderAndOtherCase_AreFoundByName()
    {
        var path = Write(
            "split_set,SpkrID,HAPPY,Neutral,fear,disgust,sad,angry,FileName",
            "Test,1007,0.70,0.06,0.06,0.06,0.06,0.06,1007_ITS_HAP_XX.wav");

        var clip = Assert.Single(VavlFoldFile.Read(path));

        Assert.Equal("1007_ITS_HAP_XX", clip.Name);
        Assert.Equal(VavlSplit.Test, clip.Split);
        Assert.Equal(1007, clip.Speaker);
        Assert.Equal("HAP", CremaDEmotion.Codes[clip.Label]);
        Assert.Equal(0.70, clip.Distribution[CremaDEmotion.IndexOfCode("HAP")], 1e-6);
    }

    [Fact]
    public void Read_HeaderOnly_ReturnsNoClips()
    {
        var path = Write(Header);

        Assert.Empty(VavlFoldFile.Read(path));
    }

    [Theory]
    [InlineData("angry")]
    [InlineData("happy")]
    [InlineData("FileName")]
    [InlineData("SpkrID")]
    [InlineData("Split_Set")]
    public void Read_MissingColumn_ThrowsNamingFileAndColumn(string column)
    {
        var header = Header.Split(',').ToList();
        var row = "1001_DFA_ANG_XX.wav,0.85,0.03,0.03,0.03,0.03,0.03,1001,Male,Train".Split(',').ToList();
        var index = header.IndexOf(column);
        header.RemoveAt(index);
        row.RemoveAt(index);
        var path = Write(string.Join(',', header), string.Join(',', row));

        var ex = Assert.Throws<InvalidDataException>(() => VavlFoldFile.Read(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{column}'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    [InlineData("NaN")]
    [InlineData("")]
    public void Read_BadProbability_ThrowsNamingFileLineAndColumn(string value)
    {
        var path = Write(
            Header,
            "1001_DFA_ANG_XX.wav,0.85,0.03,0.03,0.03,0.03,0.03,1001,Male,Train",
            $"1001_DFA_FEA_XX.wav,0.03,0.03,0.03,{value},0.03,0.03,1001,Male,Train");

        var ex = Assert.Throws<InvalidDataException>(() => VavlFoldFile.Read(path));

        Assert.Contains($"{path}, line 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("column 'fear'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not a probability", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.5,0.0,0.0,0.0,0.0,0.0", "0.500")]
    [InlineData("0.5,0.5,0.5,0.0,0.0,0.0", "1.500")]
    [InlineData("0.85,0.03,0.03,0.03,0.03,0.06", "1.030")]
    public void Read_DistributionNotSummingToOne_ThrowsNamingFileLineAndSum(string distribution, string sum)
    {
        var path = Write(Header, $"1001_DFA_ANG_XX.wav,{distribution},1001,Male,Train");

        var ex = Assert.Throws<InvalidDataException>(() => VavlFoldFile.Read(path));

        Assert.Contains($"{path}, line 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("1001_DFA_ANG_XX", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"sums to {sum}", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Validation")]
    [InlineData("Dev")]
    [InlineData("")]
    public void Read_UnknownSplitSet_ThrowsNamingFileLineAndValue(string value)
    {
        var path = Write(
            Header,
            "1001_DFA_ANG_XX.wav,0.85,0.03,0.03,0.03,0.03,0.03,1001,Male,Train",
            "1002_DFA_ANG_XX.wav,0.85,0.03,0.03,0.03,0.03,0.03,1002,Male,Test",
            $"1003_DFA_ANG_XX.wav,0.85,0.03,0.03,0.03,0.03,0.03,1003,Male,{value}");

        var ex = Assert.Throws<InvalidDataException>(() => VavlFoldFile.Read(path));

        Assert.Contains($"{path}, line 4", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"Split_Set '{value}'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10a1")]
    [InlineData("-1001")]
    [InlineData("1001.0")]
    [InlineData("")]
    public void Read_BadSpeakerId_ThrowsNamingFileLineAndValue(string value)
    {
        var path = Write(Header, $"1001_DFA_ANG_XX.wav,0.85,0.03,0.03,0.03,0.03,0.03,{value},Male,Train");

        var ex = Assert.Throws<InvalidDataException>(() => VavlFoldFile.Read(path));

        Assert.Contains($"{path}, line 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"SpkrID '{value}'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1001_DFA_ANG_XX.wav")]
    [InlineData("1001_DFA_ANG_XX.opus")] // the same clip under another extension
    [InlineData("1001_DFA_ANG_XX")]
    public void Read_ClipListedTwice_ThrowsNamingTheSecondLine(string second)
    {
        var path = Write(
            Header,
            "1001_DFA_ANG_XX.wav,0.85,0.03,0.03,0.03,0.03,0.03,1001,Male,Train",
            "1001_DFA_SAD_XX.wav,0.03,0.85,0.03,0.03,0.03,0.03,1001,Male,Train",
            $"{second},0.85,0.03,0.03,0.03,0.03,0.03,1001,Male,Train");

        var ex = Assert.Throws<InvalidDataException>(() => VavlFoldFile.Read(path));

        Assert.Contains($"{path}, line 4", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'1001_DFA_ANG_XX' is listed a second time", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EmptyFileName_ThrowsNamingFileAndLine()
    {
        var path = Write(Header, ",0.85,0.03,0.03,0.03,0.03,0.03,1001,Male,Train");

        var ex = Assert.Throws<InvalidDataException>(() => VavlFoldFile.Read(path));

        Assert.Contains($"{path}, line 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("FileName is empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingFile_ThrowsFileNotFoundNamingIt()
    {
        var path = Path.Combine(_dir, "label_consensus_9.csv");

        var ex = Assert.Throws<FileNotFoundException>(() => VavlFoldFile.Read(path));

        Assert.Equal(path, ex.FileName);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("train", VavlSplit.Train)]
    [InlineData("Train", VavlSplit.Train)]
    [InlineData("TRAIN", VavlSplit.Train)]
    [InlineData("dev", VavlSplit.Development)]
    [InlineData("DEV", VavlSplit.Development)]
    [InlineData("development", VavlSplit.Development)]
    [InlineData("Development", VavlSplit.Development)]
    [InlineData("test", VavlSplit.Test)]
    [InlineData("Test", VavlSplit.Test)]
    [InlineData(" test ", VavlSplit.Test)]
    public void TryParseSplit_KnownNameInAnyCase_Accepts(string text, VavlSplit expected)
    {
        Assert.True(VavlFoldFile.TryParseSplit(text, out var split));
        Assert.Equal(expected, split);
    }

    [Theory]
    [InlineData("")]
    [InlineData("validation")]
    [InlineData("val")]
    [InlineData("tests")]
    [InlineData("training")]
    [InlineData("devel")]
    public void TryParseSplit_OtherName_Rejects(string text)
    {
        Assert.False(VavlFoldFile.TryParseSplit(text, out _));
    }

    [Fact]
    public void FileName_IsLabelConsensusN()
    {
        Assert.Equal("label_consensus_1.csv", VavlFoldFile.FileName(1));
        Assert.Equal("label_consensus_5.csv", VavlFoldFile.FileName(VavlFoldFile.FoldCount));
    }

    [Fact]
    public void Read_RealFold1_Has5820ClipsAnd14TestSpeakers()
    {
        var folds = RepoPaths.RequireVavlFolds();

        var clips = VavlFoldFile.Read(Path.Combine(folds, VavlFoldFile.FileName(1)));

        Assert.Equal(5820, clips.Count);
        Assert.Equal(14, clips.Where(c => c.Split == VavlSplit.Test).Select(c => c.Speaker).Distinct().Count());
        Assert.All(clips, c => Assert.Equal(1.0, c.Distribution.Sum(), 1e-5));
        Assert.All(clips, c => Assert.StartsWith(c.Speaker.ToString(System.Globalization.CultureInfo.InvariantCulture) + "_", c.Name, StringComparison.Ordinal));
    }

    [Fact]
    public void Read_EveryRealFold_SpeakersAreDisjointAcrossSplits()
    {
        var folds = RepoPaths.RequireVavlFolds();

        for (var number = 1; number <= VavlFoldFile.FoldCount; number++)
        {
            var clips = VavlFoldFile.Read(Path.Combine(folds, VavlFoldFile.FileName(number)));
            var speakers = clips.GroupBy(c => c.Split).ToDictionary(g => g.Key, g => g.Select(c => c.Speaker).ToHashSet());

            Assert.Equal(3, speakers.Count);
            foreach (var (a, b) in new[] { (VavlSplit.Train, VavlSplit.Development), (VavlSplit.Train, VavlSplit.Test), (VavlSplit.Development, VavlSplit.Test) })
            {
                var shared = speakers[a].Intersect(speakers[b]).Order().ToArray();
                Assert.True(shared.Length == 0, $"fold {number}: speakers {string.Join(", ", shared)} are in both the {a} and the {b} set");
            }
        }
    }

    private string Write(params string[] lines)
    {
        var path = Path.Combine(_dir, "label_consensus_1.csv");
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        return path;
    }
}
