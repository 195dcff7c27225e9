using SerSsl.TestSupport;
using SerSsl.Training.Data.CremaD;
using SerSsl.Training.Tests.Synthesis;
using SerSsl.Training.Training;

namespace SerSsl.Training.Tests.Training;

/// <summary>
/// Pre-training on unlabeled speech through the real command lines, on a small synthetic CREMA-D-layout corpus:
/// <c>pretrain --speech</c>, and <c>reproduce --speech</c> pre-training once per split on its training speakers only.
/// </summary>
public sealed class SpeechPretrainingTests : IDisposable
{
    private static readonly string[] s_tiny = ["--channels", "8,16,32", "--embedding-dim", "32", "--seed", "3"];
    private readonly string _dir = RepoPaths.NewTempDirectory("speech-pretrain");

    public void Dispose() => SynthTestSupport.DeleteQuietly(_dir);

    [Fact]
    public void Reproduce_SpeechOfTrainingSpeakers_PretrainsPerSplitOnItsTrainingSpeakersAndResumes()
    {
        SynthTestSupport.RequireEspeak();
        var speech = Path.Combine(_dir, "speech");
        var output = Path.Combine(_dir, "out");
        TrainCli.Run("synth", "speech", "--out", speech, "--actors", "10", "--sentences", "IEO,TIE", "--seed", "1");
        string[] command = ["reproduce", "--crema-d", speech, "--speech", speech, "--conditions", "none;energy", "--partitions", "2", "--out", output,
            "--epochs", "2", "--patience", "2", "--pretrain-epochs", "2", "--cache-root", Path.Combine(_dir, "cache"), .. s_tiny];

        var first = TrainCli.Run(command);

        var partitions = CremaDDataset.Load(speech).CreatePartitions(42);
        var clips = Directory.GetFiles(Path.Combine(speech, "AudioWAV"), "*.wav").Select(Path.GetFileNameWithoutExtension).ToArray();
        foreach (var split in (string[])["partition-0", "partition-1"])
        {
            var state = Checkpoint.ReadState(Path.Combine(output, "pretrain", "energy", split));
            Assert.True(state.Complete);
            Assert.Equal("energy", state.Tasks);
            Assert.Equal("the training speakers of each split", state.Provenance["speechSpeakers"]);
            var finetune = Checkpoint.ReadState(Path.Combine(output, "finetune", "energy", split));
            Assert.Equal(Path.Combine(output, "pretrain", "energy", split, Checkpoint.EncoderFile), finetune.Provenance["init"]);
            var recordings = state.Provenance["speechRecordings"];
            Assert.Contains($"training speakers of {split} (development and test speakers left out)", recordings, StringComparison.Ordinal);
            var trainActors = partitions[split == "partition-0" ? 0 : 1].TrainActors.ToHashSet();
            var expected = clips.Count(c => trainActors.Contains(int.Parse(c![..4], System.Globalization.CultureInfo.InvariantCulture)));
            Assert.StartsWith($"{expected} recordings of {trainActors.Count} training speakers", recordings, StringComparison.Ordinal);
        }

        var results = File.ReadAllText(Path.Combine(output, "results.md"));
        Assert.Contains("Macro F1 paired against `none`, split by split", results, StringComparison.Ordinal);
        Assert.Matches(@"\| energy \| partition-0 [+-]\d+\.\d, partition-1 [+-]\d+\.\d \|", results);
        Assert.Contains("heard only that split's training speakers", results, StringComparison.Ordinal);

        var again = TrainCli.Run(command);
        Assert.DoesNotContain("pre-training on", again, StringComparison.Ordinal);
        Assert.Contains("finetune[energy] p1: already tested", again, StringComparison.Ordinal);
    }

    [Fact]
    public void Pretrain_FaceTaskOnSpeechAlone_ExitsWithTwoNamingTheAudiovisualCorpus()
    {
        var speech = Path.Combine(_dir, "speech");
        Directory.CreateDirectory(speech);
        File.WriteAllBytes(Path.Combine(speech, "a.wav"), []);
        using var outText = new StringWriter();
        using var error = new StringWriter();

        var exit = TrainCommandLine.Build().Parse(["pretrain", "--speech", speech, "--tasks", "face", "--out", Path.Combine(_dir, "pre")])
            .Invoke(new System.CommandLine.InvocationConfiguration { Output = outText, Error = error });

        Assert.Equal(2, exit);
        Assert.Contains("the face and au tasks need face tracks", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("--unlabeled", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Pretrain_NeitherSource_ExitsWithTwo()
    {
        using var outText = new StringWriter();
        using var error = new StringWriter();

        var exit = TrainCommandLine.Build().Parse(["pretrain", "--out", Path.Combine(_dir, "pre")])
            .Invoke(new System.CommandLine.InvocationConfiguration { Output = outText, Error = error });

        Assert.Equal(2, exit);
        Assert.Contains("--unlabeled (an audiovisual corpus), --speech (a folder of recordings), or both", error.ToString(), StringComparison.Ordinal);
    }
}
