using SerSsl.Core.Chunking;
using SerSsl.Core.Labels;
using SerSsl.Training.Data.CremaD;
using SerSsl.Training.Data.Features;

namespace SerSsl.Training.Training;

/// <summary>
/// One labeled clip: its emotion class and, made on demand from its cached features, its K normalised chunks (held
/// once per split as one tensor by <see cref="ChunkTensors"/>, not once per clip).
/// </summary>
internal sealed class EmotionExample
{
    private readonly ChunkMaterializer? _materializer;
    private readonly float[]? _logMel;
    private readonly float[]? _chunks;

    /// <summary>A clip whose chunks are made from <paramref name="logMel"/> when asked for.</summary>
    public EmotionExample(string id, ChunkMaterializer materializer, float[] logMel, int label, float[]? distribution = null)
    {
        Id = id;
        Label = label;
        Distribution = distribution;
        _materializer = materializer;
        _logMel = logMel;
    }

    /// <summary>A clip with its chunks given.</summary>
    public EmotionExample(string id, float[] chunks, int label)
    {
        Id = id;
        Label = label;
        _chunks = chunks;
    }

    /// <summary>Clip id.</summary>
    public string Id { get; }

    /// <summary>Class index in <see cref="CremaDEmotion"/> order.</summary>
    public int Label { get; }

    /// <summary>The soft label (a distribution in <see cref="CremaDEmotion"/> order) where the labels carry one, else null.</summary>
    public float[]? Distribution { get; }

    /// <summary>[K, m, bins] normalised log-mel chunks (a new array each time unless they were given).</summary>
    public float[] Chunks => _chunks ?? _materializer!.Materialize(_logMel);
}

/// <summary>
/// The train, development and test sets of one speaker-independent partition, chunked with one dynamic chunker for
/// the whole corpus and normalised with statistics of the training set.
/// </summary>
internal sealed class EmotionData
{
    private EmotionData(IReadOnlyList<EmotionExample> train, IReadOnlyList<EmotionExample> dev, IReadOnlyList<EmotionExample> test, FeatureNormalizer normalizer, int maxSentenceFrames, int chunkFrames, int chunkCount, IReadOnlyList<int[]> trainVotes, int trainActors)
    {
        Train = train;
        Dev = dev;
        Test = test;
        Normalizer = normalizer;
        MaxSentenceFrames = maxSentenceFrames;
        ChunkFrames = chunkFrames;
        ChunkCount = chunkCount;
        TrainVotes = trainVotes;
        TrainActorCount = trainActors;
    }

    public IReadOnlyList<EmotionExample> Train { get; }

    public IReadOnlyList<EmotionExample> Dev { get; }

    public IReadOnlyList<EmotionExample> Test { get; }

    public FeatureNormalizer Normalizer { get; }

    public int MaxSentenceFrames { get; }

    public int ChunkFrames { get; }

    /// <summary>K, chunks per clip.</summary>
    public int ChunkCount { get; }

    /// <summary>Vote vectors (A, D, F, H, N, S) of the training clips that have them, for the co-occurrence loss.</summary>
    public IReadOnlyList<int[]> TrainVotes { get; }

    /// <summary>Actors whose clips are in <see cref="Train"/>.</summary>
    public int TrainActorCount { get; }

    /// <summary>Computes (or reads cached) features for every clip of the dataset that has audio.</summary>
    public static IReadOnlyDictionary<string, ClipFeatures> ComputeFeatures(CremaDDataset dataset, FeatureCache cache, IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken)
    {
        var clips = dataset.Clips.Where(c => c.AudioPath is not null).ToArray();
        if (clips.Length == 0)
        {
            throw new InvalidOperationException("The CREMA-D folder has no audio: point --crema-d at a folder with AudioWAV/ or AudioOpus/.");
        }

        var features = cache.GetOrComputeAll(clips.Select(c => (c.AudioPath!, c.Id)).ToArray(), progress, null, cancellationToken);
        return clips.Zip(features).ToDictionary(p => p.First.Id, p => p.Second, StringComparer.Ordinal);
    }

    /// <summary>Builds the sets of one partition.</summary>
    /// <param name="dataset">The labeled corpus.</param>
    /// <param name="partition">Which actors are train, development and test.</param>
    /// <param name="features">Features of every clip, from <see cref="ComputeFeatures"/>.</param>
    /// <param name="silenceLevel">The raw log-mel silence value, for padding.</param>
    /// <param name="chunkFrames">m.</param>
    /// <param name="scale">The dynamic chunker's n.</param>
    /// <param name="trainFraction">Share of the partition's training actors to use (the first ones of its seeded order), in (0, 1].</param>
    /// <param name="voteModality">Which vote rows feed <see cref="TrainVotes"/>.</param>
    /// <param name="trained">When evaluating a trained model: its normaliser and Tmax, used instead of fitting new ones.</param>
    public static EmotionData Build(CremaDDataset dataset, SpeakerPartition partition, IReadOnlyDictionary<string, ClipFeatures> features, float silenceLevel, int chunkFrames, int scale, double trainFraction = 1.0, VoteModality voteModality = VoteModality.Audiovisual, (FeatureNormalizer Normalizer, int MaxSentenceFrames)? trained = null)
    {
        if (!(trainFraction > 0 && trainFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(trainFraction), trainFraction, "The training fraction must be in (0, 1].");
        }

        var trainActors = partition.TrainActors.Take(Math.Max(1, (int)Math.Ceiling(partition.TrainActors.Count * trainFraction))).ToHashSet();
        (CremaDClip Clip, ClipFeatures Features)[] Select(DataSplit split, Func<CremaDClip, bool>? filter = null) =>
            dataset.ClipsIn(partition, split)
                .Where(c => filter is null || filter(c))
                .Where(c => features.TryGetValue(c.Id, out var f) && f.FrameCount > 0)
                .Select(c => (c, features[c.Id]))
                .ToArray();

        var train = Select(DataSplit.Train, c => trainActors.Contains(c.ActorId));
        var dev = Select(DataSplit.Dev);
        var test = Select(DataSplit.Test);
        if (train.Length == 0 || dev.Length == 0 || test.Length == 0)
        {
            throw new InvalidOperationException($"{partition.Name} has {train.Length} training, {dev.Length} development and {test.Length} test clips with audio; each set needs at least one. Is the audio folder complete?");
        }

        var maxFrames = trained?.MaxSentenceFrames ?? Math.Max(features.Values.Max(f => f.FrameCount), chunkFrames);
        var chunker = new DynamicChunker(maxFrames, chunkFrames, scale);
        var normalizer = trained?.Normalizer ?? FeatureNormalizer.Fit(train.Select(p => p.Features.LogMel), train[0].Features.BinCount);
        var materializer = new ChunkMaterializer(chunker, normalizer, silenceLevel);
        EmotionExample[] Examples((CremaDClip Clip, ClipFeatures Features)[] set)
        {
            var result = new EmotionExample[set.Length];
            for (var i = 0; i < set.Length; i++)
            {
                result[i] = new EmotionExample(set[i].Clip.Id, materializer, set[i].Features.LogMel, set[i].Clip.Label, set[i].Clip.Distribution);
            }

            return result;
        }

        var votes = train.Select(p => p.Clip.Votes?.Get(voteModality)).Where(v => v is not null).Select(v => v!.Counts.ToArray()).ToArray();
        return new EmotionData(Examples(train), Examples(dev), Examples(test), normalizer, chunker.MaxSentenceFrames, chunkFrames, chunker.ChunkCount, votes, trainActors.Count);
    }
}
