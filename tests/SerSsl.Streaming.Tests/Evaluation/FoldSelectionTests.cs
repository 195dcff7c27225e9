using SerSsl.Core.Labels;
using SerSsl.Streaming.Evaluation;
using SerSsl.Streaming.Tests.Support;
using SerSsl.TestSupport;

namespace SerSsl.Streaming.Tests.Evaluation;

public sealed class FoldSelectionTests : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("fold-selection");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Apply_TestSplit_KeepsItsClipsRelabelledAndCountsTheRest()
    {
        var foldList = WriteFoldList(VavlTestFold.Rows);
        var scan = Scan("1001_DFA_ANG_XX", "1001_DFA_HAP_XX", "1002_IEO_NEU_XX", "1003_TIE_FEA_XX", "1004_TIE_SAD_XX", "1099_DFA_ANG_XX");

        var selected = FoldSelection.Apply(scan, foldList, VavlSplit.Test);

        Assert.Equal(["1001_DFA_ANG_XX.wav", "1001_DFA_HAP_XX.wav", "1002_IEO_NEU_XX.wav"], selected.Clips.Select(c => c.RelativePath));
        Assert.Equal(["sadness", "happiness", "neutral"], selected.Clips.Select(c => c.Label));
        Assert.Equal(["1001", "1001", "1002"], selected.Clips.Select(c => c.Speaker));
        var selection = Assert.IsType<FoldSelection>(selected.Selection);
        Assert.Equal(Path.GetFullPath(foldList), selection.FoldList);
        Assert.Equal(VavlSplit.Test, selection.Split);
        Assert.Equal("Test", selection.SplitName);
        Assert.Equal(4, selection.Listed);
        Assert.Equal(3, selection.Selected);
        Assert.Equal(1, selection.Missing);
        Assert.Equal(3, selection.OutsideSplit); // 1003 (train), 1004 (development), 1099 (not in the fold file)
        Assert.Equal(2, selection.Speakers);
        Assert.Equal(1, selection.RelabelledFromIntended);
        Assert.Equal(scan.Root, selected.Root);
        Assert.Equal(scan.FilesFound, selected.FilesFound);
    }

    [Fact]
    public void Apply_RowWithoutAudio_IsAMissingFileSkipNamingTheLine()
    {
        var foldList = WriteFoldList(VavlTestFold.Rows);
        var scan = Scan("1001_DFA_ANG_XX", "1001_DFA_HAP_XX", "1002_IEO_NEU_XX");

        var selected = FoldSelection.Apply(scan, foldList, VavlSplit.Test);

        var skipped = Assert.Single(selected.Skipped, s => s.Reason == SkipReason.MissingFile);
        Assert.Equal("1005_IOM_DIS_XX", skipped.RelativePath);
        Assert.Equal("disgust", skipped.Label);
        Assert.Contains("label_consensus_1.csv line 7", skipped.Detail, StringComparison.Ordinal);
        Assert.Contains("Test set", skipped.Detail, StringComparison.Ordinal);
        Assert.Contains(scan.Root, skipped.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_KeepsTheScansOwnSkipsInPathOrder()
    {
        var foldList = WriteFoldList(VavlTestFold.Rows);
        var scan = Scan("1001_DFA_ANG_XX", "1002_IEO_NEU_XX") with
        {
            Skipped = [new SkippedClip("readme.wav", SkipReason.UnparseableName, "not a CREMA-D name")],
            FilesFound = 3,
        };

        var selected = FoldSelection.Apply(scan, foldList, VavlSplit.Test);

        Assert.Equal(["1001_DFA_HAP_XX", "1005_IOM_DIS_XX", "readme.wav"], selected.Skipped.Select(s => s.RelativePath));
        Assert.Equal([SkipReason.MissingFile, SkipReason.MissingFile, SkipReason.UnparseableName], selected.Skipped.Select(s => s.Reason));
        Assert.Equal(3, selected.FilesFound);
    }

    [Theory]
    [InlineData(VavlSplit.Train, new[] { "1003_TIE_FEA_XX.wav", "1006_IOM_ANG_HI.wav" }, new[] { "fear", "anger" }, 2)]
    [InlineData(VavlSplit.Development, new[] { "1004_TIE_SAD_XX.wav" }, new[] { "sadness" }, 1)]
    public void Apply_OtherSplits_KeepOnlyTheirClips(VavlSplit split, string[] expected, string[] labels, int speakers)
    {
        var foldList = WriteFoldList(VavlTestFold.Rows);
        var scan = Scan("1001_DFA_ANG_XX", "1003_TIE_FEA_XX", "1004_TIE_SAD_XX", "1005_IOM_DIS_XX", "1006_IOM_ANG_HI");

        var selected = FoldSelection.Apply(scan, foldList, split);

        Assert.Equal(expected, selected.Clips.Select(c => c.RelativePath));
        Assert.Equal(labels, selected.Clips.Select(c => c.Label));
        var selection = selected.Selection!;
        Assert.Equal(expected.Length, selection.Listed);
        Assert.Equal(expected.Length, selection.Selected);
        Assert.Equal(0, selection.Missing);
        Assert.Equal(5 - expected.Length, selection.OutsideSplit);
        Assert.Equal(speakers, selection.Speakers);
        Assert.Equal(0, selection.RelabelledFromIntended);
        Assert.DoesNotContain(selected.Skipped, s => s.Reason == SkipReason.MissingFile);
    }

    [Fact]
    public void Apply_SameClipInTwoFolders_ScoresItOnceAndCountsTheOtherAsDuplicate()
    {
        var foldList = WriteFoldList(VavlTestFold.Rows);
        var scan = Scan("a/1001_DFA_ANG_XX", "b/1001_DFA_ANG_XX", "1002_IEO_NEU_XX", "1003_TIE_FEA_XX");

        var selected = FoldSelection.Apply(scan, foldList, VavlSplit.Test);

        Assert.Equal(["1002_IEO_NEU_XX.wav", "a/1001_DFA_ANG_XX.wav"], selected.Clips.Select(c => c.RelativePath).Order(StringComparer.Ordinal));
        var duplicate = Assert.Single(selected.Skipped, s => s.Reason == SkipReason.Duplicate);
        Assert.Equal("b/1001_DFA_ANG_XX.wav", duplicate.RelativePath);
        Assert.Contains("a/1001_DFA_ANG_XX.wav", duplicate.Detail, StringComparison.Ordinal);
        Assert.Equal(2, selected.Selection!.Selected);
        Assert.Equal(1, selected.Selection.OutsideSplit); // only 1003, which is in the train set
    }

    [Fact]
    public void Describe_NamesFileSetAndCounts()
    {
        var foldList = WriteFoldList(VavlTestFold.Rows);
        var scan = Scan("1001_DFA_ANG_XX", "1001_DFA_HAP_XX", "1002_IEO_NEU_XX", "1003_TIE_FEA_XX");

        var text = FoldSelection.Apply(scan, foldList, VavlSplit.Test).Selection!.Describe();

        Assert.Equal("label_consensus_1.csv, Test set: 3 of its 4 clips found (2 speakers, consensus labels; 1 differ from the file name's emotion), 1 missing, 1 clips of the corpus outside the set not evaluated", text);
    }

    [Fact]
    public void Apply_NoneOfTheSplitInTheCorpus_ThrowsNamingTheSetAndAnExample()
    {
        var foldList = WriteFoldList(VavlTestFold.Rows);
        var scan = Scan("1003_TIE_FEA_XX", "1004_TIE_SAD_XX");

        var ex = Assert.Throws<ArgumentException>(() => FoldSelection.Apply(scan, foldList, VavlSplit.Test));

        Assert.Contains(Path.GetFullPath(foldList), ex.Message, StringComparison.Ordinal);
        Assert.Contains("none of the 4 clips of its Test set", ex.Message, StringComparison.Ordinal);
        Assert.Contains("1001_DFA_ANG_XX", ex.Message, StringComparison.Ordinal);
        Assert.Contains(scan.Root, ex.Message, StringComparison.Ordinal);
        Assert.Contains("pass the CREMA-D copy the fold file describes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_FoldFileWithoutTheSplit_ThrowsSayingTheSetIsEmpty()
    {
        var foldList = WriteFoldList(VavlTestFold.Rows.Where(r => !r.EndsWith(",Development", StringComparison.Ordinal)).ToArray());
        var scan = Scan("1001_DFA_ANG_XX", "1004_TIE_SAD_XX");

        var ex = Assert.Throws<ArgumentException>(() => FoldSelection.Apply(scan, foldList, VavlSplit.Development));

        Assert.Contains("has no clip in the Development set", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_MalformedFoldFile_ThrowsArgumentExceptionNamingTheLine()
    {
        var foldList = WriteFoldList([VavlTestFold.Rows[0], "1001_DFA_HAP_XX.wav,0.05,0.05,0.05,0.05,0.10,0.70,1001,Male,Holdout"]);

        var ex = Assert.Throws<ArgumentException>(() => FoldSelection.Apply(Scan("1001_DFA_ANG_XX"), foldList, VavlSplit.Test));

        Assert.StartsWith("--fold-list: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("line 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Split_Set 'Holdout'", ex.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidDataException>(ex.InnerException);
    }

    [Fact]
    public void Apply_MissingFoldFile_ThrowsArgumentExceptionNamingIt()
    {
        var missing = Path.Combine(_dir, "label_consensus_7.csv");

        var ex = Assert.Throws<ArgumentException>(() => FoldSelection.Apply(Scan("1001_DFA_ANG_XX"), missing, VavlSplit.Test));

        Assert.Contains(missing, ex.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
        Assert.IsType<FileNotFoundException>(ex.InnerException);
    }

    private string WriteFoldList(IEnumerable<string> rows) => VavlTestFold.Write(Path.Combine(_dir, "folds"), rows);

    /// <summary>A CREMA-D scan of .wav clips (relative paths without extension), labelled and attributed by their names.</summary>
    private CorpusScan Scan(params string[] clips)
    {
        var root = Path.Combine(_dir, "AudioWAV");
        var list = clips.Select(c =>
        {
            var name = Path.GetFileName(c);
            var code = name.Split('_')[2];
            return new CorpusClip(Path.Combine(root, c + ".wav"), c + ".wav", CremaDEmotion.Names[CremaDEmotion.IndexOfCode(code)], name[..4]);
        }).OrderBy(c => c.RelativePath, StringComparer.Ordinal).ToArray();
        return new CorpusScan(root, list.Length, list, []);
    }
}
