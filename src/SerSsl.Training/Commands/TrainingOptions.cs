using System.CommandLine;
using System.Globalization;
using SerSsl.Training.Models;
using SerSsl.Training.Training;

namespace SerSsl.Training.Commands;

/// <summary>The model, optimisation and data options shared by pretrain, finetune and reproduce.</summary>
internal sealed class TrainingOptions
{
    private readonly Option<string> _channels = new("--channels")
    {
        Description = "Output channels of the chunk encoder's conv blocks, comma-separated (the FLOP cost grows with their squares).",
        DefaultValueFactory = _ => string.Join(',', ModelOptions.Default.Channels),
    };

    private readonly Option<int> _embedding = new("--embedding-dim")
    {
        Description = "Size D of a chunk embedding.",
        DefaultValueFactory = _ => ModelOptions.Default.EmbeddingDim,
    };

    private readonly Option<int> _firstStride = new("--first-stride")
    {
        Description = "Stride of the first convolution: 1 keeps full resolution; 2 quarters every later map (about 4x fewer FLOPs and less memory traffic, to spend on wider --channels).",
        DefaultValueFactory = _ => ModelOptions.Default.FirstStride,
    };

    private readonly Option<string> _aggregator = new("--aggregator")
    {
        Description = "How chunk embeddings are combined: mean, gated (attention pooling) or self-attention.",
        DefaultValueFactory = _ => "gated",
    };

    private readonly Option<double> _dropout = new("--dropout")
    {
        Description = "Dropout before the embedding and heads.",
        DefaultValueFactory = _ => ModelOptions.Default.Dropout,
    };

    private readonly Option<int> _epochs;
    private readonly Option<int> _batchSize = new("--batch-size") { Description = "Clips per batch.", DefaultValueFactory = _ => 16 };
    private readonly Option<double> _learningRate = new("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 1e-3 };
    private readonly Option<double> _weightDecay = new("--weight-decay") { Description = "Adam weight decay.", DefaultValueFactory = _ => 1e-4 };
    private readonly Option<int> _patience = new("--patience") { Description = "Fine-tuning stops after this many epochs without a better development macro F1.", DefaultValueFactory = _ => 5 };
    private readonly Option<long> _seed = new("--seed") { Description = "Seed of weights, shuffling and dropout; a rerun with the same seed gives the same model.", DefaultValueFactory = _ => 1 };
    private readonly Option<int> _chunkScale = new("--chunk-scale") { Description = "Dynamic chunking's scaling factor n: n * ceil(Tmax / 1 s) chunks per clip (more overlap).", DefaultValueFactory = _ => 1 };

    public TrainingOptions(int defaultEpochs)
    {
        _epochs = new Option<int>("--epochs") { Description = "Maximum number of epochs.", DefaultValueFactory = _ => defaultEpochs };
        _aggregator.AcceptOnlyFromAmong("mean", "gated", "self-attention");
    }

    /// <summary>Adds every option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _channels, _firstStride, _embedding, _aggregator, _dropout, _epochs, _batchSize, _learningRate, _weightDecay, _patience, _seed, _chunkScale })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The model options from the parse result; throws <see cref="ArgumentException"/> for bad values.</summary>
    public ModelOptions Model(ParseResult result)
    {
        var channels = result.GetRequiredValue(_channels)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(c => int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0
                ? v
                : throw new ArgumentException($"--channels: '{c}' is not a positive whole number."))
            .ToArray();
        var options = new ModelOptions
        {
            Channels = channels,
            FirstStride = result.GetValue(_firstStride),
            EmbeddingDim = result.GetValue(_embedding),
            Aggregator = result.GetRequiredValue(_aggregator) switch
            {
                "mean" => AggregatorKind.Mean,
                "self-attention" => AggregatorKind.SelfAttention,
                _ => AggregatorKind.Gated,
            },
            Dropout = result.GetValue(_dropout),
        };
        options.Validate();
        return options;
    }

    /// <summary>The optimisation settings from the parse result.</summary>
    public TrainingSettings Settings(ParseResult result)
    {
        var settings = new TrainingSettings
        {
            Epochs = result.GetValue(_epochs),
            BatchSize = result.GetValue(_batchSize),
            LearningRate = result.GetValue(_learningRate),
            WeightDecay = result.GetValue(_weightDecay),
            Patience = result.GetValue(_patience),
            Seed = result.GetValue(_seed),
        };
        settings.Validate();
        return settings;
    }

    /// <summary>The dynamic chunker's scaling factor.</summary>
    public int ChunkScale(ParseResult result) =>
        result.GetValue(_chunkScale) is var n and >= 1 ? n : throw new ArgumentException($"--chunk-scale must be at least 1; got {result.GetValue(_chunkScale)}.");

    /// <summary>The command line as typed, for provenance.</summary>
    /// <param name="result">The parse.</param>
    /// <param name="leaveOut">Options to leave out with their values (e.g. those that only shape the record itself).</param>
    public static string CommandLine(ParseResult result, params string[] leaveOut)
    {
        var tokens = new List<string>();
        for (var i = 0; i < result.Tokens.Count; i++)
        {
            var value = result.Tokens[i].Value;
            if (leaveOut.Contains(value, StringComparer.Ordinal))
            {
                i++; // and its value
                continue;
            }

            if (leaveOut.Any(o => value.StartsWith(o + "=", StringComparison.Ordinal)))
            {
                continue;
            }

            tokens.Add(value.Contains(' ', StringComparison.Ordinal) ? $"\"{value}\"" : value);
        }

        return "sers-train " + string.Join(' ', tokens);
    }
}
