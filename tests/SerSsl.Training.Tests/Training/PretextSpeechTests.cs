using SerSsl.Core.Audio;
using SerSsl.Core.Features;
using SerSsl.TestSupport;
using SerSsl.Training.Data.Features;
using SerSsl.Training.Data.Unlabeled;
using SerSsl.Training.Tests.Synthesis;
using SerSsl.Training.Training;

namespace SerSsl.Training.Tests.Training;

/// <summary>Pre-training data from unlabeled speech: energy targets only, long recordings cut into pieces.</summary>
public sealed class PretextSpeechTests : IDisposable
{
    private const int Rate = 16000;
    private readonly string _dir = RepoPaths.NewTempDirectory("pretext-speech");

    public void Dispose() => SynthTestSupport.DeleteQuietly(_dir);

    [Fact]
    public void Build_SpeechOnly_GivesEnergyTargetsAndMasksFaceAndAu()
    {
        var speech = Path.Combine(_dir, "speech");
        WriteRecording(Path.Combine(speech, "1001_DFA_ANG_XX.wav"), seconds: 3.0, seed: 1);
        WriteRecording(Path.Combine(speech, "sub", "talk.wav"), seconds: 2.5, seed: 2);
        var folder = SpeechFolder.Scan(speech);
        var cache = new FeatureCache(Path.Combine(_dir, "cache"), LogMelSettings.Default);

        var data = PretextData.Build(new PretextSources(null, null, folder, cache), 100, 1, null, CancellationToken.None);

        Assert.Equal(["1001_DFA_ANG_XX.wav", "sub/talk.wav"], data.Examples.Select(e => e.Id));
        Assert.Equal(3, data.ChunkCount); // Tmax 3 s: three 1 s chunks per clip
        Assert.Null(data.FaceThreshold);
        var energyMask = data.Examples.SelectMany(e => e.EnergyMask).ToArray();
        Assert.Equal(energyMask.Length, energyMask.Count(m => m == 1f)); // every chunk has at least 0.1 s of audio
        var targets = data.Examples.SelectMany(e => e.EnergyTargets).ToArray();
        Assert.Contains(1f, targets); // a median split: both labels occur
        Assert.Contains(0f, targets);
        Assert.All(data.Examples, e => Assert.All(e.FaceMask, m => Assert.Equal(0f, m)));
        Assert.All(data.Examples, e => Assert.Equal(0f, e.AuMask));
        Assert.Contains("speech clips from 2 recordings (all 2 recordings; energy task only)", data.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_LongRecording_IsCutIntoPiecesNoLongerThanTheLimit()
    {
        var speech = Path.Combine(_dir, "speech");
        WriteRecording(Path.Combine(speech, "long.wav"), seconds: 25.0, seed: 3);
        var cache = new FeatureCache(Path.Combine(_dir, "cache"), LogMelSettings.Default);

        var data = PretextData.Build(new PretextSources(null, null, SpeechFolder.Scan(speech), cache), 100, 1, null, CancellationToken.None);

        Assert.Equal(["long.wav#0", "long.wav#1", "long.wav#2"], data.Examples.Select(e => e.Id));
        Assert.True(data.MaxSentenceFrames <= PretextData.DefaultMaxSpeechFrames, $"Tmax {data.MaxSentenceFrames} frames");
    }

    [Fact]
    public void Pieces_SplitIntoNearEqualConsecutiveSpans_ThatJoinBackToTheRecording()
    {
        const int frames = 2501, bins = 4;
        var logMel = Enumerable.Range(0, frames * bins).Select(i => (float)i).ToArray();
        var energy = Enumerable.Range(0, frames).Select(i => (float)-i).ToArray();
        var features = new ClipFeatures("r", logMel, frames, bins, energy);

        var pieces = PretextData.Pieces(features, 1000);

        Assert.Equal([833, 834, 834], pieces.Select(p => p.FrameCount));
        Assert.Equal(logMel, pieces.SelectMany(p => p.LogMel));
        Assert.Equal(energy, pieces.SelectMany(p => p.EnergyDb));
        Assert.Same(features, Assert.Single(PretextData.Pieces(features, frames)));
    }

    [Fact]
    public void Labelled_FaceTaskWithSpeechOnly_IsRefusedNamingTheAudiovisualCorpus()
    {
        var speech = Path.Combine(_dir, "speech");
        WriteRecording(Path.Combine(speech, "a.wav"), seconds: 2.0, seed: 4);
        var cache = new FeatureCache(Path.Combine(_dir, "cache"), LogMelSettings.Default);
        var data = PretextData.Build(new PretextSources(null, null, SpeechFolder.Scan(speech), cache), 100, 1, null, CancellationToken.None);

        var error = Assert.Throws<InvalidOperationException>(() => Pretrainer.Labelled(data.Examples, PretextTasks.Energy | PretextTasks.Face));

        Assert.Contains("face task", error.Message, StringComparison.Ordinal);
        Assert.Contains("--unlabeled", error.Message, StringComparison.Ordinal);
        Assert.Same(data.Examples, Pretrainer.Labelled(data.Examples, PretextTasks.Energy));
    }

    [Fact]
    public void Build_NoSource_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => PretextData.Build(new PretextSources(null, null, null, null), 100, 1, null, CancellationToken.None));

        Assert.Contains("--speech", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A tone whose loudness rises and falls in syllable-like bursts, so chunks differ in energy variation.</summary>
    private static void WriteRecording(string path, double seconds, int seed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var random = new Random(seed);
        var samples = new float[(int)(seconds * Rate)];
        var burst = 0.0;
        for (var i = 0; i < samples.Length; i++)
        {
            if (i % 1600 == 0)
            {
                burst = random.NextDouble() < 0.5 ? 0.02 : 0.2 + (0.6 * random.NextDouble());
            }

            samples[i] = (float)(burst * Math.Sin(2 * Math.PI * 220 * i / Rate) + (0.001 * (random.NextDouble() - 0.5)));
        }

        WavFile.Write(path, samples, Rate, WavSampleFormat.Pcm16);
    }
}
