using SerSsl.Core.Audio;
using SerSsl.TestSupport;
using SerSsl.Training.Data.CremaD;
using SerSsl.Training.Data.Unlabeled;
using SerSsl.Training.Tests.Synthesis;

namespace SerSsl.Training.Tests.Data.Unlabeled;

/// <summary>Unlabeled speech folders: which files are recordings, CREMA-D copies, and keeping only training speakers.</summary>
public sealed class SpeechFolderTests : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("speech-folder");

    public void Dispose() => SynthTestSupport.DeleteQuietly(_dir);

    [Fact]
    public void Scan_NestedFolders_ListsAudioFilesByExtensionInOrdinalOrder()
    {
        Touch("b/2.WAV", "a.opus", "b/1.wav", "c/d/x.ogg", "notes.txt", "b/image.png", "d.wav.bak");

        var folder = SpeechFolder.Scan(_dir);

        Assert.Equal(["a.opus", "b/1.wav", "b/2.WAV", "c/d/x.ogg"], folder.Recordings.Select(r => r.Id));
        Assert.All(folder.Recordings, r => Assert.True(File.Exists(r.Path), r.Path));
        Assert.All(folder.Recordings, r => Assert.Null(r.CremaDActor));
        Assert.Equal("all 4 recordings", folder.Description);
    }

    [Fact]
    public void Scan_CremaDCopyWithBothAudioFolders_ReadsOnlyTheWavFolder()
    {
        Touch("AudioWAV/1001_DFA_ANG_XX.wav", "AudioWAV/1002_IEO_SAD_HI.wav", "AudioOpus/1001_DFA_ANG_XX.opus", "AudioOpus/1002_IEO_SAD_HI.opus");

        var folder = SpeechFolder.Scan(_dir);

        Assert.Equal(Path.Combine(_dir, "AudioWAV"), folder.Directory);
        Assert.Equal(["1001_DFA_ANG_XX.wav", "1002_IEO_SAD_HI.wav"], folder.Recordings.Select(r => r.Id));
        Assert.Equal([1001, 1002], folder.Recordings.Select(r => r.CremaDActor));
    }

    [Fact]
    public void TrainSpeakersOf_Partition_KeepsOnlyTrainingSpeakersRecordings()
    {
        Touch("AudioOpus/1001_DFA_ANG_XX.opus", "AudioOpus/1001_IEO_NEU_XX.opus", "AudioOpus/1002_DFA_SAD_XX.opus", "AudioOpus/1003_TIE_HAP_XX.opus", "AudioOpus/1004_TIE_FEA_XX.opus");
        var partition = new SpeakerPartition(1, 0, [1001, 1004], [1002], [1003], "fold-1");

        var train = SpeechFolder.Scan(_dir).TrainSpeakersOf(partition);

        Assert.Equal(["1001_DFA_ANG_XX.opus", "1001_IEO_NEU_XX.opus", "1004_TIE_FEA_XX.opus"], train.Recordings.Select(r => r.Id));
        Assert.Contains("3 recordings of 2 training speakers of fold-1", train.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void TrainSpeakersOf_RecordingWithoutCremaDName_IsRefusedNamingIt()
    {
        Touch("1001_DFA_ANG_XX.wav", "interview.wav");
        var partition = new SpeakerPartition(1, 0, [1001], [1002], [1003], "fold-1");

        var error = Assert.Throws<InvalidDataException>(() => SpeechFolder.Scan(_dir).TrainSpeakersOf(partition));

        Assert.Contains("interview.wav", error.Message, StringComparison.Ordinal);
        Assert.Contains("speakers are unknown", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_FolderWithoutAudio_IsRefused()
    {
        Touch("readme.txt");

        var error = Assert.Throws<InvalidDataException>(() => SpeechFolder.Scan(_dir));

        Assert.Contains("holds no audio file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_MissingFolder_IsRefused()
    {
        Assert.Throws<DirectoryNotFoundException>(() => SpeechFolder.Scan(Path.Combine(_dir, "nowhere")));
    }

    [Fact]
    public void TrainSpeakersOf_SharedCremaDFold1_HoldsEveryClipOfItsTrainingSpeakersAndNoOther()
    {
        var crema = RepoPaths.RequireCremaDAudio();
        var fold = VavlFold.Load(RepoPaths.RequireVavlFolds(), 1);

        var all = SpeechFolder.Scan(crema);
        var train = all.TrainSpeakersOf(fold.Partition);

        Assert.Equal(7442, all.Recordings.Count);
        var trainActors = fold.Partition.TrainActors.ToHashSet();
        Assert.All(train.Recordings, r => Assert.Contains(r.CremaDActor!.Value, trainActors));
        Assert.Equal(all.Recordings.Count(r => trainActors.Contains(r.CremaDActor!.Value)), train.Recordings.Count);
        Assert.Equal(fold.Partition.TrainActors.Count, train.Recordings.Select(r => r.CremaDActor).Distinct().Count());
        // Every clip of the fold's training set is heard; so are its training speakers' clips without a consensus label.
        var heard = train.Recordings.Select(r => Path.GetFileNameWithoutExtension(r.Id)).ToHashSet();
        Assert.Superset(fold.Clips.Values.Where(c => c.Split == DataSplit.Train).Select(c => c.Name).ToHashSet(), heard);
        Assert.True(heard.Count > fold.Clips.Values.Count(c => c.Split == DataSplit.Train), "the training speakers' clips without a consensus label are heard too");
    }

    private void Touch(params string[] names)
    {
        foreach (var name in names)
        {
            var path = Path.Combine(_dir, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, []);
        }
    }
}
