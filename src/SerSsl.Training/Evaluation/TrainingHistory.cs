namespace SerSsl.Training.Evaluation;

/// <summary>The losses and dev metric after one training epoch.</summary>
/// <param name="Epoch">Epoch number, counting from 1.</param>
/// <param name="TrainLoss">Mean training loss over the epoch.</param>
/// <param name="DevLoss">Loss on the development set; null when there is none (e.g. pre-training without a dev split).</param>
/// <param name="DevMacroF1">Macro F1 on the development set as a fraction in [0, 1]; null when not measured.</param>
internal sealed record EpochRecord(int Epoch, double TrainLoss, double? DevLoss = null, double? DevMacroF1 = null);

/// <summary>The per-epoch record of one training run, e.g. one condition on one partition.</summary>
/// <param name="Name">Series name shown in plot legends.</param>
/// <param name="Epochs">Epoch records in training order.</param>
internal sealed record TrainingHistory(string Name, IReadOnlyList<EpochRecord> Epochs);
