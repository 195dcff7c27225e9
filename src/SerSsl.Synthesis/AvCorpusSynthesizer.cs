using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text;
using SerSsl.Core.Audio;
using SerSsl.Core.Faces;

namespace SerSsl.Synthesis;

/// <summary>What <see cref="AvCorpusSynthesizer"/> makes.</summary>
internal sealed record AvCorpusOptions
{
    /// <summary>The corpus folder; created, and it must be empty unless <see cref="Overwrite"/>.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Total audio to make, in hours (clips are added until the total reaches it).</summary>
    public double Hours { get; init; } = 1;

    /// <summary>The seed every random choice derives from.</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Number of speakers (ids <c>spk01</c>..), at least 1.</summary>
    public int Speakers { get; init; } = 24;

    /// <summary>Shortest clip in seconds.</summary>
    public double MinClipSeconds { get; init; } = 3;

    /// <summary>Longest clip in seconds.</summary>
    public double MaxClipSeconds { get; init; } = 8;

    /// <summary>Clips synthesised at once (espeak-ng processes), at least 1.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>The espeak-ng executable; <c>espeak-ng</c> on PATH when null.</summary>
    public string? EspeakExecutable { get; init; }

    /// <summary>Allow a non-empty output folder, replacing the files an earlier run wrote there.</summary>
    public bool Overwrite { get; init; }

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(OutputDirectory, nameof(OutputDirectory));
        if (!(Hours > 0) || Hours > 1000)
        {
            throw new ArgumentException($"Hours must be above 0 and at most 1000; got {Hours}.", nameof(Hours));
        }

        if (Speakers < 1)
        {
            throw new ArgumentException($"At least one speaker is needed; got {Speakers}.", nameof(Speakers));
        }

        if (!(MinClipSeconds >= 1) || !(MaxClipSeconds >= MinClipSeconds) || MaxClipSeconds > 60)
        {
            throw new ArgumentException($"Clip lengths must satisfy 1 <= min <= max <= 60 s; got {MinClipSeconds}-{MaxClipSeconds} s.", nameof(MinClipSeconds));
        }

        if (Parallelism < 1)
        {
            throw new ArgumentException($"Parallelism must be at least 1; got {Parallelism}.", nameof(Parallelism));
        }
    }

    /// <summary>The <c>sers-train</c> command line that makes this corpus.</summary>
    public string ToCommandLine() => string.Create(
        CultureInfo.InvariantCulture,
        $"sers-train synth av --out {SpeechCorpusOptions.Quote(OutputDirectory)} --hours {Hours} --seed {Seed} --speakers {Speakers} --min-seconds {MinClipSeconds} --max-seconds {MaxClipSeconds}");
}

/// <summary>One planned clip of the audiovisual corpus.</summary>
/// <param name="Id">The clip id, e.g. <c>av00001</c>.</param>
/// <param name="Speaker">Index into the corpus's speakers.</param>
/// <param name="Emotion">The latent emotion that drives its prosody and face.</param>
/// <param name="Intensity">How strongly the emotion is expressed.</param>
/// <param name="Samples">Length in 16 kHz samples.</param>
internal sealed record AvClipPlan(string Id, int Speaker, SynthEmotion Emotion, double Intensity, int Samples);

/// <summary>The outcome of <see cref="AvCorpusSynthesizer.Run"/>.</summary>
/// <param name="OutputDirectory">The corpus folder.</param>
/// <param name="Clips">Clips written.</param>
/// <param name="Speakers">Speakers.</param>
/// <param name="AudioSeconds">Total audio duration.</param>
/// <param name="Elapsed">Wall-clock time of the whole run.</param>
internal sealed record AvCorpusResult(string OutputDirectory, int Clips, int Speakers, double AudioSeconds, TimeSpan Elapsed);

/// <summary>
/// Makes a synthetic unlabeled audiovisual corpus: per clip a WAV file (16 kHz mono 16-bit PCM) and an OpenFace 2.x
/// CSV (30 fps), listed in <c>manifest.csv</c> (<c>id,wav,openface,speaker</c>, see <c>docs/data-formats.md</c>),
/// with a <c>latent.csv</c> sidecar naming each clip's latent emotion (for analysis only; training never reads it)
/// and a <c>SYNTHETIC.txt</c> notice.
/// </summary>
/// <remarks>
/// A clip draws a speaker, a latent emotion (neutral 30%, each of the seven others 10%), an intensity (0.5-1.2 times
/// the speaker's expressiveness) and a length (uniform between the minimum and maximum). Its audio is CREMA-D and
/// Harvard sentences spoken by espeak-ng under the emotion's prosody profile, after 0.1-0.5 s of silence, cut at a
/// pause or padded to the length, with noise at 15-35 dB SNR. Its face track (<see cref="OpenFaceTrackSimulator"/>)
/// shows the emotion's AU pattern, and its mouth opens with the energy of the clip's speech. Deterministic for a seed.
/// </remarks>
internal sealed class AvCorpusSynthesizer
{
    /// <summary>The manifest's file name.</summary>
    public const string ManifestFile = "manifest.csv";

    /// <summary>The latent-emotion sidecar's file name.</summary>
    public const string LatentFile = "latent.csv";

    /// <summary>The audio folder.</summary>
    public const string AudioFolder = "wav";

    /// <summary>The OpenFace CSV folder.</summary>
    public const string OpenFaceFolder = "openface";

    private static readonly double[] s_emotionWeights = [0.3, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];

    private readonly AvCorpusOptions _options;
    private readonly EspeakSynthesizer _espeak;

    /// <summary>Creates a synthesizer for <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public AvCorpusSynthesizer(AvCorpusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _espeak = new EspeakSynthesizer(options.EspeakExecutable);
    }

    /// <summary>Generates the corpus.</summary>
    /// <param name="progress">Receives a report after every clip; may be called from several threads.</param>
    /// <param name="cancellationToken">Stops between clips.</param>
    /// <exception cref="EspeakNotFoundException">espeak-ng cannot be started.</exception>
    /// <exception cref="IOException">The output folder is not empty (without overwrite) or cannot be written.</exception>
    /// <exception cref="InvalidOperationException">espeak-ng failed on a clip.</exception>
    public AvCorpusResult Run(IProgress<SynthesisProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        var version = _espeak.GetVersion();
        var directory = _options.OutputDirectory;
        SyntheticCorpusFolder.Prepare(directory, _options.Overwrite, [AudioFolder, OpenFaceFolder, ManifestFile, LatentFile]);
        Directory.CreateDirectory(Path.Combine(directory, AudioFolder));
        Directory.CreateDirectory(Path.Combine(directory, OpenFaceFolder));

        var speakers = CreateSpeakers(_options.Speakers, _options.Seed);
        var faces = speakers.Select(s => FaceTemplate.ForSpeaker(SynthRandom.For(_options.Seed, "av/face-shape/" + s.Id))).ToArray();
        var plan = Plan(speakers);
        var totalSeconds = plan.Sum(c => c.Samples) / (double)SpeechPostProcessor.SampleRate;
        SyntheticCorpusFolder.WriteNotice(
            directory,
            "unlabeled audiovisual corpus (speech and OpenFace-format face tracks)",
            _options.ToCommandLine(),
            _options.Seed,
            version,
            Describe(plan.Count, totalSeconds));

        var completed = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken };
        try
        {
            Parallel.For(0, plan.Count, parallel, i =>
            {
                var clip = plan[i];
                var (samples, track) = RenderClip(clip, speakers[clip.Speaker], faces[clip.Speaker]);
                WavFile.Write(Path.Combine(directory, AudioFolder, clip.Id + ".wav"), samples, SpeechPostProcessor.SampleRate, WavSampleFormat.Pcm16);
                OpenFaceCsvWriter.Write(Path.Combine(directory, OpenFaceFolder, clip.Id + ".csv"), track);
                progress?.Report(new SynthesisProgress(Interlocked.Increment(ref completed), plan.Count, stopwatch.Elapsed));
            });
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
            throw;
        }

        var manifest = new StringBuilder("id,wav,openface,speaker\n");
        var latent = new StringBuilder("id,emotion,intensity\n");
        foreach (var clip in plan)
        {
            manifest.Append(clip.Id).Append(',').Append(AudioFolder).Append('/').Append(clip.Id).Append(".wav,")
                .Append(OpenFaceFolder).Append('/').Append(clip.Id).Append(".csv,").Append(speakers[clip.Speaker].Id).Append('\n');
            latent.Append(clip.Id).Append(',').Append(SynthEmotions.Name(clip.Emotion)).Append(',')
                .Append(clip.Intensity.ToString("F3", CultureInfo.InvariantCulture)).Append('\n');
        }

        File.WriteAllText(Path.Combine(directory, ManifestFile), manifest.ToString(), new UTF8Encoding(false));
        File.WriteAllText(Path.Combine(directory, LatentFile), latent.ToString(), new UTF8Encoding(false));
        return new AvCorpusResult(directory, plan.Count, speakers.Count, totalSeconds, stopwatch.Elapsed);
    }

    /// <summary>The speakers <c>spk01</c>.. of a corpus.</summary>
    internal static IReadOnlyList<SpeakerProfile> CreateSpeakers(int count, long seed)
    {
        var width = Math.Max(2, count.ToString(CultureInfo.InvariantCulture).Length);
        return SpeakerProfile.CreateSet([.. Enumerable.Range(1, count).Select(i => "spk" + i.ToString("D" + width.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture))], seed, "av");
    }

    /// <summary>The clips of the corpus: lengths drawn until their total reaches the requested hours.</summary>
    internal IReadOnlyList<AvClipPlan> Plan(IReadOnlyList<SpeakerProfile> speakers)
    {
        var random = SynthRandom.For(_options.Seed, "av/plan");
        var target = _options.Hours * 3600 * SpeechPostProcessor.SampleRate;
        var lengths = new List<int>();
        for (double total = 0; total < target;)
        {
            var samples = (int)Math.Round(random.Uniform(_options.MinClipSeconds, _options.MaxClipSeconds) * SpeechPostProcessor.SampleRate);
            lengths.Add(samples);
            total += samples;
        }

        var width = Math.Max(5, lengths.Count.ToString(CultureInfo.InvariantCulture).Length);
        var plan = new AvClipPlan[lengths.Count];
        for (var i = 0; i < plan.Length; i++)
        {
            var id = "av" + (i + 1).ToString("D" + width.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            var clipRandom = SynthRandom.For(_options.Seed, "av/latent/" + id);
            var speaker = clipRandom.NextInt(speakers.Count);
            var emotion = (SynthEmotion)clipRandom.Categorical(s_emotionWeights);
            var intensity = clipRandom.Uniform(0.5, 1.2) * speakers[speaker].Expressiveness;
            plan[i] = new AvClipPlan(id, speaker, emotion, intensity, lengths[i]);
        }

        return plan;
    }

    /// <summary>Synthesises one clip's audio and face track.</summary>
    internal (float[] Samples, OpenFaceTrack Track) RenderClip(AvClipPlan clip, SpeakerProfile speaker, FaceTemplate face)
    {
        var random = SynthRandom.For(_options.Seed, "av/audio/" + clip.Id);
        var profile = ProsodyProfiles.For(clip.Emotion);
        var prosody = profile.Sample(speaker, clip.Intensity, random);
        var lead = random.Uniform(0.1, 0.5);
        var text = ComposeText(clip.Samples / (double)SpeechPostProcessor.SampleRate - lead, prosody.RateWpm, random);
        var audio = _espeak.Synthesize(speaker.Voice, prosody, text, random);
        var speech = SpeechPostProcessor.Resample(audio);
        SpeechPostProcessor.ApplyProsody(speech, prosody, random);
        var clean = SpeechPostProcessor.FitToLength(SpeechPostProcessor.Pad(speech, lead, 0), clip.Samples);
        var samples = (float[])clean.Clone();
        SpeechPostProcessor.AddNoise(samples, random.Uniform(15, 35), random);

        var frames = (int)(clip.Samples * OpenFaceTrackSimulator.FramesPerSecond / SpeechPostProcessor.SampleRate);
        var opening = OpenFaceTrackSimulator.MouthOpening(SpeechPostProcessor.FrameRms(clean, frames, OpenFaceTrackSimulator.FramesPerSecond));
        var track = OpenFaceTrackSimulator.Simulate(clip.Emotion, clip.Intensity, profile.Arousal, face, opening, SynthRandom.For(_options.Seed, "av/face/" + clip.Id));
        return (samples, track);
    }

    private static string ComposeText(double seconds, int rateWpm, SynthRandom random)
    {
        // Enough words to fill the clip at the speaking rate; the audio is then cut at a pause or padded.
        var wordsNeeded = Math.Max(3, (int)Math.Ceiling(seconds * rateWpm / 60));
        var text = new StringBuilder();
        var words = 0;
        while (words < wordsNeeded)
        {
            var sentence = random.Pick(SynthTexts.Conversational);
            text.Append(text.Length == 0 ? string.Empty : " ").Append(sentence);
            words += sentence.Count(c => c == ' ') + 1;
        }

        return text.ToString();
    }

    private static IEnumerable<string> Describe(int clips, double seconds)
    {
        yield return string.Create(CultureInfo.InvariantCulture, $"{clips} clips, {seconds / 3600:F3} h of audio.");
        yield return "manifest.csv: id,wav,openface,speaker (docs/data-formats.md).";
        yield return "wav/<id>.wav: 16 kHz mono 16-bit PCM.";
        yield return "openface/<id>.csv: OpenFace 2.x FeatureExtraction -2Dfp -aus columns, 30 fps; simulated, not tracked.";
        yield return "latent.csv: each clip's latent emotion and intensity, for analysis only; training must not read it.";
        yield return "Prosody profiles and AU patterns: docs/data-formats.md, section \"Synthetic corpora\".";
    }
}
