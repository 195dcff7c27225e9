using static TorchSharp.torch;

namespace SerSsl.Training.Losses;

/// <summary>Tensors that losses own for their lifetime (penalties, class weights) and their use per batch.</summary>
internal static class LossTensors
{
    /// <summary>A [K] float32 CPU tensor of class weights, detached from any dispose scope.</summary>
    internal static Tensor WeightTensor(IReadOnlyList<double> classWeights)
    {
        ArgumentNullException.ThrowIfNull(classWeights);
        if (classWeights.Count == 0 || classWeights.Any(w => !double.IsFinite(w) || w < 0))
        {
            throw new ArgumentException($"Class weights must be finite and non-negative; got [{string.Join(", ", classWeights)}].", nameof(classWeights));
        }

        return tensor(classWeights.Select(w => (float)w).ToArray()).DetachFromDisposeScope();
    }

    /// <summary>
    /// <paramref name="owned"/> itself when it already has the logits' device and dtype, else a converted copy in the
    /// current dispose scope. Never dispose the result of this call directly.
    /// </summary>
    internal static Tensor OnDeviceOf(Tensor owned, Tensor logits) =>
        owned.device_type == logits.device_type && owned.device_index == logits.device_index && owned.dtype == logits.dtype
            ? owned
            : owned.to(logits.dtype, logits.device);
}
