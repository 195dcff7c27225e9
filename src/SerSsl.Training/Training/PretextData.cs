using SerSsl.Core.Chunking;
using SerSsl.Core.Features;
using SerSsl.Training.Data.Features;
using SerSsl.Training.Data.Unlabeled;
using SerSsl.Training.Pretext;

namespace SerSsl.Training.Training;

/// <summary>One pre-training clip: its K normalised chunks and the targets of the three pretext tasks.</summary>
/// <param name="Id">Clip id.</param>
/// <param name="Chunks">[K, m, bins] normalised log-mel chunks.</param>
/// <param name="EnergyTargets">[K] task 1 labels (1 high, 0 low).</param>
/// <param name="EnergyMask">[K] 1 where task 1 has a label.</param>
/// <param name="FaceTargets">[K] task 2 labels.</param>
/// <param name="FaceMask">[K] 1 where task 2 has a label (enough valid video frames).</param>
/// <param name="AuClass">Task 3 class index (0..7, <see cref="AuEmotion"/> order).</param>
/// <param name="AuMask">1 when task 3 has a label.</param>
internal sealed record PretextExample(string Id, float[] Chunks, float[] EnergyTargets, float[] EnergyMask, float[] FaceTargets, float[] FaceMask, long AuClass, float AuMask);

/// <summary>The pre-training set: chunked, normalised clips with their pretext labels and the fitted thresholds.</summary>
internal sealed class PretextData
{
    internal PretextData(IReadOnlyList<PretextExample> examples, FeatureNormalizer normalizer, int maxSentenceFrames, int chunkFrames, int chunkCount, float energyThreshold, float? faceThreshold, string summary)
    {
        Examples = examples;
        Normalizer = normalizer;
        MaxSentenceFrames = maxSentenceFrames;
        ChunkFrames = chunkFrames;
        ChunkCount = chunkCount;
        EnergyThreshold = energyThreshold;
        FaceThreshold = faceThreshold;
        Summary = summary;
    }

    public IReadOnlyList<PretextExample> Examples { get; }

    public FeatureNormalizer Normalizer { get; }

    public int MaxSentenceFrames { get; }

    public int ChunkFrames { get; }

    /// <summary>K, chunks per clip.</summary>
    public int ChunkCount { get; }

    public float EnergyThreshold { get; }

    /// <summary>The facial-activation median, or null without audiovisual clips.</summary>
    public float? FaceThreshold { get; }

    /// <summary>A human-readable account of the labels: how many chunks are masked, the AU class histogram.</summary>
    public string Summary { get; }

    /// <summary>The longest stretch of a speech recording used as one pre-training clip: 10 s (1,000 frames).</summary>
    public const int DefaultMaxSpeechFrames = 1000;

    /// <summary>
    /// Builds the pre-training set from an audiovisual corpus, unlabeled speech, or both. Audiovisual clips carry
    /// the face and AU targets; the energy targets come from the speech recordings when there are any (the
    /// audiovisual clips' energy chunks are then masked, so task 1 learns from that speech alone), else from the
    /// audiovisual clips. Speech recordings carry no face or AU target. A recording longer than
    /// <see cref="PretextSources.MaxSpeechFrames"/> is cut into near-equal consecutive pieces no longer than that.
    /// One normaliser and one chunk plan (from the longest clip) serve every clip.
    /// </summary>
    /// <param name="sources">What to pre-train on.</param>
    /// <param name="chunkFrames">m.</param>
    /// <param name="scale">The dynamic chunker's n.</param>
    /// <param name="progress">Feature extraction progress.</param>
    /// <param name="cancellationToken">Stops feature extraction.</param>
    /// <exception cref="ArgumentException">Neither source is given.</exception>
    /// <exception cref="InvalidOperationException">No clip is usable.</exception>
    public static PretextData Build(PretextSources sources, int chunkFrames, int scale, IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (sources.Corpus is null && sources.Speech is null)
        {
            throw new ArgumentException("Pre-training needs an audiovisual corpus (--unlabeled), unlabeled speech (--speech), or both.", nameof(sources));
        }

        var items = new List<(string Id, ClipFeatures Features, UnlabeledClip? Clip)>();
        LogMelSettings? settings = null;
        if (sources.Corpus is { } corpus)
        {
            var cache = sources.CorpusCache ?? throw new ArgumentException("The audiovisual corpus needs its feature cache.", nameof(sources));
            if (corpus.Clips.Count == 0)
            {
                throw new InvalidOperationException($"The corpus at {corpus.ManifestPath} has no usable clips ({corpus.Summary}).");
            }

            var features = cache.GetOrComputeAll(corpus.Clips.Select(c => (c.WavPath, c.Id)).ToArray(), progress, null, cancellationToken);
            items.AddRange(corpus.Clips.Zip(features).Where(p => p.Second.FrameCount > 0).Select(p => (p.First.Id, p.Second, (UnlabeledClip?)p.First)));
            settings = cache.Settings;
        }

        var avCount = items.Count;
        var speechRecordings = 0;
        if (sources.Speech is { } speech)
        {
            var cache = sources.SpeechCache ?? throw new ArgumentException("The speech recordings need their feature cache.", nameof(sources));
            if (settings is not null && cache.SettingsHash != sources.CorpusCache!.SettingsHash)
            {
                throw new ArgumentException("The audiovisual corpus and the speech recordings must be featurised with the same settings.", nameof(sources));
            }

            var features = cache.GetOrComputeAll(speech.Recordings.Select(r => (r.Path, r.Id)).ToArray(), progress, null, cancellationToken);
            foreach (var f in features.Where(static f => f.FrameCount > 0))
            {
                speechRecordings++;
                items.AddRange(Pieces(f, sources.MaxSpeechFrames).Select(p => (p.ClipId, p, (UnlabeledClip?)null)));
            }

            settings = cache.Settings;
        }

        if (items.Count == 0)
        {
            throw new InvalidOperationException("Every clip is shorter than one 25 ms window.");
        }

        var maxFrames = items.Max(p => p.Features.FrameCount);
        var chunker = new DynamicChunker(Math.Max(maxFrames, chunkFrames), chunkFrames, scale);
        var normalizer = FeatureNormalizer.Fit(items.Select(p => p.Features.LogMel), settings!.MelBinCount);
        var materializer = new ChunkMaterializer(chunker, normalizer, new LogMelExtractor(settings).SilenceLevel);
        var facial = new FacialActivation(null, settings);
        var au = new AuEmotionLabeler();
        var energyFromSpeech = sources.Speech is not null;

        var energyValues = new float[items.Count][];
        var faceValues = new float[items.Count][];
        var auLabels = new AuEmotionLabel?[items.Count];
        var chunks = new float[items.Count][];
        Parallel.For(0, items.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            var (_, clipFeatures, clip) = items[i];
            var spans = chunker.Plan(clipFeatures.FrameCount);
            energyValues[i] = clip is null || !energyFromSpeech ? EnergyVariation.ChunkValues(clipFeatures.EnergyDb, spans) : Masked(spans.Length);
            if (clip is null)
            {
                faceValues[i] = Masked(spans.Length);
            }
            else
            {
                var track = clip.ReadTrack();
                faceValues[i] = facial.ChunkValues(track, spans);
                auLabels[i] = au.Label(track);
            }

            chunks[i] = materializer.Materialize(clipFeatures.LogMel);
        });

        var energy = MedianSplitLabeler.Fit(energyFromSpeech ? energyValues[avCount..] : energyValues);
        var faceFit = avCount > 0 ? MedianSplitLabeler.Fit(faceValues[..avCount]) : null;
        var face = faceFit ?? new MedianSplitLabeler(0f); // without audiovisual clips every face value is NaN: masked
        var examples = new PretextExample[items.Count];
        long faceMasked = 0, energyMasked = 0;
        for (var i = 0; i < items.Count; i++)
        {
            var e = energy.Label(energyValues[i]);
            var f = face.Label(faceValues[i]);
            energyMasked += e.Count - e.ValidCount;
            faceMasked += f.Count - f.ValidCount;
            var label = auLabels[i];
            examples[i] = new PretextExample(items[i].Id, chunks[i], e.Targets, e.Mask, f.Targets, f.Mask, label?.ClassIndex ?? 0, label?.Mask ?? 0f);
        }

        var totalChunks = (long)items.Count * chunker.ChunkCount;
        var parts = new List<string>();
        if (avCount > 0)
        {
            parts.Add($"{avCount} audiovisual clips");
        }

        if (sources.Speech is { } s)
        {
            parts.Add($"{items.Count - avCount} speech clips from {speechRecordings} recordings ({s.Description}; energy task only)");
        }

        var summary = $"{string.Join(" + ", parts)}, {chunker.ChunkCount} chunks each (Tmax {maxFrames} frames); energy median {energy.Threshold:F2} dB{(energyFromSpeech && avCount > 0 ? " (speech clips only)" : string.Empty)}, {energyMasked} of {totalChunks} chunks masked";
        if (avCount > 0)
        {
            var valid = auLabels.Where(static l => l is not null).Select(static l => l!).ToArray();
            var histogram = string.Join(", ", Enum.GetValues<AuEmotion>().Select(emotion => $"{emotion.ToString().ToLowerInvariant()} {valid.Count(l => l.Valid && l.Emotion == emotion)}"));
            summary += $"; face median {face.Threshold:F4}, {faceMasked} of {totalChunks} chunks masked; AU labels: {histogram}, {items.Count - valid.Count(static l => l.Valid)} masked";
        }

        return new PretextData(examples, normalizer, chunker.MaxSentenceFrames, chunkFrames, chunker.ChunkCount, energy.Threshold, faceFit?.Threshold, summary);
    }

    /// <summary>
    /// A recording's features as consecutive pieces of at most <paramref name="maxFrames"/> frames, of near-equal
    /// length (a 25 s recording at 10 s becomes three pieces of 8.3 s); one piece, the features themselves, when it
    /// is short enough. Piece k of recording <c>r</c> has the id <c>r#k</c>.
    /// </summary>
    internal static IReadOnlyList<ClipFeatures> Pieces(ClipFeatures features, int maxFrames)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrames, 1);
        if (features.FrameCount <= maxFrames)
        {
            return [features];
        }

        var count = (features.FrameCount + maxFrames - 1) / maxFrames;
        var pieces = new ClipFeatures[count];
        var bins = features.BinCount;
        for (var k = 0; k < count; k++)
        {
            var start = (int)((long)features.FrameCount * k / count);
            var end = (int)((long)features.FrameCount * (k + 1) / count);
            pieces[k] = new ClipFeatures(
                $"{features.ClipId}#{k}",
                features.LogMel.AsSpan(start * bins, (end - start) * bins).ToArray(),
                end - start,
                bins,
                features.EnergyDb.AsSpan(start, end - start).ToArray());
        }

        return pieces;
    }

    private static float[] Masked(int count)
    {
        var values = new float[count];
        Array.Fill(values, float.NaN);
        return values;
    }
}

/// <summary>What pre-training reads: an audiovisual corpus, unlabeled speech, or both, each with its feature cache.</summary>
/// <param name="Corpus">The audiovisual corpus (all three pretext tasks), or null.</param>
/// <param name="CorpusCache">Its feature cache.</param>
/// <param name="Speech">Speech recordings without video (the energy task only), or null.</param>
/// <param name="SpeechCache">Their feature cache.</param>
internal sealed record PretextSources(UnlabeledCorpus? Corpus, FeatureCache? CorpusCache, SpeechFolder? Speech, FeatureCache? SpeechCache)
{
    /// <summary>The longest piece a speech recording is cut into, in frames; <see cref="PretextData.DefaultMaxSpeechFrames"/> by default.</summary>
    public int MaxSpeechFrames { get; init; } = PretextData.DefaultMaxSpeechFrames;
}
