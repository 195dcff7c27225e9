using static TorchSharp.torch;

namespace SerSsl.Training.Losses;

/// <summary>Class-balanced cross-entropy, see <see cref="ClassificationLosses.ClassBalancedCrossEntropy"/>.</summary>
internal sealed class ClassBalancedCrossEntropy : IEmotionLoss
{
    private readonly Tensor _weights;

    /// <summary>Creates the loss from per-class weights, e.g. from <see cref="ClassBalancedWeights.FromCounts"/>.</summary>
    /// <param name="classWeights">K non-negative weights.</param>
    /// <exception cref="ArgumentException">No weights, or a negative or non-finite one.</exception>
    public ClassBalancedCrossEntropy(IReadOnlyList<double> classWeights)
    {
        _weights = LossTensors.WeightTensor(classWeights);
        Weights = [.. classWeights];
    }

    /// <summary>The per-class weights.</summary>
    public IReadOnlyList<double> Weights { get; }

    /// <summary>Creates the loss from training class counts with <see cref="ClassBalancedWeights.FromCounts"/>.</summary>
    public static ClassBalancedCrossEntropy FromCounts(IReadOnlyList<long> counts, double beta = ClassBalancedWeights.DefaultBeta) =>
        new(ClassBalancedWeights.FromCounts(counts, beta));

    /// <inheritdoc />
    public Tensor Forward(Tensor logits, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(logits);
        using var scope = NewDisposeScope();
        var weights = LossTensors.OnDeviceOf(_weights, logits);
        return ClassificationLosses.ClassBalancedCrossEntropy(logits, targets, weights).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose() => _weights.Dispose();
}
