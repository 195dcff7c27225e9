using TorchSharp;
using static TorchSharp.torch;

namespace SerSsl.Training.Losses;

/// <summary>
/// Masked losses for the pretext tasks, where some chunks or sequences have no label (too few valid video frames):
/// masked entries never contribute, whatever their targets hold (NaN included), and a fully masked batch gives 0.
/// </summary>
internal static class PretextLosses
{
    /// <summary>
    /// Binary cross-entropy with logits averaged over the unmasked entries:
    /// <c>Σ m · BCE(logits, targets) / max(Σ m, 1)</c> with m the 0/1 mask. Targets of masked entries are replaced by 0
    /// before the loss, so neither the value nor the gradients depend on them.
    /// </summary>
    /// <param name="logits">[B, K] unnormalised scores (e.g. B sequences × K chunks, one binary label each); must be finite.</param>
    /// <param name="targets">[B, K] labels in {0, 1} (any numeric dtype).</param>
    /// <param name="mask">[B, K] bool, or numeric where non-zero means "use this entry".</param>
    /// <returns>Scalar tensor; 0 when every entry is masked.</returns>
    /// <exception cref="ArgumentException">The shapes do not match or the logits are not floating.</exception>
    public static Tensor MaskedBinaryCrossEntropy(Tensor logits, Tensor targets, Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(mask);
        if (!logits.is_floating_point() || !SameShape(logits, targets) || !SameShape(logits, mask))
        {
            throw new ArgumentException($"Logits (floating), targets and mask must have one shape; got {logits.dtype} {Shape(logits)}, {Shape(targets)} and {Shape(mask)}.", nameof(targets));
        }

        using var scope = NewDisposeScope();
        var keep = AsBool(mask).to(logits.device);
        var zeros = zeros_like(logits);
        var safeTargets = where(keep, targets.to(logits.dtype, logits.device), zeros);
        var perEntry = nn.functional.binary_cross_entropy_with_logits(logits, safeTargets, reduction: nn.Reduction.None);
        return MeanOverKept(where(keep, perEntry, zeros), keep, logits.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Sequence-level cross-entropy averaged over the unmasked sequences: <c>Σ m_b · CE_b / max(Σ m, 1)</c>. Targets of
    /// masked sequences are replaced by class 0 first, so any value (e.g. -1 for "no label") is allowed there.
    /// </summary>
    /// <param name="logits">[B, C] unnormalised scores; must be finite.</param>
    /// <param name="targets">[B] integer class indices in [0, C) where unmasked.</param>
    /// <param name="mask">[B] bool, or numeric where non-zero means "use this sequence".</param>
    /// <returns>Scalar tensor; 0 when every sequence is masked.</returns>
    /// <exception cref="ArgumentException">The shapes or dtypes do not fit.</exception>
    public static Tensor MaskedCrossEntropy(Tensor logits, Tensor targets, Tensor mask)
    {
        ClassificationLosses.CheckLogits(logits);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(mask);
        var batch = logits.shape[0];
        if (targets.dim() != 1 || targets.shape[0] != batch || !ClassificationLosses.IsInteger(targets.dtype)
            || mask.dim() != 1 || mask.shape[0] != batch)
        {
            throw new ArgumentException($"Targets must be [{batch}] integer class indices and the mask [{batch}]; got {targets.dtype} {Shape(targets)} and {Shape(mask)}.", nameof(targets));
        }

        using var scope = NewDisposeScope();
        var keep = AsBool(mask).to(logits.device);
        var indices = targets.to(ScalarType.Int64, logits.device);
        var safeTargets = where(keep, indices, zeros_like(indices));
        var perSequence = nn.functional.cross_entropy(logits, safeTargets, reduction: nn.Reduction.None);
        return MeanOverKept(where(keep, perSequence, zeros_like(perSequence)), keep, logits.dtype).MoveToOuterDisposeScope();
    }

    private static Tensor MeanOverKept(Tensor maskedValues, Tensor keep, ScalarType dtype) =>
        maskedValues.sum().div(keep.sum().clamp_min(1).to_type(dtype));

    private static Tensor AsBool(Tensor mask) => mask.dtype == ScalarType.Bool ? mask.alias() : mask.ne(0);

    private static bool SameShape(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape);

    private static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";
}
