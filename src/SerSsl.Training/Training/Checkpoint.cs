using System.Text.Json;
using System.Text.Json.Serialization;
using SerSsl.Training.Evaluation;
using SerSsl.Training.Models;

namespace SerSsl.Training.Training;

/// <summary>What a checkpoint folder holds besides the weights: enough to resume, evaluate and export.</summary>
internal sealed record CheckpointState
{
    /// <summary>Format version of this file.</summary>
    public int Version { get; init; } = 1;

    /// <summary><c>pretrain</c> or <c>finetune</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>Epochs completed.</summary>
    public int Epoch { get; init; }

    /// <summary>True once training finished (all epochs, or early stopping).</summary>
    public bool Complete { get; init; }

    /// <summary>The model's architecture, as <see cref="ModelOptions.ToJson"/> writes it.</summary>
    public required string ModelOptionsJson { get; init; }

    /// <summary>The optimisation settings of the run.</summary>
    public required TrainingSettings Settings { get; init; }

    /// <summary>Per-bin feature statistics the model was trained with.</summary>
    public required FeatureNormalizer Normalizer { get; init; }

    /// <summary>Tmax of the dynamic chunker, in frames.</summary>
    public int MaxSentenceFrames { get; init; }

    /// <summary>m, frames per chunk.</summary>
    public int ChunkFrames { get; init; }

    /// <summary>The dynamic chunker's scaling factor n.</summary>
    public int ChunkScale { get; init; } = 1;

    /// <summary>Output labels of the emotion head, in order.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>Pre-training tasks (pretrain checkpoints).</summary>
    public string? Tasks { get; init; }

    /// <summary>Fitted median of the energy variation task.</summary>
    public float? EnergyThreshold { get; init; }

    /// <summary>Fitted median of the facial activation task.</summary>
    public float? FaceThreshold { get; init; }

    /// <summary>Epoch records so far.</summary>
    public IReadOnlyList<EpochRecord> History { get; init; } = [];

    /// <summary>Best development macro F1 so far (fine-tuning).</summary>
    public double? BestDevMacroF1 { get; init; }

    /// <summary>The epoch that reached <see cref="BestDevMacroF1"/>.</summary>
    public int BestEpoch { get; init; }

    /// <summary>Where the run came from: command line, data, encoder initialisation.</summary>
    public IReadOnlyDictionary<string, string> Provenance { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// A checkpoint folder: <c>checkpoint.json</c> (<see cref="CheckpointState"/>), <c>model.pt</c> (the latest weights),
/// <c>optimizer.pt</c> (Adam's state, for resuming), <c>best.pt</c> (fine-tuning: the weights of the best epoch) and
/// <c>encoder.pt</c> (the chunk encoder alone, what fine-tuning's <c>--init</c> loads). Files are written to a
/// temporary name and renamed, so an interrupted run leaves the previous epoch's checkpoint intact.
/// </summary>
internal static class Checkpoint
{
    public const string StateFile = "checkpoint.json";
    public const string ModelFile = "model.pt";
    public const string OptimizerFile = "optimizer.pt";
    public const string BestFile = "best.pt";
    public const string EncoderFile = "encoder.pt";

    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>True when <paramref name="directory"/> holds a checkpoint.</summary>
    public static bool Exists(string directory) => File.Exists(Path.Combine(directory, StateFile));

    /// <summary>Reads the state of a checkpoint folder.</summary>
    /// <exception cref="FileNotFoundException">The folder has no checkpoint.</exception>
    /// <exception cref="InvalidDataException">The state file is not a SerSsl checkpoint.</exception>
    public static CheckpointState ReadState(string directory)
    {
        var path = Path.Combine(directory, StateFile);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"'{directory}' is not a SerSsl checkpoint: it has no {StateFile}. Pass the folder that pretrain or finetune wrote with --out.", path);
        }

        try
        {
            return JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(path), s_json)
                ?? throw new InvalidDataException($"{path} is empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not a SerSsl checkpoint state: {ex.Message}", ex);
        }
    }

    /// <summary>Writes the state atomically.</summary>
    public static void WriteState(string directory, CheckpointState state)
    {
        Directory.CreateDirectory(directory);
        ReplaceFile(Path.Combine(directory, StateFile), temp => File.WriteAllText(temp, JsonSerializer.Serialize(state, s_json)));
    }

    /// <summary>Writes a file through a temporary name and a rename.</summary>
    public static void ReplaceFile(string path, Action<string> write)
    {
        var temp = path + ".tmp";
        write(temp);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Writes the latest weights, the optimiser state, the encoder alone and then the state file.</summary>
    public static void Save(SerModel model, TorchSharp.Modules.OptimizerHelper optimizer, string directory, CheckpointState state)
    {
        Directory.CreateDirectory(directory);
        ReplaceFile(Path.Combine(directory, ModelFile), temp => model.save(temp));
        ReplaceFile(Path.Combine(directory, OptimizerFile), temp => optimizer.save_state_dict(temp));
        ReplaceFile(Path.Combine(directory, EncoderFile), model.SaveEncoder);
        WriteState(directory, state);
    }

    /// <summary>The model options of a checkpoint.</summary>
    public static ModelOptions ModelOptionsOf(CheckpointState state) => ModelOptions.FromJson(state.ModelOptionsJson);

    /// <summary>Builds the checkpoint's model and loads weights into it.</summary>
    /// <param name="state">The checkpoint's state (for the architecture).</param>
    /// <param name="weightsPath">A weights file of the checkpoint (<see cref="ModelFile"/> or <see cref="BestFile"/>).</param>
    /// <returns>The model, in training mode as TorchSharp creates it.</returns>
    /// <exception cref="FileNotFoundException">The weights file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a model state of this architecture.</exception>
    public static SerModel LoadModel(CheckpointState state, string weightsPath)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentException.ThrowIfNullOrEmpty(weightsPath);
        if (!File.Exists(weightsPath))
        {
            throw new FileNotFoundException($"No weights at '{weightsPath}'.", weightsPath);
        }

        var model = new SerModel(ModelOptionsOf(state));
        try
        {
            model.load(weightsPath, strict: true);
            return model;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidDataException or EndOfStreamException or IOException or InvalidOperationException or NotImplementedException)
        {
            model.Dispose();
            throw new InvalidDataException($"'{weightsPath}' is not a model state of the architecture in {StateFile}: {ex.Message}", ex);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
