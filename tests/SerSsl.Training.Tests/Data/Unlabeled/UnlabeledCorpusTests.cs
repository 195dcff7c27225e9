using SerSsl.Core.Audio;
using SerSsl.TestSupport;
using SerSsl.Training.Data.Unlabeled;

namespace SerSsl.Training.Tests.Data.Unlabeled;

public sealed class UnlabeledCorpusTests : IDisposable
{
    private readonly string _root = RepoPaths.NewTempDirectory("unlabeled-corpus");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Load_MixedCorpus_KeepsGoodClipsAndCountsSkipsByReason()
    {
        Directory.CreateDirectory(Path.Combine(_root, "audio"));
        Directory.CreateDirectory(Path.Combine(_root, "face"));
        WriteClip("good", audioSeconds: 2.0, videoFrames: 60);
        WriteClip("close", audioSeconds: 1.4, videoFrames: 30); // video 1.0 s: 0.4 s apart, within 0.5 s
        WriteClip("long-audio", audioSeconds: 3.0, videoFrames: 60);
        WriteClip("no-face", audioSeconds: 1.0, videoFrames: 30);
        File.Delete(Path.Combine(_root, "face", "no-face.csv"));
        WriteClip("bad-wav", audioSeconds: 1.0, videoFrames: 30);
        File.WriteAllText(Path.Combine(_root, "audio", "bad-wav.wav"), "not a wav file at all, just text");
        WriteClip("bad-csv", audioSeconds: 1.0, videoFrames: 30);
        File.AppendAllText(Path.Combine(_root, "face", "bad-csv.csv"), "oops\n");
        File.WriteAllLines(Path.Combine(_root, "manifest.csv"),
        [
            "id,wav,openface,speaker",
            "good,audio/good.wav,face/good.csv,spk1",
            "close,audio/close.wav,face/close.csv,",
            "long-audio,audio/long-audio.wav,face/long-audio.csv,spk2",
            "no-face,audio/no-face.wav,face/no-face.csv,spk2",
            "bad-wav,audio/bad-wav.wav,face/bad-wav.csv,spk3",
            "bad-csv,audio/bad-csv.wav,face/bad-csv.csv,spk3",
        ]);
        var reports = new List<(int Done, int Total)>();

        var corpus = UnlabeledCorpus.Load(_root, progress: new SynchronousProgress(reports), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(["good", "close"], corpus.Clips.Select(static c => c.Id));
        var good = corpus.Clips[0];
        Assert.Equal(Path.Combine(_root, "audio", "good.wav"), good.WavPath);
        Assert.Equal(Path.Combine(_root, "face", "good.csv"), good.OpenFacePath);
        Assert.Equal("spk1", good.Speaker);
        Assert.Null(corpus.Clips[1].Speaker);
        Assert.Equal(2.0, good.AudioSeconds, 9);
        Assert.Equal(2.0, good.VideoSeconds, 3);
        Assert.Equal(60, good.VideoFrameCount);
        Assert.Equal(60, good.Track!.FrameCount);

        var summary = corpus.Summary;
        Assert.Equal((6, 2, 1, 1, 2), (summary.Listed, summary.Loaded, summary.MissingFiles, summary.DurationMismatch, summary.Unreadable));
        Assert.Equal(3.4, summary.AudioSeconds, 9);
        Assert.Equal(["long-audio", "no-face", "bad-wav", "bad-csv"], summary.Skipped.Select(static s => s.Id));
        Assert.Contains("audio 3.000 s, video 2.000 s", summary.Skipped[0].Detail, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_root, "face", "no-face.csv"), summary.Skipped[1].Detail, StringComparison.Ordinal);
        Assert.Contains("bad-csv.csv: line 32 has 1 fields", summary.Skipped[3].Detail, StringComparison.Ordinal);
        Assert.Equal(6, reports.Count);
        Assert.Equal(6, reports.Max(static r => r.Done));
        Assert.All(reports, static r => Assert.Equal(6, r.Total));
    }

    [Fact]
    public void Load_KeepTracksOff_DropsTracksButCanReadThemAgain()
    {
        Directory.CreateDirectory(Path.Combine(_root, "audio"));
        Directory.CreateDirectory(Path.Combine(_root, "face"));
        WriteClip("a", audioSeconds: 1.0, videoFrames: 30);
        var manifest = Path.Combine(_root, "list.csv");
        File.WriteAllLines(manifest, ["openface,id,wav", "face/a.csv,a,audio/a.wav"]);

        var corpus = UnlabeledCorpus.Load(manifest, new UnlabeledLoadOptions { KeepTracks = false }, cancellationToken: TestContext.Current.CancellationToken);

        var clip = Assert.Single(corpus.Clips);
        Assert.Null(clip.Track);
        Assert.Equal(30, clip.ReadTrack().FrameCount);
    }

    [Fact]
    public void Load_ManifestWithoutOpenFaceColumn_ErrorNamesColumn()
    {
        File.WriteAllLines(Path.Combine(_root, "manifest.csv"), ["id,wav", "a,a.wav"]);

        var error = Assert.Throws<InvalidDataException>(() => UnlabeledCorpus.Load(_root, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("required column 'openface' is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DuplicateId_ErrorNamesLine()
    {
        File.WriteAllLines(Path.Combine(_root, "manifest.csv"), ["id,wav,openface", "a,a.wav,a.csv", "a,b.wav,b.csv"]);

        var error = Assert.Throws<InvalidDataException>(() => UnlabeledCorpus.Load(_root, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("line 3: id 'a' is used a second time", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NoManifest_FileNotFound() =>
        Assert.Throws<FileNotFoundException>(() => UnlabeledCorpus.Load(_root, cancellationToken: TestContext.Current.CancellationToken));

    private void WriteClip(string id, double audioSeconds, int videoFrames)
    {
        var samples = new float[(int)(audioSeconds * 16000)];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (float)(0.1 * Math.Sin(i * 0.05));
        }

        WavFile.Write(Path.Combine(_root, "audio", id + ".wav"), samples, 16000, WavSampleFormat.Pcm16);
        OpenFaceCsvText.WriteFile(Path.Combine(_root, "face", id + ".csv"), OpenFaceCsvText.FullHeader(), videoFrames);
    }

    /// <summary>Records reports on the calling thread (Progress&lt;T&gt; would post them later).</summary>
    private sealed class SynchronousProgress(List<(int Done, int Total)> reports) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}
