using SerSsl.Core.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace SerSsl.Training.Evaluation;

/// <summary>Counts TorchSharp batches into a <see cref="ConfusionMatrix"/> (the matrix itself lives in SerSsl.Core, free of TorchSharp).</summary>
internal static class ConfusionMatrixTensors
{
    /// <summary>Counts a batch: the prediction is the arg-max of <paramref name="logits"/>.</summary>
    /// <param name="matrix">The matrix to count into.</param>
    /// <param name="logits">[B, K] scores (logits or probabilities), any device.</param>
    /// <param name="targets">[B] int64 class indices, or [B, K] label distributions whose arg-max is the true class.</param>
    /// <exception cref="ArgumentException">The shapes do not fit K or each other.</exception>
    public static void AddBatch(this ConfusionMatrix matrix, Tensor logits, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        var classCount = matrix.ClassCount;
        if (logits.dim() != 2 || logits.shape[1] != classCount)
        {
            throw new ArgumentException($"Logits must be [B, {classCount}]; got [{string.Join(", ", logits.shape)}].", nameof(logits));
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var truth = targets.dim() == 2 ? targets.argmax(1) : targets;
        if (truth.dim() != 1 || truth.shape[0] != logits.shape[0])
        {
            throw new ArgumentException($"Targets must be [{logits.shape[0]}] or [{logits.shape[0]}, {classCount}]; got [{string.Join(", ", targets.shape)}].", nameof(targets));
        }

        var predicted = logits.argmax(1).to(CPU).to_type(ScalarType.Int64).data<long>().ToArray();
        var actual = truth.to(CPU).to_type(ScalarType.Int64).data<long>().ToArray();
        for (var i = 0; i < predicted.Length; i++)
        {
            matrix.Add(checked((int)actual[i]), checked((int)predicted[i]));
        }
    }
}
