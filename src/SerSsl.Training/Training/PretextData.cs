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
    internal PretextData(IReadOnlyList<PretextExample> examples, FeatureNormalizer normalizer, int maxSentenceFrames, int chunkFrames, int chunkCount, float energyThreshold, float faceThreshold, string summary)
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

    public float FaceThreshold { get; }

    /// <summary>A human-readable account of the labels: how many chunks are masked, the AU class histogram.</summary>
    public string Summary { get; }

    /// <summary>Computes (or reads cached) features, chunks every clip and derives the pretext labels.</summary>
    /// <param name="corpus">The unlabeled audiovisual corpus.</param>
    /// <param name="cache">The feature cache.</param>
    /// <param name="chunkFrames">m.</param>
    /// <param name="scale">The dynamic chunker's n.</param>
    /// <param name="progress">Feature extraction progress.</param>
    /// <param name="cancellationToken">Stops feature extraction.</param>
    public static PretextData Build(UnlabeledCorpus corpus, FeatureCache cache, int chunkFrames, int scale, IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(cache);
        if (corpus.Clips.Count == 0)
        {
            throw new InvalidOperationException($"The corpus at {corpus.ManifestPath} has no usable clips ({corpus.Summary}).");
        }

        var features = cache.GetOrComputeAll(corpus.Clips.Select(c => (c.WavPath, c.Id)).ToArray(), progress, null, cancellationToken);
        var usable = corpus.Clips.Zip(features).Where(p => p.Second.FrameCount > 0).ToArray();
        if (usable.Length == 0)
        {
            throw new InvalidOperationException("Every clip of the corpus is shorter than one 25 ms window.");
        }

        var maxFrames = usable.Max(p => p.Second.FrameCount);
        var chunker = new DynamicChunker(Math.Max(maxFrames, chunkFrames), chunkFrames, scale);
        var normalizer = FeatureNormalizer.Fit(usable.Select(p => p.Second.LogMel), cache.Settings.MelBinCount);
        var materializer = new ChunkMaterializer(chunker, normalizer, new LogMelExtractor(cache.Settings).SilenceLevel);
        var facial = new FacialActivation(null, cache.Settings);
        var au = new AuEmotionLabeler();

        var energyValues = new float[usable.Length][];
        var faceValues = new float[usable.Length][];
        var auLabels = new AuEmotionLabel[usable.Length];
        var chunks = new float[usable.Length][];
        Parallel.For(0, usable.Length, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            var (clip, clipFeatures) = usable[i];
            var spans = chunker.Plan(clipFeatures.FrameCount);
            var track = clip.ReadTrack();
            energyValues[i] = EnergyVariation.ChunkValues(clipFeatures.EnergyDb, spans);
            faceValues[i] = facial.ChunkValues(track, spans);
            auLabels[i] = au.Label(track);
            chunks[i] = materializer.Materialize(clipFeatures.LogMel);
        });

        var energy = MedianSplitLabeler.Fit(energyValues);
        var face = MedianSplitLabeler.Fit(faceValues);
        var examples = new PretextExample[usable.Length];
        long faceMasked = 0, energyMasked = 0;
        for (var i = 0; i < usable.Length; i++)
        {
            var e = energy.Label(energyValues[i]);
            var f = face.Label(faceValues[i]);
            energyMasked += e.Count - e.ValidCount;
            faceMasked += f.Count - f.ValidCount;
            examples[i] = new PretextExample(usable[i].First.Id, chunks[i], e.Targets, e.Mask, f.Targets, f.Mask, auLabels[i].ClassIndex, auLabels[i].Mask);
        }

        var totalChunks = (long)usable.Length * chunker.ChunkCount;
        var histogram = string.Join(", ", Enum.GetValues<AuEmotion>().Select(emotion => $"{emotion.ToString().ToLowerInvariant()} {auLabels.Count(l => l.Valid && l.Emotion == emotion)}"));
        var summary = $"{usable.Length} clips, {chunker.ChunkCount} chunks each (Tmax {maxFrames} frames); energy median {energy.Threshold:F2} dB, {energyMasked} of {totalChunks} chunks masked; " +
            $"face median {face.Threshold:F4}, {faceMasked} of {totalChunks} chunks masked; AU labels: {histogram}, {auLabels.Count(l => !l.Valid)} masked";
        return new PretextData(examples, normalizer, chunker.MaxSentenceFrames, chunkFrames, chunker.ChunkCount, energy.Threshold, face.Threshold, summary);
    }
}
