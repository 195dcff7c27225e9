using SerSsl.TestSupport;
using SerSsl.Training.Data.CremaD;

namespace SerSsl.Training.Tests.Data.CremaD;

/// <summary>The loader on small CREMA-D layouts written by the tests.</summary>
public sealed class CremaDLayoutTests : IDisposable
{
    private static readonly string[] s_names =
    [
        "1001_IEO_NEU_XX", "1001_IEO_HAP_LO", "1001_DFA_ANG_XX", "1001_DFA_SAD_XX",
        "1002_IEO_FEA_HI", "1002_TIE_DIS_MD", "1002_DFA_ANG_XX", "1002_ITS_HAP_XX",
        "1003_IEO_SAD_XX", "1003_WSI_NEU_XX", "1003_DFA_DIS_XX", "1003_TSI_FEA_LO",
    ];

    private readonly string _root = RepoPaths.NewTempDirectory("cremad-layout");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Load_CompleteLayout_EveryClipHasItsWav()
    {
        WriteLayout(_root, s_names, metadataFolder: null);

        var dataset = CremaDDataset.Load(_root);

        Assert.Equal(s_names.Length, dataset.Clips.Count);
        Assert.All(dataset.Clips, c => Assert.Equal(Path.Combine(_root, "AudioWAV", c.Id + ".wav"), c.AudioPath));
        Assert.Equal([1001, 1002, 1003], dataset.Actors.Select(static a => a.Id));
        Assert.Equal(1, dataset.Summary.UnlistedWavFiles);
    }

    [Fact]
    public void Load_OnlyAudioOpus_UsesTheOpusFiles()
    {
        WriteLayout(_root, s_names, metadataFolder: null);
        Directory.Move(Path.Combine(_root, "AudioWAV"), Path.Combine(_root, "AudioOpus"));
        foreach (var wav in Directory.GetFiles(Path.Combine(_root, "AudioOpus")))
        {
            File.Move(wav, Path.ChangeExtension(wav, ".opus"));
        }

        var dataset = CremaDDataset.Load(_root);

        Assert.Equal("Ogg Opus", dataset.AudioCopy);
        Assert.All(dataset.Clips, c => Assert.Equal(Path.Combine(_root, "AudioOpus", c.Id + ".opus"), c.AudioPath));
    }

    [Fact]
    public void Load_BothAudioFolders_PrefersTheLosslessWav()
    {
        WriteLayout(_root, s_names, metadataFolder: null);
        Directory.CreateDirectory(Path.Combine(_root, "AudioOpus"));

        var dataset = CremaDDataset.Load(_root);

        Assert.Equal("lossless WAV", dataset.AudioCopy);
        Assert.All(dataset.Clips, c => Assert.EndsWith(".wav", c.AudioPath, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_MetadataSubfolder_IsFound()
    {
        WriteLayout(_root, s_names, metadataFolder: "metadata");

        var dataset = CremaDDataset.Load(_root, new CremaDLoadOptions { LabelSource = LabelSource.VoteConsensus });

        Assert.Equal(s_names.Length, dataset.Clips.Count);
        Assert.All(dataset.Clips, static c => Assert.Equal(c.IntendedEmotion, c.Label));
    }

    [Fact]
    public void Load_TwoWavsMissing_ErrorListsBoth()
    {
        WriteLayout(_root, s_names, metadataFolder: null);
        File.Delete(Path.Combine(_root, "AudioWAV", "1002_TIE_DIS_MD.wav"));
        File.Delete(Path.Combine(_root, "AudioWAV", "1003_TSI_FEA_LO.wav"));

        var error = Assert.Throws<FileNotFoundException>(() => CremaDDataset.Load(_root));

        Assert.Contains("2 clip(s) in SentenceFilenames.csv have no WAV file in", error.Message, StringComparison.Ordinal);
        Assert.Contains("AudioWAV", error.Message, StringComparison.Ordinal);
        Assert.Contains("1002_TIE_DIS_MD.wav, 1003_TSI_FEA_LO.wav", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("first", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SeparateMetadataFolderAndFifteenWavsMissing_ErrorListsTheFirstTen()
    {
        // The published tables, with the clip list cut to its first 300 names so that the test writes few files.
        var shared = RepoPaths.RequireCremaDMetadata();
        var metadata = Directory.CreateDirectory(Path.Combine(_root, "tables")).FullName;
        File.Copy(Path.Combine(shared, "VideoDemographics.csv"), Path.Combine(metadata, "VideoDemographics.csv"));
        File.Copy(Path.Combine(shared, "tabulatedVotes.csv"), Path.Combine(metadata, "tabulatedVotes.csv"));
        File.WriteAllLines(Path.Combine(metadata, "SentenceFilenames.csv"), File.ReadLines(Path.Combine(shared, "SentenceFilenames.csv")).Take(301));
        var names = CremaDDataset.LoadMetadata(metadata).Clips.Select(static c => c.Id).ToList();
        var audio = Directory.CreateDirectory(Path.Combine(_root, "copy", "AudioWAV")).FullName;
        foreach (var name in names.Where(static (_, i) => i % 20 != 3))
        {
            File.WriteAllBytes(Path.Combine(audio, name + ".wav"), []);
        }

        var options = new CremaDLoadOptions { MetadataDirectory = metadata, LabelSource = LabelSource.VoteConsensus };
        var error = Assert.Throws<FileNotFoundException>(() => CremaDDataset.Load(Path.Combine(_root, "copy"), options));

        var expected = names.Where(static (_, i) => i % 20 == 3).Select(static n => n + ".wav").ToList();
        Assert.Equal(15, expected.Count);
        Assert.Equal($"15 clip(s) in SentenceFilenames.csv have no WAV file in {audio}/: {string.Join(", ", expected.Take(10))}, ... (first 10 of 15).", error.Message);

        // With the WAVs back, the separate metadata folder pairs with the audio.
        foreach (var name in expected)
        {
            File.WriteAllBytes(Path.Combine(audio, name), []);
        }

        var dataset = CremaDDataset.Load(Path.Combine(_root, "copy"), options);
        Assert.Equal(300, dataset.Summary.ClipsListed);
        Assert.Equal(300, dataset.Clips.Count + dataset.DroppedClips.Count);
        Assert.Equal((7442 - 300) * 3, dataset.Summary.VoteRowsForUnlistedClips);
        Assert.All(dataset.Clips, static c => Assert.True(File.Exists(c.AudioPath)));
    }

    [Fact]
    public void Load_MetadataMissing_ErrorNamesEveryMissingFile()
    {
        Directory.CreateDirectory(Path.Combine(_root, "AudioWAV"));

        var error = Assert.Throws<FileNotFoundException>(() => CremaDDataset.Load(_root, new CremaDLoadOptions { LabelSource = LabelSource.VoteConsensus }));

        Assert.Contains("SentenceFilenames.csv", error.Message, StringComparison.Ordinal);
        Assert.Contains("VideoDemographics.csv", error.Message, StringComparison.Ordinal);
        Assert.Contains("tabulatedVotes.csv", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_root, "metadata"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NoAudioFolder_ErrorSaysSo()
    {
        var error = Assert.Throws<DirectoryNotFoundException>(() => CremaDDataset.Load(_root));

        Assert.Contains("AudioWAV", error.Message, StringComparison.Ordinal);
        Assert.Contains("AudioOpus", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadMetadata_MalformedName_ErrorNamesTheFileLineAndName()
    {
        WriteLayout(_root, [.. s_names, "1004_IEO_JOY_XX"], metadataFolder: null, actors: [1001, 1002, 1003, 1004]);

        var error = Assert.Throws<FormatException>(() => CremaDDataset.LoadMetadata(_root));

        Assert.Contains("'1004_IEO_JOY_XX'", error.Message, StringComparison.Ordinal);
        Assert.Contains("SentenceFilenames.csv, line 14", error.Message, StringComparison.Ordinal);
        Assert.Contains("emotion 'JOY'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadMetadata_ActorWithoutDemographics_ErrorNamesTheActor()
    {
        WriteLayout(_root, s_names, metadataFolder: null, actors: [1001, 1002]);

        var error = Assert.Throws<InvalidDataException>(() => CremaDDataset.LoadMetadata(_root));

        Assert.Contains("1003", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadMetadata_VotesDisagreeWithResponses_ErrorNamesTheLine()
    {
        WriteLayout(_root, s_names, metadataFolder: null);
        var votes = Path.Combine(_root, "tabulatedVotes.csv");
        var lines = File.ReadAllLines(votes);
        lines[2] = lines[2].Replace(",10,", ",11,", StringComparison.Ordinal);
        File.WriteAllLines(votes, lines);

        var error = Assert.Throws<InvalidDataException>(() => CremaDDataset.LoadMetadata(_root));

        Assert.Contains("tabulatedVotes.csv: line 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("numResponses is 11", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadMetadata_ConsensusWithDisagreeingVotes_DropsAndCountsByReason()
    {
        // 1001_IEO_NEU_XX: tie; 1001_IEO_HAP_LO: plurality of 4 in 10; 1001_DFA_ANG_XX: no audiovisual row.
        WriteLayout(_root, s_names, metadataFolder: null, votesOverride: new Dictionary<string, int[]?>
        {
            ["1001_IEO_NEU_XX"] = [0, 0, 0, 5, 5, 0],
            ["1001_IEO_HAP_LO"] = [2, 2, 0, 4, 2, 0],
            ["1001_DFA_ANG_XX"] = null,
            ["1001_DFA_SAD_XX"] = [0, 0, 0, 0, 4, 5],
        });

        var dataset = CremaDDataset.LoadMetadata(_root, new CremaDLoadOptions { LabelSource = LabelSource.VoteConsensus });

        Assert.Equal(1, dataset.Summary.DroppedTiedTop);
        Assert.Equal(1, dataset.Summary.DroppedBelowMajority);
        Assert.Equal(1, dataset.Summary.DroppedNoVotes);
        Assert.Equal(s_names.Length - 3, dataset.Clips.Count);
        Assert.Equal(0, dataset.Summary.ConsensusDiffersFromIntended);
        Assert.Equal(
            [ConsensusOutcome.TiedTop, ConsensusOutcome.BelowMajority, ConsensusOutcome.NoVotes],
            dataset.DroppedClips.Select(static d => d.Reason));
    }

    /// <summary>Writes a CREMA-D layout: empty WAVs (plus one unlisted), demographics, and votes that agree with the
    /// intended emotion (8 of 10) in all three modalities unless overridden for the audiovisual rows.</summary>
    private static void WriteLayout(
        string root,
        IReadOnlyList<string> names,
        string? metadataFolder,
        IReadOnlyList<int>? actors = null,
        Dictionary<string, int[]?>? votesOverride = null)
    {
        var audio = Directory.CreateDirectory(Path.Combine(root, "AudioWAV")).FullName;
        foreach (var name in names)
        {
            File.WriteAllBytes(Path.Combine(audio, name + ".wav"), []);
        }

        File.WriteAllBytes(Path.Combine(audio, "1009_XXX_NEU_XX.wav"), []);
        var metadata = Directory.CreateDirectory(metadataFolder is null ? root : Path.Combine(root, metadataFolder)).FullName;
        File.WriteAllLines(
            Path.Combine(metadata, "SentenceFilenames.csv"),
            ["\"Stimulus_Number\",\"Filename\"", .. names.Select(static (n, i) => $"{i + 1},\"{n}\"")]);
        File.WriteAllLines(
            Path.Combine(metadata, "VideoDemographics.csv"),
            ["\"ActorID\",\"Age\",\"Sex\",\"Race\",\"Ethnicity\"", .. (actors ?? [1001, 1002, 1003]).Select(static (a, i) => $"{a},{30 + i},\"{(i % 2 == 0 ? "Male" : "Female")}\",\"Caucasian\",\"Not Hispanic\"")]);
        var rows = new List<string> { "\"\",\"A\",\"D\",\"F\",\"H\",\"N\",\"S\",\"fileName\",\"numResponses\",\"agreement\"" };
        for (var modality = 1; modality <= 3; modality++)
        {
            for (var i = 0; i < names.Count; i++)
            {
                if (!CremaDClipName.TryParse(names[i], out var parsed, out _))
                {
                    continue;
                }

                var counts = new int[6];
                counts[parsed.Emotion] = 8;
                counts[(parsed.Emotion + 1) % 6] = 2;
                if (modality == 3 && votesOverride is not null && votesOverride.TryGetValue(names[i], out var custom))
                {
                    if (custom is null)
                    {
                        continue;
                    }

                    counts = custom;
                }

                rows.Add($"\"{(modality * 100000) + i + 1}\",{string.Join(',', counts)},\"{names[i]}\",{counts.Sum()},0.8");
            }
        }

        File.WriteAllLines(Path.Combine(metadata, "tabulatedVotes.csv"), rows);
    }
}
