using SerSsl.Core.Audio;
using SerSsl.Synthesis;
using SerSsl.TestSupport;

namespace SerSsl.Training.Tests.Synthesis;

/// <summary>One minute of synthetic audiovisual corpus, made once for the class.</summary>
public sealed class AvCorpusFixture : IDisposable
{
    public const long Seed = 11;

    public AvCorpusFixture()
    {
        if (SynthTestSupport.EspeakMissingReason is not null)
        {
            return;
        }

        Directory = Path.Combine(Path.GetTempPath(), "serssl-tests", $"synth-av-{Guid.NewGuid():N}");
        Result = new AvCorpusSynthesizer(Options(Directory, Seed, hours: 1.0 / 60)).Run();
    }

    public string? Directory { get; }

    internal AvCorpusResult? Result { get; }

    internal static AvCorpusOptions Options(string directory, long seed, double hours, int parallelism = 2) => new()
    {
        OutputDirectory = directory,
        Hours = hours,
        Seed = seed,
        Speakers = 4,
        Parallelism = parallelism,
    };

    public void Dispose() => SynthTestSupport.DeleteQuietly(Directory);
}

public sealed class AvCorpusSynthesizerTests(AvCorpusFixture fixture) : IClassFixture<AvCorpusFixture>
{
    private string Corpus
    {
        get
        {
            SynthTestSupport.RequireEspeak();
            return fixture.Directory!;
        }
    }

    [Fact]
    public void Run_OneMinute_ManifestListsEveryClipWithExistingFiles()
    {
        var lines = File.ReadAllLines(Path.Combine(Corpus, "manifest.csv"));

        Assert.Equal("id,wav,openface,speaker", lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal(fixture.Result!.Clips, rows.Length);
        Assert.InRange(rows.Length, 8, 20);
        Assert.Equal(rows.Length, rows.Select(r => r[0]).Distinct().Count());
        var seconds = 0.0;
        foreach (var row in rows)
        {
            Assert.Equal(4, row.Length);
            Assert.Matches("^spk0[1-4]$", row[3]);
            using var reader = WavReader.Open(Path.Combine(Corpus, row[1]));
            Assert.Equal(16000, reader.SampleRate);
            Assert.Equal(1, reader.Channels);
            Assert.InRange(reader.Duration!.Value.TotalSeconds, 3, 8);
            seconds += reader.Duration!.Value.TotalSeconds;
            Assert.True(File.Exists(Path.Combine(Corpus, row[2])), row[2]);
        }

        Assert.InRange(seconds, 60, 68);
    }

    [Fact]
    public void Run_LatentSidecar_NamesAnEmotionForEveryClip()
    {
        var ids = File.ReadAllLines(Path.Combine(Corpus, "manifest.csv")).Skip(1).Select(l => l.Split(',')[0]);
        var latent = File.ReadAllLines(Path.Combine(Corpus, "latent.csv"));

        Assert.Equal("id,emotion,intensity", latent[0]);
        Assert.Equal(ids, latent.Skip(1).Select(l => l.Split(',')[0]));
        string[] names = ["neutral", "happiness", "sadness", "surprise", "fear", "anger", "disgust", "contempt"];
        Assert.All(latent.Skip(1), l => Assert.Contains(l.Split(',')[1], names));
        Assert.StartsWith("SYNTHETIC DATA", File.ReadAllText(Path.Combine(Corpus, SyntheticCorpusFolder.NoticeFile)), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_OpenFaceCsv_HasOpenFaceColumnsWith68LandmarksAndActionUnits()
    {
        var expected = new List<string> { "frame", "face_id", "timestamp", "confidence", "success" };
        expected.AddRange(Enumerable.Range(0, 68).Select(i => $"x_{i}"));
        expected.AddRange(Enumerable.Range(0, 68).Select(i => $"y_{i}"));
        expected.AddRange(((int[])[1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 25, 26, 45]).Select(au => $"AU{au:D2}_r"));
        expected.AddRange(((int[])[1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 25, 26, 28, 45]).Select(au => $"AU{au:D2}_c"));

        foreach (var path in Directory.GetFiles(Path.Combine(Corpus, "openface")))
        {
            var (header, rows) = SynthTestSupport.ReadOpenFaceCsv(path);

            Assert.Equal(expected, header);
            Assert.All(rows, r => Assert.Equal(expected.Count, r.Length));
        }
    }

    [Fact]
    public void Run_OpenFaceCsv_Has30FpsFramesCoveringTheAudio()
    {
        foreach (var row in File.ReadAllLines(Path.Combine(Corpus, "manifest.csv")).Skip(1).Select(l => l.Split(',')))
        {
            var (_, rows) = SynthTestSupport.ReadOpenFaceCsv(Path.Combine(Corpus, row[2]));
            using var reader = WavReader.Open(Path.Combine(Corpus, row[1]));

            for (var f = 0; f < rows.Length; f++)
            {
                Assert.Equal(f + 1, rows[f][0]);
                Assert.Equal(f / 30.0, rows[f][2], 3);
            }

            Assert.InRange(rows.Length / 30.0, reader.Duration!.Value.TotalSeconds - 0.04, reader.Duration!.Value.TotalSeconds);
        }
    }

    [Fact]
    public void Run_OpenFaceCsv_HasShortBurstsOfUnsuccessfulFramesWithZeroLandmarks()
    {
        var failed = 0;
        var total = 0;
        foreach (var path in Directory.GetFiles(Path.Combine(Corpus, "openface")))
        {
            var (_, rows) = SynthTestSupport.ReadOpenFaceCsv(path);
            foreach (var r in rows)
            {
                total++;
                if (r[4] == 0)
                {
                    failed++;
                    Assert.True(r[3] < 0.3, $"confidence {r[3]} on a failed frame");
                    Assert.All(r[5..141], v => Assert.Equal(0, v));
                }
                else
                {
                    Assert.True(r[3] >= 0.5, $"confidence {r[3]} on a tracked frame");
                    Assert.InRange(r[5..141].Min(), 1, 640);
                }
            }
        }

        Assert.InRange(failed, 1, total / 10);
    }

    [Fact]
    public void Run_MouthOpening_CorrelatesWithAudioEnergy()
    {
        var opening = new List<double>();
        var rms = new List<double>();
        foreach (var row in File.ReadAllLines(Path.Combine(Corpus, "manifest.csv")).Skip(1).Select(l => l.Split(',')))
        {
            var (header, rows) = SynthTestSupport.ReadOpenFaceCsv(Path.Combine(Corpus, row[2]));
            var audio = WavFile.ReadMono(Path.Combine(Corpus, row[1]));
            int upper = Array.IndexOf(header, "y_62"), lower = Array.IndexOf(header, "y_66");
            foreach (var r in rows.Where(r => r[4] == 1))
            {
                // Frame RMS of the audio over one video frame from the frame's timestamp.
                var start = (int)(r[2] * 16000);
                var end = Math.Min(audio.Samples.Length, start + (16000 / 30));
                var sum = 0.0;
                for (var i = start; i < end; i++)
                {
                    sum += audio.Samples[i] * audio.Samples[i];
                }

                opening.Add(r[lower] - r[upper]);
                rms.Add(Math.Sqrt(sum / Math.Max(1, end - start)));
            }
        }

        var correlation = SynthTestSupport.Correlation(opening, rms);

        TestContext.Current.SendDiagnosticMessage($"mouth opening vs frame RMS: r = {correlation:F3} over {opening.Count} frames");
        Assert.True(correlation > 0.5, $"correlation {correlation:F3}");
    }

    [Fact]
    public void Run_SameSeed_GivesByteIdenticalFiles()
    {
        SynthTestSupport.RequireEspeak();
        var first = RepoPaths.NewTempDirectory("synth-av-a");
        var second = RepoPaths.NewTempDirectory("synth-av-b");
        try
        {
            new AvCorpusSynthesizer(AvCorpusFixture.Options(first, 5, hours: 0.004) with { Overwrite = true }).Run(cancellationToken: TestContext.Current.CancellationToken);
            new AvCorpusSynthesizer(AvCorpusFixture.Options(second, 5, hours: 0.004, parallelism: 1) with { Overwrite = true }).Run(cancellationToken: TestContext.Current.CancellationToken);

            var files = Directory.GetFiles(first, "*", SearchOption.AllDirectories).Where(p => !p.EndsWith(SyntheticCorpusFolder.NoticeFile, StringComparison.Ordinal)).ToArray();
            Assert.True(files.Length >= 5);
            foreach (var path in files)
            {
                var relative = Path.GetRelativePath(first, path);
                Assert.True(File.ReadAllBytes(path).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(second, relative))), $"{relative} differs");
            }
        }
        finally
        {
            SynthTestSupport.DeleteQuietly(first);
            SynthTestSupport.DeleteQuietly(second);
        }
    }
}
