using TorchSharp;
using static TorchSharp.torch;

namespace SerSsl.Training.Losses;

/// <summary>
/// Cross-entropy for emotion classification with hard labels or label distributions. Functions return a new scalar
/// (or per-sample) tensor in the caller's dispose scope; intermediates are disposed before they return.
/// </summary>
/// <remarks>
/// Targets are either hard labels, an integer tensor [B] of class indices, or label distributions, a floating tensor
/// [B, K] whose rows sum to 1 (soft labels such as vote proportions). Multi-labels (multi-hot rows) are turned into
/// distributions with <see cref="MultiLabelToDistribution"/> first.
/// </remarks>
internal static class ClassificationLosses
{
    /// <summary>
    /// Mean cross-entropy: for hard labels <c>-log softmax(logits)[y]</c>, for distributions
    /// <c>-Σ_k t_k log softmax(logits)_k</c>, averaged over the batch (torch's <c>cross_entropy</c>).
    /// </summary>
    /// <param name="logits">[B, K] unnormalised scores.</param>
    /// <param name="targets">[B] integer class indices or [B, K] label distributions.</param>
    /// <returns>Scalar tensor.</returns>
    /// <exception cref="ArgumentException">The shapes or dtypes do not fit.</exception>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets)
    {
        using var scope = NewDisposeScope();
        return PerSampleCrossEntropy(logits, targets).mean().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Class-balanced cross-entropy (Cui et al., CVPR 2019): the batch mean of <c>Σ_k w_k t_k (-log p_k)</c>, i.e.
    /// <c>w_y · CE</c> for a hard label y. Unlike torch's weighted <c>cross_entropy</c>, the sum is divided by the
    /// batch size, not by the summed weights (the convention of Cui et al.; weights from
    /// <see cref="ClassBalancedWeights"/> sum to K, so they average about 1).
    /// </summary>
    /// <param name="logits">[B, K] unnormalised scores.</param>
    /// <param name="targets">[B] integer class indices or [B, K] label distributions.</param>
    /// <param name="classWeights">[K] per-class weights, on the logits' device.</param>
    /// <returns>Scalar tensor.</returns>
    /// <exception cref="ArgumentException">The shapes or dtypes do not fit.</exception>
    public static Tensor ClassBalancedCrossEntropy(Tensor logits, Tensor targets, Tensor classWeights)
    {
        ArgumentNullException.ThrowIfNull(classWeights);
        using var scope = NewDisposeScope();
        return PerSampleCrossEntropy(logits, targets, classWeights).mean().MoveToOuterDisposeScope();
    }

    /// <summary>Per-sample cross-entropy <c>-Σ_k w_k t_k log softmax(logits)_k</c> (w = 1 when no weights are given).</summary>
    /// <param name="logits">[B, K] unnormalised scores.</param>
    /// <param name="targets">[B] integer class indices or [B, K] label distributions.</param>
    /// <param name="classWeights">[K] per-class weights, or null.</param>
    /// <returns>[B] tensor.</returns>
    /// <exception cref="ArgumentException">The shapes or dtypes do not fit.</exception>
    public static Tensor PerSampleCrossEntropy(Tensor logits, Tensor targets, Tensor? classWeights = null)
    {
        var classCount = CheckLogits(logits);
        using var scope = NewDisposeScope();
        var distribution = ToDistribution(targets, logits);
        if (classWeights is not null)
        {
            if (classWeights.dim() != 1 || classWeights.shape[0] != classCount)
            {
                throw new ArgumentException($"Class weights must be [{classCount}]; got [{string.Join(", ", classWeights.shape)}].", nameof(classWeights));
            }

            distribution = distribution.mul(classWeights.to_type(logits.dtype).unsqueeze(0));
        }

        return distribution.mul(logits.log_softmax(1)).sum(1).neg().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Targets as a distribution [B, K] in the logits' dtype and device: hard labels become one-hot rows,
    /// distributions are returned as they are (converted when the dtype or device differs).
    /// </summary>
    /// <param name="targets">[B] integer class indices in [0, K) or [B, K] floating distributions.</param>
    /// <param name="logits">[B, K] logits giving B, K, dtype and device.</param>
    /// <returns>[B, K] tensor.</returns>
    /// <exception cref="ArgumentException">The shapes or dtypes do not fit.</exception>
    public static Tensor ToDistribution(Tensor targets, Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var classCount = CheckLogits(logits);
        var batch = logits.shape[0];
        if (targets.dim() == 1 && IsInteger(targets.dtype))
        {
            if (targets.shape[0] != batch)
            {
                throw new ArgumentException($"Hard labels must be [{batch}]; got [{targets.shape[0]}].", nameof(targets));
            }

            using var scope = NewDisposeScope();
            return nn.functional.one_hot(targets.to_type(ScalarType.Int64), classCount)
                .to_type(logits.dtype).to(logits.device).MoveToOuterDisposeScope();
        }

        if (targets.dim() == 2 && targets.is_floating_point())
        {
            if (targets.shape[0] != batch || targets.shape[1] != classCount)
            {
                throw new ArgumentException($"Label distributions must be [{batch}, {classCount}]; got [{string.Join(", ", targets.shape)}].", nameof(targets));
            }

            // to_type and to always return a new tensor handle, so the caller may dispose the result freely.
            using var scope = NewDisposeScope();
            return targets.to_type(logits.dtype).to(logits.device).MoveToOuterDisposeScope();
        }

        throw new ArgumentException($"Targets must be [B] integer class indices or [B, K] floating distributions; got {targets.dtype} [{string.Join(", ", targets.shape)}].", nameof(targets));
    }

    /// <summary>Multi-hot rows [B, K] (1 for every label of an item) as distributions: each row divided by its sum; all-zero rows stay zero.</summary>
    /// <param name="multiHot">[B, K] tensor of 0 and 1 (any numeric dtype).</param>
    /// <returns>[B, K] float tensor (float32 unless <paramref name="multiHot"/> is floating).</returns>
    public static Tensor MultiLabelToDistribution(Tensor multiHot)
    {
        ArgumentNullException.ThrowIfNull(multiHot);
        if (multiHot.dim() != 2)
        {
            throw new ArgumentException($"Multi-labels must be [B, K]; got [{string.Join(", ", multiHot.shape)}].", nameof(multiHot));
        }

        using var scope = NewDisposeScope();
        var values = multiHot.is_floating_point() ? multiHot : multiHot.to_type(ScalarType.Float32);
        return values.div(values.sum(1, keepdim: true).clamp_min(1e-12)).MoveToOuterDisposeScope();
    }

    /// <summary>Checks logits are [B, K] floating and returns K.</summary>
    internal static int CheckLogits(Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (logits.dim() != 2 || !logits.is_floating_point())
        {
            throw new ArgumentException($"Logits must be a floating [B, K] tensor; got {logits.dtype} [{string.Join(", ", logits.shape)}].", nameof(logits));
        }

        return checked((int)logits.shape[1]);
    }

    internal static bool IsInteger(ScalarType type) =>
        type is ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Int8 or ScalarType.Byte;
}
