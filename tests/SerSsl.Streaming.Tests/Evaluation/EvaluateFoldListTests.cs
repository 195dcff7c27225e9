using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SerSsl.Core.Labels;
using SerSsl.Streaming.Tests.Support;
using SerSsl.TestSupport;

namespace SerSsl.Streaming.Tests.Evaluation;

/// <summary><c>sers evaluate --fold-list CSV --split train|dev|test</c> through the real command line.</summary>
public sealed class EvaluateFoldListTests : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("evaluate-folds");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Evaluate_FoldListTestSplit_ScoresItsClipsAgainstConsensusLabelsAndReportsTheSelection()
    {
        var corpus = WriteCorpus("1001_DFA_ANG_XX", "1001_DFA_HAP_XX", "1002_IEO_NEU_XX", "1003_TIE_FEA_XX", "1004_TIE_SAD_XX");
        var foldList = WriteFoldList();
        var output = Path.Combine(_dir, "out");

        var (exitCode, stdout, stderr) = Run("evaluate", "--corpus", corpus, "--layout", "crema-d", "--model", TestModel.Directory, "--fold-list", foldList, "--split", "test", "--out", output);

        Assert.True(exitCode == 0, stderr);
        Assert.Contains("fold       label_consensus_1.csv, Test set: 3 of its 4 clips found (2 speakers, consensus labels; 1 differ from the file name's emotion), 1 missing, 2 clips of the corpus outside the set not evaluated", stdout, StringComparison.Ordinal);
        Assert.Contains("missing-file       1005_IOM_DIS_XX: label_consensus_1.csv line 7", stdout, StringComparison.Ordinal);
        Assert.Contains("evaluate: done, 3/3 clips", stderr, StringComparison.Ordinal);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")));
        var root = metrics.RootElement;
        var fold = root.GetProperty("corpus").GetProperty("foldList");
        Assert.Equal(Path.GetFullPath(foldList), fold.GetProperty("path").GetString());
        Assert.Equal("Test", fold.GetProperty("split").GetString());
        Assert.Equal("consensus", fold.GetProperty("labels").GetString());
        Assert.Equal(4, fold.GetProperty("listed").GetInt32());
        Assert.Equal(3, fold.GetProperty("selected").GetInt32());
        Assert.Equal(1, fold.GetProperty("missing").GetInt32());
        Assert.Equal(2, fold.GetProperty("outsideSplit").GetInt32());
        Assert.Equal(2, fold.GetProperty("speakers").GetInt32());
        Assert.Equal(1, fold.GetProperty("relabelledFromIntended").GetInt32());
        var counts = root.GetProperty("counts");
        Assert.Equal(3, counts.GetProperty("evaluated").GetInt32());
        Assert.Equal(1, counts.GetProperty("skipped").GetProperty("missing-file").GetInt32());
        var predictions = root.GetProperty("predictions").EnumerateArray().ToArray();
        Assert.Equal(["1001_DFA_ANG_XX.wav", "1001_DFA_HAP_XX.wav", "1002_IEO_NEU_XX.wav"], predictions.Select(p => p.GetProperty("path").GetString()));
        Assert.Equal(["SAD", "HAP", "NEU"], predictions.Select(p => p.GetProperty("target").GetString()));
        Assert.Equal(["sadness", "happiness", "neutral"], predictions.Select(p => p.GetProperty("corpusLabel").GetString()));
        Assert.Equal(3, root.GetProperty("metrics").GetProperty("perClass").EnumerateArray().Sum(c => c.GetProperty("support").GetInt32()));
        var csv = File.ReadAllLines(Path.Combine(output, "predictions.csv"));
        Assert.StartsWith("1001_DFA_ANG_XX.wav,sadness,1001,SAD,", csv[1], StringComparison.Ordinal);
        var missing = Assert.Single(root.GetProperty("skipped").EnumerateArray());
        Assert.Equal("missing-file", missing.GetProperty("reason").GetString());
        Assert.Equal("1005_IOM_DIS_XX", missing.GetProperty("path").GetString());
        Assert.Equal("disgust", missing.GetProperty("corpusLabel").GetString());
    }

    [Theory]
    [InlineData("train", "Train", "1003_TIE_FEA_XX.wav", "FEA")]
    [InlineData("DEV", "Development", "1004_TIE_SAD_XX.wav", "SAD")]
    [InlineData("development", "Development", "1004_TIE_SAD_XX.wav", "SAD")]
    public void Evaluate_FoldListOtherSplit_EvaluatesOnlyThatSet(string split, string splitName, string clip, string target)
    {
        var corpus = WriteCorpus("1001_DFA_ANG_XX", "1003_TIE_FEA_XX", "1004_TIE_SAD_XX");
        var output = Path.Combine(_dir, "out");

        var (exitCode, _, stderr) = Run("evaluate", "--corpus", corpus, "--layout", "crema-d", "--model", TestModel.Directory, "--fold-list", WriteFoldList(), "--split", split, "--out", output);

        Assert.True(exitCode == 0, stderr);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")));
        var root = metrics.RootElement;
        Assert.Equal(splitName, root.GetProperty("corpus").GetProperty("foldList").GetProperty("split").GetString());
        var prediction = Assert.Single(root.GetProperty("predictions").EnumerateArray());
        Assert.Equal(clip, prediction.GetProperty("path").GetString());
        Assert.Equal(target, prediction.GetProperty("target").GetString());
    }

    [Fact]
    public void Evaluate_FoldListWithoutSplit_EvaluatesTheTestSet()
    {
        var corpus = WriteCorpus("1001_DFA_HAP_XX", "1003_TIE_FEA_XX");

        var (exitCode, stdout, stderr) = Run("evaluate", "--corpus", corpus, "--layout", "cremad", "--model", TestModel.Directory, "--fold-list", WriteFoldList());

        Assert.True(exitCode == 0, stderr);
        Assert.Contains("fold       label_consensus_1.csv, Test set: 1 of its 4 clips found", stdout, StringComparison.Ordinal);
        Assert.Contains("1 evaluated", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_NoFoldList_HasNoFoldLineOrObject()
    {
        var corpus = WriteCorpus("1001_DFA_ANG_XX");
        var output = Path.Combine(_dir, "out");

        var (exitCode, stdout, stderr) = Run("evaluate", "--corpus", corpus, "--layout", "crema-d", "--model", TestModel.Directory, "--out", output);

        Assert.True(exitCode == 0, stderr);
        Assert.DoesNotContain("fold       ", stdout, StringComparison.Ordinal);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")));
        Assert.False(metrics.RootElement.GetProperty("corpus").TryGetProperty("foldList", out _));
    }

    // The three checks below are System.CommandLine validators: like --limit 0 or --jobs 0, they stop the command
    // at parsing, with the parser's exit code 1, before the model is loaded.
    [Fact]
    public void Evaluate_SplitWithoutFoldList_ExitsSayingItNeedsTheFoldList()
    {
        var corpus = WriteCorpus("1001_DFA_ANG_XX");

        var (exitCode, _, stderr) = Run("evaluate", "--corpus", corpus, "--layout", "crema-d", "--model", TestModel.Directory, "--split", "test");

        Assert.Equal(1, exitCode);
        Assert.Contains("--split applies with --fold-list only", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ravdess")]
    [InlineData("csv")]
    public void Evaluate_FoldListWithAnotherLayout_ExitsSayingItNeedsCremaD(string layout)
    {
        var (exitCode, _, stderr) = Run("evaluate", "--corpus", _dir, "--layout", layout, "--model", TestModel.Directory, "--fold-list", WriteFoldList());

        Assert.Equal(1, exitCode);
        Assert.Contains($"--fold-list names CREMA-D clips and needs --layout crema-d; the layout is '{layout}'", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("holdout")]
    [InlineData("validation")]
    public void Evaluate_BadSplit_ExitsSayingTheChoices(string split)
    {
        var corpus = WriteCorpus("1001_DFA_ANG_XX");

        var (exitCode, _, stderr) = Run("evaluate", "--corpus", corpus, "--layout", "crema-d", "--model", TestModel.Directory, "--fold-list", WriteFoldList(), "--split", split);

        Assert.Equal(1, exitCode);
        Assert.Contains($"--split must be train, dev or test; got '{split}'", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_MissingFoldList_ExitsTwoNamingIt()
    {
        var corpus = WriteCorpus("1001_DFA_ANG_XX");
        var missing = Path.Combine(_dir, "label_consensus_6.csv");

        var (exitCode, _, stderr) = Run("evaluate", "--corpus", corpus, "--layout", "crema-d", "--model", TestModel.Directory, "--fold-list", missing);

        Assert.Equal(2, exitCode);
        Assert.Contains(missing, stderr, StringComparison.Ordinal);
        Assert.Contains("does not exist", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_NoneOfTheSplitInTheCorpus_ExitsTwoSayingWhichCorpusToPass()
    {
        var corpus = WriteCorpus("1003_TIE_FEA_XX", "1004_TIE_SAD_XX");

        var (exitCode, _, stderr) = Run("evaluate", "--corpus", corpus, "--layout", "crema-d", "--model", TestModel.Directory, "--fold-list", WriteFoldList());

        Assert.Equal(2, exitCode);
        Assert.Contains("none of the 4 clips of its Test set", stderr, StringComparison.Ordinal);
        Assert.Contains("pass the CREMA-D copy the fold file describes", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_RealCremaDFold1TestSet_EvaluatesOnlyItsSpeakersAgainstConsensusLabels()
    {
        // The shared CREMA-D copy (Ogg Opus) and VAVL folds with the bundled model; skipped where they are absent.
        var crema = RepoPaths.RequireCremaDAudio();
        var foldList = Path.Combine(RepoPaths.RequireVavlFolds(), VavlFoldFile.FileName(1));
        var test = VavlFoldFile.Read(foldList).Where(c => c.Split == VavlSplit.Test).ToDictionary(c => c.Name, StringComparer.Ordinal);
        var output = Path.Combine(_dir, "real");

        var (exitCode, stdout, stderr) = Run("evaluate", "--corpus", crema, "--layout", "crema-d", "--model", TestModel.Directory, "--fold-list", foldList, "--split", "test", "--limit", "40", "--seed", "3", "--out", output);

        Assert.True(exitCode == 0, stderr);
        Assert.Contains("evaluate: done, 40/40 clips", stderr, StringComparison.Ordinal);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")));
        var root = metrics.RootElement;
        var fold = root.GetProperty("corpus").GetProperty("foldList");
        Assert.Equal(test.Count, fold.GetProperty("listed").GetInt32());
        Assert.Equal(test.Count, fold.GetProperty("selected").GetInt32());
        Assert.Equal(0, fold.GetProperty("missing").GetInt32());
        Assert.Equal(14, fold.GetProperty("speakers").GetInt32());
        Assert.Equal(0, root.GetProperty("counts").GetProperty("skipped").GetProperty("missing-file").GetInt32());
        var speakers = test.Values.Select(c => c.Speaker.ToString(CultureInfo.InvariantCulture)).ToHashSet(StringComparer.Ordinal);
        var predictions = root.GetProperty("predictions").EnumerateArray().ToArray();
        Assert.Equal(40, predictions.Length);
        Assert.All(predictions, p =>
        {
            var name = Path.GetFileNameWithoutExtension(p.GetProperty("path").GetString()!);
            Assert.True(test.TryGetValue(name, out var row), $"{name} is not in the test set of fold 1");
            Assert.Contains(p.GetProperty("speaker").GetString()!, speakers);
            Assert.Equal(CremaDEmotion.Codes[row!.Label], p.GetProperty("target").GetString());
        });
        Assert.Contains("fold       label_consensus_1.csv, Test set:", stdout, StringComparison.Ordinal);
    }

    private string WriteCorpus(params string[] clips)
    {
        var corpus = Path.Combine(_dir, "crema-d");
        for (var i = 0; i < clips.Length; i++)
        {
            CorpusFiles.Wav(corpus, $"AudioWAV/{clips[i]}.wav", seconds: 0.8, seed: i);
        }

        return corpus;
    }

    private string WriteFoldList() => VavlTestFold.Write(Path.Combine(_dir, "folds"), VavlTestFold.Rows);

    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = SersCommandLine.Build().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }
}
