using SerSsl.Streaming.Evaluation;
using SerSsl.Streaming.Evaluation.Corpora;
using SerSsl.TestSupport;

namespace SerSsl.Streaming.Tests.Evaluation;

public sealed class CorpusLayoutTests : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("layouts");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void CremaD_ReleaseFolderWithAudioWav_ReadsLabelsAndActorsAndIgnoresAudioOpus()
    {
        CorpusFiles.Wav(_dir, "AudioWAV/1001_DFA_ANG_XX.wav");
        CorpusFiles.Wav(_dir, "AudioWAV/1002_IEO_HAP_HI.wav");
        CorpusFiles.Wav(_dir, "AudioWAV/1003_TIE_NEU_XX.wav");
        CorpusFiles.Wav(_dir, "AudioWAV/1001_DFA_ANX_XX.wav");
        CorpusFiles.Text(_dir, "AudioOpus/1001_DFA_ANG_XX.opus", "not read");

        var scan = CorpusLayouts.Create("crema-d").Scan(_dir);

        Assert.Equal(Path.Combine(_dir, "AudioWAV"), scan.Root);
        Assert.Equal(["1001_DFA_ANG_XX.wav", "1002_IEO_HAP_HI.wav", "1003_TIE_NEU_XX.wav"], scan.Clips.Select(c => c.RelativePath));
        Assert.Equal(["anger", "happiness", "neutral"], scan.Clips.Select(c => c.Label));
        Assert.Equal(["1001", "1002", "1003"], scan.Clips.Select(c => c.Speaker));
        var skipped = Assert.Single(scan.Skipped);
        Assert.Equal(SkipReason.UnparseableName, skipped.Reason);
        Assert.Contains("ANX", skipped.Detail, StringComparison.Ordinal);
        Assert.Equal(4, scan.FilesFound);
    }

    [Fact]
    public void CremaD_AudioOpusOnly_SearchesItAndAcceptsOggAndOpus()
    {
        CorpusFiles.Text(_dir, "AudioOpus/1001_DFA_SAD_LO.opus", "x");
        CorpusFiles.Text(_dir, "AudioOpus/1001_DFA_DIS_MD.ogg", "x");
        CorpusFiles.Text(_dir, "AudioOpus/notes.txt", "x");

        var scan = CorpusLayouts.Create("crema-d").Scan(_dir);

        Assert.Equal(Path.Combine(_dir, "AudioOpus"), scan.Root);
        Assert.Equal(["disgust", "sadness"], scan.Clips.Select(c => c.Label));
        Assert.Equal(2, scan.FilesFound);
    }

    [Fact]
    public void CremaD_FilesInNestedFoldersAndHiddenCompanions_FindsOnlyTheClips()
    {
        CorpusFiles.Wav(_dir, "a/b/1001_DFA_FEA_XX.wav");
        CorpusFiles.Wav(_dir, "c/1005_IWW_SAD_HI.WAV");
        CorpusFiles.Text(_dir, "c/._1005_IWW_SAD_HI.WAV", "macOS resource fork");
        CorpusFiles.Text(_dir, "__MACOSX/c/1005_IWW_SAD_HI.wav", "macOS resource fork");

        var scan = CorpusLayouts.Create("crema-d").Scan(_dir);

        Assert.Equal(["a/b/1001_DFA_FEA_XX.wav", "c/1005_IWW_SAD_HI.WAV"], scan.Clips.Select(c => c.RelativePath));
        Assert.Empty(scan.Skipped);
    }

    [Fact]
    public void Scan_SameClipAsWavAndOpus_KeepsTheWavAndCountsTheOtherAsDuplicate()
    {
        CorpusFiles.Wav(_dir, "1001_DFA_ANG_XX.wav");
        CorpusFiles.Text(_dir, "1001_DFA_ANG_XX.opus", "x");

        var scan = CorpusLayouts.Create("crema-d").Scan(_dir);

        Assert.Equal("1001_DFA_ANG_XX.wav", Assert.Single(scan.Clips).RelativePath);
        var duplicate = Assert.Single(scan.Skipped);
        Assert.Equal(SkipReason.Duplicate, duplicate.Reason);
        Assert.Equal("1001_DFA_ANG_XX.opus", duplicate.RelativePath);
        Assert.Equal(2, scan.FilesFound);
    }

    [Fact]
    public void Ravdess_ActorFolders_ReadsEveryEmotionAndSkipsVideoModalities()
    {
        for (var emotion = 1; emotion <= 8; emotion++)
        {
            CorpusFiles.Wav(_dir, $"Actor_0{emotion % 2 + 1}/03-01-0{emotion}-01-01-01-0{emotion % 2 + 1}.wav");
        }

        CorpusFiles.Wav(_dir, "Actor_01/03-02-03-02-02-02-01.wav");
        CorpusFiles.Wav(_dir, "Actor_01/01-01-05-01-01-01-01.wav");
        CorpusFiles.Wav(_dir, "Actor_01/02-01-05-01-01-01-01.wav");
        CorpusFiles.Wav(_dir, "Actor_01/03-01-09-01-01-01-01.wav");
        CorpusFiles.Wav(_dir, "Actor_01/03-01-05-01-01.wav");

        var scan = CorpusLayouts.Create("ravdess").Scan(_dir);

        Assert.Equal(9, scan.Clips.Count);
        Assert.Equal(
            ["anger", "calm", "disgust", "fear", "happiness", "happiness", "neutral", "sadness", "surprise"],
            scan.Clips.Select(c => c.Label).Order(StringComparer.Ordinal));
        Assert.Contains(scan.Clips, c => c.RelativePath == "Actor_01/03-02-03-02-02-02-01.wav" && c.Speaker == "Actor_01");
        Assert.Equal(2, scan.Skipped.Count(s => s.Reason == SkipReason.NotAudioOnly));
        Assert.Equal(2, scan.Skipped.Count(s => s.Reason == SkipReason.UnparseableName));
        Assert.Contains(scan.Skipped, s => s.Detail.Contains("emotion 09", StringComparison.Ordinal));
    }

    [Fact]
    public void EmoDb_WavFolder_ReadsGermanInitials()
    {
        string[] names = ["03a01Wa", "08a02Lb", "09b03Ec", "10b09Ad", "11a04Fa", "12b10Tb", "13a05Nc"];
        foreach (var name in names)
        {
            CorpusFiles.Wav(_dir, $"wav/{name}.wav");
        }

        CorpusFiles.Wav(_dir, "wav/03a01Xa.wav");
        CorpusFiles.Wav(_dir, "wav/03a01W.wav");

        var scan = CorpusLayouts.Create("emodb").Scan(_dir);

        Assert.Equal(["anger", "boredom", "disgust", "fear", "happiness", "sadness", "neutral"], scan.Clips.Select(c => c.Label));
        Assert.Equal(["03", "08", "09", "10", "11", "12", "13"], scan.Clips.Select(c => c.Speaker));
        Assert.Equal(2, scan.Skipped.Count);
        Assert.All(scan.Skipped, s => Assert.Equal(SkipReason.UnparseableName, s.Reason));
    }

    [Fact]
    public void Tess_SpeakerEmotionFolders_ReadsEveryEmotionSpelling()
    {
        CorpusFiles.Wav(_dir, "OAF_angry/OAF_back_angry.wav");
        CorpusFiles.Wav(_dir, "OAF_disgust/OAF_back_disgust.wav");
        CorpusFiles.Wav(_dir, "OAF_Fear/OAF_back_Fear.wav");
        CorpusFiles.Wav(_dir, "OAF_happy/OAF_back_happy.wav");
        CorpusFiles.Wav(_dir, "YAF_neutral/YAF_bath_neutral.wav");
        CorpusFiles.Wav(_dir, "YAF_pleasant_surprised/YAF_bath_ps.wav");
        CorpusFiles.Wav(_dir, "YAF_pleasant_surprised/YAF_bean_pleasant_surprise.wav");
        CorpusFiles.Wav(_dir, "YAF_sad/YAF_bath_sad.wav");
        CorpusFiles.Wav(_dir, "YAF_sad/XYZ_bath_sad.wav");
        CorpusFiles.Wav(_dir, "YAF_sad/YAF_bath_bored.wav");

        var scan = CorpusLayouts.Create("tess").Scan(_dir);

        Assert.Equal(
            ["anger", "disgust", "fear", "happiness", "neutral", "sadness", "surprise", "surprise"],
            scan.Clips.Select(c => c.Label).Order(StringComparer.Ordinal));
        Assert.Equal(4, scan.Clips.Count(c => c.Speaker == "OAF"));
        Assert.Contains(scan.Clips, c => c.RelativePath == "YAF_pleasant_surprised/YAF_bean_pleasant_surprise.wav" && c.Label == "surprise");
        Assert.Equal(2, scan.Skipped.Count);
    }

    [Fact]
    public void Savee_SpeakerFoldersAndFlatNames_ReadsPrefixes()
    {
        CorpusFiles.Wav(_dir, "AudioData/DC/a01.wav");
        CorpusFiles.Wav(_dir, "AudioData/JE/d02.wav");
        CorpusFiles.Wav(_dir, "AudioData/JK/f03.wav");
        CorpusFiles.Wav(_dir, "AudioData/KL/h04.wav");
        CorpusFiles.Wav(_dir, "AudioData/DC/n05.wav");
        CorpusFiles.Wav(_dir, "AudioData/JE/sa06.wav");
        CorpusFiles.Wav(_dir, "AudioData/JK/su07.wav");
        CorpusFiles.Wav(_dir, "ALL/KL_sa15.wav");
        CorpusFiles.Wav(_dir, "AudioData/DC/x01.wav");
        CorpusFiles.Wav(_dir, "AudioData/info/a01.wav");

        var scan = CorpusLayouts.Create("savee").Scan(_dir);

        Assert.Equal(
            ["sadness", "anger", "neutral", "disgust", "sadness", "fear", "surprise", "happiness"],
            scan.Clips.Select(c => c.Label));
        Assert.Equal(["KL", "DC", "DC", "JE", "JE", "JK", "JK", "KL"], scan.Clips.Select(c => c.Speaker));
        Assert.Equal(2, scan.Skipped.Count);
        Assert.Contains(scan.Skipped, s => s.RelativePath == "AudioData/info/a01.wav" && s.Detail.Contains("speaker", StringComparison.Ordinal));
    }

    [Fact]
    public void Csv_HeaderWithOtherColumnNames_FindsPathAndLabelAndNormalizesLabels()
    {
        CorpusFiles.Wav(_dir, "clips/a.wav");
        CorpusFiles.Wav(_dir, "clips/b.wav");
        CorpusFiles.Wav(_dir, "clips/c d.wav");
        var list = CorpusFiles.Text(_dir, "list.csv", "\uFEFFspeaker;Emotion;File\ns1;Angry;clips/a.wav\ns2;HAP;clips\\b.wav\n\ns3;\"bored\";\"clips/c d.wav\"\ns4;sad;clips/missing.wav\ns5;;clips/a.wav\n");

        var scan = CorpusLayouts.Create("csv").Scan(list);

        Assert.Equal(["clips/a.wav", "clips/b.wav", "clips/c d.wav"], scan.Clips.Select(c => c.RelativePath));
        Assert.Equal(["anger", "happiness", "boredom"], scan.Clips.Select(c => c.Label));
        Assert.Contains(scan.Skipped, s => s.Reason == SkipReason.MissingFile && s.RelativePath == "clips/missing.wav");
        Assert.Contains(scan.Skipped, s => s.Reason == SkipReason.UnparseableName && s.Detail.Contains("empty label", StringComparison.Ordinal));
        Assert.Equal(5, scan.FilesFound);
    }

    [Fact]
    public void Csv_FolderWithoutHeader_TakesTheAudioColumnAndTheOther()
    {
        CorpusFiles.Wav(_dir, "x/one.wav");
        CorpusFiles.Text(_dir, "labels.csv", "neutral,x/one.wav\n");

        var scan = CorpusLayouts.Create("csv").Scan(_dir);

        var clip = Assert.Single(scan.Clips);
        Assert.Equal("neutral", clip.Label);
        Assert.Equal(Path.Combine(_dir, "x", "one.wav"), clip.Path);
    }

    [Fact]
    public void Csv_NamedColumns_UsesThem()
    {
        CorpusFiles.Wav(_dir, "one.wav");
        var list = CorpusFiles.Text(_dir, "list.csv", "wav,label,gold\none.wav,happy,fear\n");

        var scan = CorpusLayouts.Create("csv", new CsvColumns("WAV", "gold")).Scan(list);

        Assert.Equal("fear", Assert.Single(scan.Clips).Label);
    }

    [Fact]
    public void Csv_HeaderWithoutKnownNames_ThrowsNamingTheOptions()
    {
        var list = CorpusFiles.Text(_dir, "list.csv", "a,b\none,happy\n");

        var error = Assert.Throws<ArgumentException>(() => CorpusLayouts.Create("csv").Scan(list));

        Assert.Contains("--path-column", error.Message, StringComparison.Ordinal);
        Assert.Contains("a,b", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_UnknownLayout_ThrowsListingTheLayouts()
    {
        var error = Assert.Throws<ArgumentException>(() => CorpusLayouts.Create("iemocap"));

        Assert.Contains("iemocap", error.Message, StringComparison.Ordinal);
        Assert.Contains("crema-d, ravdess, emodb, tess, savee, csv", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_MissingFolder_ThrowsNamingIt()
    {
        var missing = Path.Combine(_dir, "nowhere");

        var error = Assert.Throws<ArgumentException>(() => CorpusLayouts.Create("ravdess").Scan(missing));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }
}
