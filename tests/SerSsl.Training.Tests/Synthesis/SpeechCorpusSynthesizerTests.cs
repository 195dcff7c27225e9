using System.Globalization;
using SerSsl.Core.Audio;
using SerSsl.Core.Features;
using SerSsl.Synthesis;
using SerSsl.TestSupport;

namespace SerSsl.Training.Tests.Synthesis;

/// <summary>One small synthetic CREMA-D corpus (2 actors x IEO and TIE: 44 clips), made once for the class.</summary>
public sealed class SpeechCorpusFixture : IDisposable
{
    public const long Seed = 7;

    public SpeechCorpusFixture()
    {
        if (SynthTestSupport.EspeakMissingReason is not null)
        {
            return;
        }

        Directory = Path.Combine(Path.GetTempPath(), "serssl-tests", $"synth-speech-{Guid.NewGuid():N}");
        Result = new SpeechCorpusSynthesizer(Options(Directory, Seed)).Run();
    }

    public string? Directory { get; }

    internal SpeechCorpusResult? Result { get; }

    internal static SpeechCorpusOptions Options(string directory, long seed, int parallelism = 2) => new()
    {
        OutputDirectory = directory,
        Actors = 2,
        Sentences = ["TIE", "IEO"],
        Seed = seed,
        Parallelism = parallelism,
    };

    public void Dispose() => SynthTestSupport.DeleteQuietly(Directory);
}

public sealed class SpeechCorpusSynthesizerTests(SpeechCorpusFixture fixture) : IClassFixture<SpeechCorpusFixture>
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
    public void Run_TwoActorsTwoSentences_WritesCremaDFileNames()
    {
        var expected = new List<string>();
        foreach (var actor in (int[])[1001, 1002])
        {
            expected.Add($"{actor}_IEO_NEU_XX.wav");
            foreach (var emotion in (string[])["ANG", "DIS", "FEA", "HAP", "SAD"])
            {
                expected.AddRange(((string[])["LO", "MD", "HI"]).Select(level => $"{actor}_IEO_{emotion}_{level}.wav"));
            }

            expected.AddRange(((string[])["ANG", "DIS", "FEA", "HAP", "NEU", "SAD"]).Select(emotion => $"{actor}_TIE_{emotion}_XX.wav"));
        }

        var actual = Directory.GetFiles(Path.Combine(Corpus, "AudioWAV")).Select(Path.GetFileName).Order(StringComparer.Ordinal);

        Assert.Equal(expected.Order(StringComparer.Ordinal), actual);
        Assert.Equal(44, fixture.Result!.Clips);
    }

    [Fact]
    public void Run_TwoActorsTwoSentences_WritesSixteenKilohertzMonoPcmOfPlausibleLength()
    {
        foreach (var path in Directory.GetFiles(Path.Combine(Corpus, "AudioWAV")))
        {
            using var reader = WavReader.Open(path);

            Assert.Equal(16000, reader.SampleRate);
            Assert.Equal(1, reader.Channels);
            Assert.Equal(16, reader.BitsPerSample);
            Assert.Equal(WavEncoding.Pcm, reader.Encoding);
            Assert.InRange(reader.Duration!.Value.TotalSeconds, 1.0, 6.0);
        }
    }

    [Fact]
    public void Run_MetadataFiles_HaveTheHeadersOfTheRealCremaDFiles()
    {
        var real = RepoPaths.RequireCremaDMetadata();
        var corpus = Corpus;

        foreach (var file in (string[])["SentenceFilenames.csv", "VideoDemographics.csv", "tabulatedVotes.csv", "summaryTable.csv"])
        {
            Assert.Equal(File.ReadLines(Path.Combine(real, file)).First(), File.ReadLines(Path.Combine(corpus, file)).First());
        }
    }

    [Fact]
    public void Run_MetadataFiles_ListEveryClipConsistently()
    {
        var corpus = Corpus;
        var names = Directory.GetFiles(Path.Combine(corpus, "AudioWAV")).Select(Path.GetFileNameWithoutExtension).ToHashSet();

        var sentenceRows = File.ReadAllLines(Path.Combine(corpus, "SentenceFilenames.csv")).Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal(names.Count, sentenceRows.Length);
        Assert.Equal(Enumerable.Range(1, names.Count).Select(i => i.ToString(CultureInfo.InvariantCulture)), sentenceRows.Select(r => r[0]));
        Assert.Equal("\"1001_IEO_NEU_XX\"", sentenceRows[0][1]);
        Assert.True(sentenceRows.All(r => names.Contains(r[1].Trim('"'))));

        var demographics = File.ReadAllLines(Path.Combine(corpus, "VideoDemographics.csv")).Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal(["1001", "1002"], demographics.Select(r => r[0]));
        Assert.Equal(["\"Female\"", "\"Male\""], demographics.Select(r => r[2]).Order(StringComparer.Ordinal));

        var votes = File.ReadAllLines(Path.Combine(corpus, "tabulatedVotes.csv")).Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal(3 * names.Count, votes.Length);
        for (var modality = 1; modality <= 3; modality++)
        {
            var rows = votes.Skip((modality - 1) * names.Count).Take(names.Count).ToArray();
            Assert.Equal(Enumerable.Range(1, names.Count).Select(i => $"\"{modality}{i:D5}\""), rows.Select(r => r[0]));
        }

        foreach (var row in votes)
        {
            var counts = row[1..7].Select(int.Parse).ToArray();
            Assert.Equal(int.Parse(row[8], CultureInfo.InvariantCulture), counts.Sum());
            Assert.Contains(row[7].Trim('"'), names);
        }

        var summary = File.ReadAllLines(Path.Combine(corpus, "summaryTable.csv")).Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal(names.Count, summary.Length);
        Assert.True(summary.All(r => r.Length == 8));
    }

    [Fact]
    public void Run_Votes_IntendedEmotionWinsMostClipsInTheAudiovisualRatings()
    {
        var rows = File.ReadAllLines(Path.Combine(Corpus, "tabulatedVotes.csv")).Skip(1)
            .Select(l => l.Split(','))
            .Where(r => r[0].StartsWith("\"3", StringComparison.Ordinal))
            .ToArray();

        var wins = rows.Count(r => r[10].Trim('"') == r[7].Trim('"').Split('_')[2][..1]);

        Assert.InRange(wins, rows.Length / 2, rows.Length);
    }

    [Fact]
    public void Run_SameSeed_GivesByteIdenticalFiles()
    {
        var first = Corpus;
        var second = RepoPaths.NewTempDirectory("synth-speech-again");
        try
        {
            new SpeechCorpusSynthesizer(SpeechCorpusFixture.Options(second, SpeechCorpusFixture.Seed, parallelism: 1) with { Overwrite = true }).Run(cancellationToken: TestContext.Current.CancellationToken);

            foreach (var path in Directory.GetFiles(first, "*", SearchOption.AllDirectories).Where(p => !p.EndsWith(SyntheticCorpusFolder.NoticeFile, StringComparison.Ordinal)))
            {
                var relative = Path.GetRelativePath(first, path);
                Assert.True(File.ReadAllBytes(path).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(second, relative))), $"{relative} differs");
            }
        }
        finally
        {
            SynthTestSupport.DeleteQuietly(second);
        }
    }

    [Fact]
    public void Run_DifferentSeed_GivesDifferentAudio()
    {
        var first = Corpus;
        var other = RepoPaths.NewTempDirectory("synth-speech-other");
        try
        {
            new SpeechCorpusSynthesizer(SpeechCorpusFixture.Options(other, SpeechCorpusFixture.Seed + 1) with { Overwrite = true }).Run(cancellationToken: TestContext.Current.CancellationToken);

            var differing = Directory.GetFiles(Path.Combine(first, "AudioWAV"))
                .Count(path => !File.ReadAllBytes(path).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(other, "AudioWAV", Path.GetFileName(path)))));
            Assert.Equal(44, differing);
        }
        finally
        {
            SynthTestSupport.DeleteQuietly(other);
        }
    }

    [Fact]
    public void Run_AngerAndSadness_DifferInLoudnessAndDuration()
    {
        var anger = Measure(Corpus, "ANG");
        var sadness = Measure(Corpus, "SAD");

        TestContext.Current.SendDiagnosticMessage($"ANG: {anger.Decibels:F1} dB, {anger.Seconds:F2} s; SAD: {sadness.Decibels:F1} dB, {sadness.Seconds:F2} s");
        Assert.True(anger.Decibels > sadness.Decibels + 4, $"anger {anger.Decibels:F1} dB vs sadness {sadness.Decibels:F1} dB");
        Assert.True(sadness.Seconds > anger.Seconds, $"sadness {sadness.Seconds:F2} s vs anger {anger.Seconds:F2} s");
    }

    [Fact]
    public void Run_Notice_SaysSyntheticWithCommandAndSeed()
    {
        var notice = File.ReadAllText(Path.Combine(Corpus, SyntheticCorpusFolder.NoticeFile));

        Assert.StartsWith("SYNTHETIC DATA", notice, StringComparison.Ordinal);
        Assert.Contains("sers-train synth speech --out ", notice, StringComparison.Ordinal);
        Assert.Contains("--actors 2 --sentences IEO TIE --seed 7", notice, StringComparison.Ordinal);
        Assert.Contains("seed:      7", notice, StringComparison.Ordinal);
        Assert.Contains("IEO  It's eleven o'clock", notice, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_NonEmptyFolderWithoutOverwrite_RefusesToWrite()
    {
        var corpus = Corpus;

        var ex = Assert.Throws<IOException>(() => new SpeechCorpusSynthesizer(SpeechCorpusFixture.Options(corpus, 1)).Run(cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("--overwrite", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_ClipsPerEmotion_KeepsAtMostThatManyOfEachEmotion()
    {
        var clips = CremaDClip.Plan(10, SynthTexts.CremaDCodes, clipsPerEmotion: 25, seed: 3);

        Assert.Equal(150, clips.Count);
        Assert.All(clips.GroupBy(c => c.Emotion), g => Assert.Equal(25, g.Count()));
        Assert.Equal(Enumerable.Range(1, 150), clips.Select(c => c.StimulusNumber));
        Assert.True(clips.Select(c => c.ActorId).Distinct().Count() >= 8, "the subset should spread over actors");
    }

    [Fact]
    public void Plan_FullCremaDSize_HasTheRealClipCountPerActor()
    {
        var clips = CremaDClip.Plan(91, SynthTexts.CremaDCodes, clipsPerEmotion: null, seed: 1);

        Assert.Equal(91 * 82, clips.Count);
        Assert.Equal("1001_IEO_NEU_XX", clips[0].Name);
        Assert.Equal("1001_IEO_HAP_LO", clips[1].Name);
        Assert.Equal("1091_WSI_DIS_XX", clips[^1].Name);
    }

    private static (double Decibels, double Seconds) Measure(string corpus, string emotion)
    {
        var levels = new List<double>();
        var seconds = new List<double>();
        foreach (var path in Directory.GetFiles(Path.Combine(corpus, "AudioWAV"), $"*_{emotion}_*.wav"))
        {
            var audio = WavFile.ReadMono(path);
            var energy = FrameEnergy.Compute(audio.Samples);
            var max = energy.Max();

            // Mean energy of the loud frames (within 20 dB of the loudest, above the noise floor) and the clip length.
            levels.Add(energy.Where(e => e > max - 20).Average());
            seconds.Add(audio.Duration.TotalSeconds);
        }

        return (levels.Average(), seconds.Average());
    }
}
