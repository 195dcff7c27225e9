using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using SerSsl.Core.Audio;
using SerSsl.Core.Labels;

namespace SerSsl.Synthesis;

/// <summary>What <see cref="SpeechCorpusSynthesizer"/> makes.</summary>
internal sealed record SpeechCorpusOptions
{
    /// <summary>The corpus folder; created, and it must be empty unless <see cref="Overwrite"/>.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Number of actors (ids 1001 and up), 1-999; CREMA-D has 91.</summary>
    public int Actors { get; init; } = 91;

    /// <summary>Sentence codes to record, in any order (written in CREMA-D's order); all twelve by default.</summary>
    public IReadOnlyList<string> Sentences { get; init; } = SynthTexts.CremaDCodes;

    /// <summary>At most this many clips per emotion (a seeded subset of the full grid); null for all.</summary>
    public int? ClipsPerEmotion { get; init; }

    /// <summary>The seed every random choice derives from.</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Clips synthesised at once (espeak-ng processes), at least 1.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>The espeak-ng executable; <c>espeak-ng</c> on PATH when null.</summary>
    public string? EspeakExecutable { get; init; }

    /// <summary>Allow a non-empty output folder, replacing the files an earlier run wrote there.</summary>
    public bool Overwrite { get; init; }

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">An option is out of range or names an unknown sentence.</exception>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(OutputDirectory, nameof(OutputDirectory));
        if (Actors is < 1 or > 999)
        {
            throw new ArgumentException($"The number of actors must be 1 to 999 (ids 1001-1999); got {Actors}.", nameof(Actors));
        }

        if (Sentences.Count == 0)
        {
            throw new ArgumentException("At least one sentence is needed.", nameof(Sentences));
        }

        foreach (var sentence in Sentences)
        {
            _ = SynthTexts.CremaDText(sentence);
        }

        if (Sentences.Distinct(StringComparer.OrdinalIgnoreCase).Count() != Sentences.Count)
        {
            throw new ArgumentException($"A sentence is listed twice: {string.Join(' ', Sentences)}.", nameof(Sentences));
        }

        if (ClipsPerEmotion is < 1)
        {
            throw new ArgumentException($"Clips per emotion must be at least 1; got {ClipsPerEmotion}.", nameof(ClipsPerEmotion));
        }

        if (Parallelism < 1)
        {
            throw new ArgumentException($"Parallelism must be at least 1; got {Parallelism}.", nameof(Parallelism));
        }
    }

    /// <summary>The <c>sers-train</c> command line that makes this corpus.</summary>
    public string ToCommandLine()
    {
        var sentences = SynthTexts.CremaDCodes.Where(code => Sentences.Contains(code, StringComparer.OrdinalIgnoreCase));
        var line = string.Create(CultureInfo.InvariantCulture, $"sers-train synth speech --out {Quote(OutputDirectory)} --actors {Actors} --sentences {string.Join(' ', sentences)} --seed {Seed}");
        return ClipsPerEmotion is int cap ? string.Create(CultureInfo.InvariantCulture, $"{line} --clips-per-emotion {cap}") : line;
    }

    /// <summary>
    /// A path as a command line shows it: relative to the current folder when it lies inside it (so recorded commands
    /// can be rerun from the same place on another machine), quoted when it holds a space.
    /// </summary>
    internal static string Quote(string path)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        var shown = Path.IsPathRooted(relative) || relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
        return shown.Contains(' ', StringComparison.Ordinal) ? $"\"{shown}\"" : shown;
    }
}

/// <summary>The outcome of <see cref="SpeechCorpusSynthesizer.Run"/>.</summary>
/// <param name="OutputDirectory">The corpus folder.</param>
/// <param name="Clips">Clips written.</param>
/// <param name="Actors">Actors in the demographics table.</param>
/// <param name="AudioSeconds">Total audio duration.</param>
/// <param name="Elapsed">Wall-clock time of the whole run.</param>
internal sealed record SpeechCorpusResult(string OutputDirectory, int Clips, int Actors, double AudioSeconds, TimeSpan Elapsed);

/// <summary>
/// Makes a synthetic emotional speech corpus in the CREMA-D layout: <c>AudioWAV/ActorID_Sentence_Emotion_Level.wav</c>
/// (16 kHz mono 16-bit PCM) plus <c>SentenceFilenames.csv</c>, <c>VideoDemographics.csv</c> and simulated
/// <c>tabulatedVotes.csv</c> and <c>summaryTable.csv</c>, and a <c>SYNTHETIC.txt</c> notice.
/// </summary>
/// <remarks>
/// Each clip is CREMA-D's sentence spoken by espeak-ng in the actor's voice under the intended emotion's prosody
/// profile (<see cref="ProsodyProfiles"/>) at the level's intensity, then resampled, shaped (tilt, tremolo, loudness),
/// padded with 0.15-0.45 s of silence before and 0.1-0.35 s after, and mixed with noise at 15-35 dB SNR. Every random
/// choice derives from the seed and the clip's name (or the actor's id), so a seed gives byte-identical files whatever
/// the parallelism, and a subset (<see cref="SpeechCorpusOptions.ClipsPerEmotion"/>) has the same clips as the full
/// grid. Votes depend on the intensity each clip was rendered with.
/// </remarks>
internal sealed class SpeechCorpusSynthesizer
{
    /// <summary>The audio folder inside the corpus folder.</summary>
    public const string AudioFolder = "AudioWAV";

    private readonly SpeechCorpusOptions _options;
    private readonly EspeakSynthesizer _espeak;

    /// <summary>Creates a synthesizer for <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public SpeechCorpusSynthesizer(SpeechCorpusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _espeak = new EspeakSynthesizer(options.EspeakExecutable);
    }

    /// <summary>The clips this corpus has, in stimulus order.</summary>
    public IReadOnlyList<CremaDClip> Clips => CremaDClip.Plan(_options.Actors, OrderedSentences(), _options.ClipsPerEmotion, _options.Seed);

    /// <summary>Generates the corpus.</summary>
    /// <param name="progress">Receives a report after every clip; may be called from several threads.</param>
    /// <param name="cancellationToken">Stops between clips.</param>
    /// <exception cref="EspeakNotFoundException">espeak-ng cannot be started.</exception>
    /// <exception cref="IOException">The output folder is not empty (without overwrite) or cannot be written.</exception>
    /// <exception cref="InvalidOperationException">espeak-ng failed on a clip.</exception>
    public SpeechCorpusResult Run(IProgress<SynthesisProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        var version = _espeak.GetVersion();
        var directory = _options.OutputDirectory;
        SyntheticCorpusFolder.Prepare(directory, _options.Overwrite, [AudioFolder, CremaDMetadataWriter.SentenceFilenamesFile, CremaDMetadataWriter.DemographicsFile, CremaDMetadataWriter.TabulatedVotesFile, CremaDMetadataWriter.SummaryTableFile]);
        var audioDirectory = Path.Combine(directory, AudioFolder);
        Directory.CreateDirectory(audioDirectory);

        var sentences = OrderedSentences();
        var clips = Clips;
        var actors = CreateActors(_options.Actors, _options.Seed);
        SyntheticCorpusFolder.WriteNotice(
            directory,
            "emotional speech in the CREMA-D layout",
            _options.ToCommandLine(),
            _options.Seed,
            version,
            Describe(clips.Count, sentences));

        var durations = new double[clips.Count];
        var completed = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken };
        try
        {
            Parallel.For(0, clips.Count, parallel, i =>
            {
                var clip = clips[i];
                var samples = RenderClip(clip, actors[clip.ActorId - 1001]);
                WavFile.Write(Path.Combine(audioDirectory, clip.Name + ".wav"), samples, SpeechPostProcessor.SampleRate, WavSampleFormat.Pcm16);
                durations[i] = samples.Length / (double)SpeechPostProcessor.SampleRate;
                progress?.Report(new SynthesisProgress(Interlocked.Increment(ref completed), clips.Count, stopwatch.Elapsed));
            });
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
            throw;
        }

        var votes = clips.Select(clip => SimulateVotes(clip, actors[clip.ActorId - 1001])).ToList();
        CremaDMetadataWriter.WriteSentenceFilenames(directory, clips);
        CremaDMetadataWriter.WriteDemographics(directory, actors);
        CremaDMetadataWriter.WriteVoteTables(directory, clips, votes);
        return new SpeechCorpusResult(directory, clips.Count, actors.Count, durations.Sum(), stopwatch.Elapsed);
    }

    /// <summary>The actors 1001.. of a corpus: balanced sexes, voices, pitch, rate, expressiveness, demographics.</summary>
    internal static IReadOnlyList<SpeakerProfile> CreateActors(int count, long seed) =>
        SpeakerProfile.CreateSet([.. Enumerable.Range(1001, count).Select(id => id.ToString(CultureInfo.InvariantCulture))], seed, "speech");

    /// <summary>
    /// The intensity a clip is rendered with: its level's intensity (<see cref="CremaDClip.LevelIntensity"/>) times the
    /// actor's expressiveness times a per-take factor of 0.85-1.15.
    /// </summary>
    internal static double ClipIntensity(CremaDClip clip, SpeakerProfile actor, long seed)
    {
        var random = SynthRandom.For(seed, "speech/intensity/" + clip.Name);
        return CremaDClip.LevelIntensity(clip.Level, random) * actor.Expressiveness * random.Uniform(0.85, 1.15);
    }

    /// <summary>Synthesises one clip: 16 kHz samples ready to write.</summary>
    internal float[] RenderClip(CremaDClip clip, SpeakerProfile actor)
    {
        var random = SynthRandom.For(_options.Seed, "speech/clip/" + clip.Name);
        var emotion = SynthEmotions.FromCremaDCode(clip.Emotion);
        var prosody = ProsodyProfiles.For(emotion).Sample(actor, ClipIntensity(clip, actor, _options.Seed), random);
        var audio = _espeak.Synthesize(actor.Voice, prosody, SynthTexts.CremaDText(clip.Sentence), random);
        var speech = SpeechPostProcessor.Resample(audio);
        SpeechPostProcessor.ApplyProsody(speech, prosody, random);
        var samples = SpeechPostProcessor.Pad(speech, random.Uniform(0.15, 0.45), random.Uniform(0.1, 0.35));
        SpeechPostProcessor.AddNoise(samples, random.Uniform(15, 35), random);
        return samples;
    }

    private VoteTally[] SimulateVotes(CremaDClip clip, SpeakerProfile actor)
    {
        var intended = CremaDEmotion.IndexOfCode(clip.Emotion);
        var intensity = ClipIntensity(clip, actor, _options.Seed);
        return
        [
            .. ((VoteModality[])[VoteModality.Voice, VoteModality.Face, VoteModality.AudioVisual]).Select(modality =>
                VoteSimulator.Simulate(intended, clip.Level, intensity, modality, SynthRandom.For(_options.Seed, $"speech/votes/{(int)modality}/{clip.Name}"))),
        ];
    }

    private string[] OrderedSentences() =>
        [.. SynthTexts.CremaDCodes.Where(code => _options.Sentences.Contains(code, StringComparer.OrdinalIgnoreCase))];

    private static IEnumerable<string> Describe(int clips, IReadOnlyList<string> sentences)
    {
        yield return string.Create(CultureInfo.InvariantCulture, $"{clips} clips in AudioWAV/ActorID_Sentence_Emotion_Level.wav, 16 kHz mono 16-bit PCM.");
        yield return "Emotions ANG DIS FEA HAP NEU SAD; levels LO MD HI for sentence IEO (XX for its neutral clip), XX elsewhere.";
        yield return "VideoDemographics.csv lists synthetic actors (espeak-ng voice variants), not CREMA-D's actors.";
        yield return "tabulatedVotes.csv and summaryTable.csv hold simulated ratings, not a perception study.";
        yield return "Prosody profiles: docs/data-formats.md, section \"Synthetic corpora\".";
        yield return string.Empty;
        yield return "Sentences:";
        foreach (var code in sentences)
        {
            yield return $"  {code}  {SynthTexts.CremaDText(code)}";
        }
    }
}
