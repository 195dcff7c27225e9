using SerSsl.Core.Chunking;
using SerSsl.Core.Features;
using SerSsl.Core.Models;
using SerSsl.Training.Data.Features;
using SerSsl.Training.Diagnostics;
using SerSsl.Training.Export;
using SerSsl.Training.Models;
using SerSsl.Training.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SerSsl.Training.Tests.Export;

/// <summary>Small seeded models with non-trivial batch-norm statistics, bundles written from them, and real speech features.</summary>
internal static class ExportTestSupport
{
    /// <summary>A real speech recording (alsa-utils).</summary>
    public const string SpeechWav = "/usr/share/sounds/alsa/Front_Center.wav";

    /// <summary>CREMA-D's six labels.</summary>
    public static readonly string[] Labels = ["ANG", "DIS", "FEA", "HAP", "NEU", "SAD"];

    /// <summary>The real chunk shape (100 frames x 64 bins) with few channels: 3 blocks of 4, 8 and 8 channels, D = 16.</summary>
    public static ModelOptions Small(AggregatorKind aggregator) => new()
    {
        Channels = [4, 8, 8],
        EmbeddingDim = 16,
        AttentionDim = 8,
        AttentionHeads = 4,
        Aggregator = aggregator,
    };

    /// <summary>
    /// A seeded model in evaluation mode whose batch norms hold random running statistics, scales and shifts, so that
    /// folding them into the convolutions changes the weights substantially.
    /// </summary>
    public static SerModel Model(AggregatorKind aggregator, long seed = 7, int firstStride = 1)
    {
        var model = TorchSeeding.Seeded(seed, () => new SerModel(Small(aggregator) with { FirstStride = firstStride }));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed + 100);
        foreach (var (_, layer) in model.Encoder.FeatureLayers)
        {
            if (layer is BatchNorm2d norm)
            {
                var c = norm.num_features;
                norm.running_mean!.copy_(randn([c], generator: generator).mul(0.5));
                norm.running_var!.copy_(rand([c], generator: generator).mul(2).add(0.2));
                norm.weight!.copy_(randn([c], generator: generator).mul(0.5).add(1));
                norm.bias!.copy_(randn([c], generator: generator).mul(0.3));
            }
        }

        model.eval();
        return model;
    }

    /// <summary>A bundle spec for <paramref name="model"/> with normalisation statistics of the given length.</summary>
    public static BundleSpec Spec(SerModel model, int maxChunks = 6) => new()
    {
        Name = "test-model",
        Labels = Labels.Take(model.Options.EmotionClasses).ToArray(),
        Normalization = new FeatureNormalization
        {
            Mean = Enumerable.Range(0, model.Options.MelBins).Select(b => -5f + (0.01f * b)).ToArray(),
            Std = Enumerable.Repeat(2f, model.Options.MelBins).ToArray(),
        },
        MaxChunks = maxChunks,
        Provenance = new ModelProvenance
        {
            Data = "random weights (test)",
            Commands = ["test"],
            Created = DateTimeOffset.UnixEpoch,
            CodeVersion = "test",
        },
    };

    /// <summary>The recording's log-mel frames at 16 kHz, or a skip when alsa-utils is not installed.</summary>
    public static LogMelFrames SpeechFrames()
    {
        if (!File.Exists(SpeechWav))
        {
            Assert.Skip($"{SpeechWav} not found: install alsa-utils (apt-get install -y alsa-utils) for a real speech recording.");
        }

        var samples = FeatureCache.ReadCanonical(SpeechWav, LogMelSettings.Default.SampleRate);
        return new LogMelExtractor(LogMelSettings.Default).Extract(samples);
    }

    /// <summary>
    /// Normalised chunks <c>[count, 100, 64]</c> of the recording as the streaming side cuts them (a chunk every
    /// <paramref name="hopFrames"/> frames), normalised with <paramref name="mean"/> and <paramref name="std"/>
    /// (the recording's own statistics when null).
    /// </summary>
    public static (float[] Chunks, int Count) SpeechChunks(float[]? mean = null, float[]? std = null, int hopFrames = 25)
    {
        var frames = SpeechFrames();
        var bins = frames.BinCount;
        var normalizer = mean is null || std is null
            ? FeatureNormalizer.Fit([frames.Values.ToArray()], bins)
            : new FeatureNormalizer(mean, std);
        var chunker = new SlidingChunker(bins, 100, hopFrames);
        var chunks = new List<float>();
        var count = 0;
        for (var t = 0; t < frames.FrameCount; t++)
        {
            if (chunker.TryAddFrame(frames.Values.Slice(t * bins, bins), out var chunk))
            {
                var copy = chunk.ToArray();
                normalizer.ApplyInPlace(copy);
                chunks.AddRange(copy);
                count++;
            }
        }

        Assert.True(count >= 2, $"{SpeechWav} gave {count} chunks; the test needs at least 2.");
        return ([.. chunks], count);
    }
}
