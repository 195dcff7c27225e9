using static TorchSharp.torch;

namespace SerSsl.Training.Losses;

/// <summary>Plain cross-entropy, see <see cref="ClassificationLosses.CrossEntropy"/>.</summary>
internal sealed class EmotionCrossEntropy : IEmotionLoss
{
    /// <inheritdoc />
    public Tensor Forward(Tensor logits, Tensor targets) => ClassificationLosses.CrossEntropy(logits, targets);

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
