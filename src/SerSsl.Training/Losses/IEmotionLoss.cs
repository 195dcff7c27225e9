using static TorchSharp.torch;

namespace SerSsl.Training.Losses;

/// <summary>
/// A classification objective for the emotion head, chosen by configuration: <see cref="EmotionCrossEntropy"/>,
/// <see cref="ClassBalancedCrossEntropy"/> or <see cref="CoOccurrencePenaltyLoss"/>.
/// </summary>
internal interface IEmotionLoss : IDisposable
{
    /// <summary>The loss of a batch, a scalar tensor in the caller's dispose scope.</summary>
    /// <param name="logits">[B, K] unnormalised scores.</param>
    /// <param name="targets">[B] integer class indices or [B, K] label distributions (rows summing to 1).</param>
    /// <exception cref="ArgumentException">The shapes or dtypes do not fit.</exception>
    public Tensor Forward(Tensor logits, Tensor targets);
}
