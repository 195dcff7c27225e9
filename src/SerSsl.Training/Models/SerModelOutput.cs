using static TorchSharp.torch;

namespace SerSsl.Training.Models;

/// <summary>Every output of <see cref="SerModel.forward"/> for a batch of B sequences of K chunks.</summary>
/// <param name="ChunkEmbeddings">Chunk embeddings, <c>[B, K, D]</c>.</param>
/// <param name="Aggregated">Sequence embeddings, <c>[B, D]</c>.</param>
/// <param name="EmotionLogits">Emotion logits, <c>[B, EmotionClasses]</c>.</param>
/// <param name="EnergyLogits">Energy-variation logits per chunk (high = 1), <c>[B, K]</c>.</param>
/// <param name="FaceLogits">Facial-activation logits per chunk (high = 1), <c>[B, K]</c>.</param>
/// <param name="AuEmotionLogits">AU-derived emotion logits per sequence, <c>[B, AuEmotionClasses]</c>.</param>
internal sealed record SerModelOutput(
    Tensor ChunkEmbeddings,
    Tensor Aggregated,
    Tensor EmotionLogits,
    Tensor EnergyLogits,
    Tensor FaceLogits,
    Tensor AuEmotionLogits) : IDisposable
{
    /// <summary>Disposes every tensor (not needed inside a dispose scope).</summary>
    public void Dispose()
    {
        ChunkEmbeddings.Dispose();
        Aggregated.Dispose();
        EmotionLogits.Dispose();
        EnergyLogits.Dispose();
        FaceLogits.Dispose();
        AuEmotionLogits.Dispose();
    }
}

/// <summary>The pre-training outputs of <see cref="SerModel.ForwardPretext"/> for B sequences of K chunks.</summary>
/// <param name="ChunkEmbeddings">Chunk embeddings, <c>[B, K, D]</c>.</param>
/// <param name="Aggregated">Sequence embeddings, <c>[B, D]</c>.</param>
/// <param name="EnergyLogits">Energy-variation logits per chunk (high = 1), <c>[B, K]</c>.</param>
/// <param name="FaceLogits">Facial-activation logits per chunk (high = 1), <c>[B, K]</c>.</param>
/// <param name="AuEmotionLogits">AU-derived emotion logits per sequence, <c>[B, AuEmotionClasses]</c>.</param>
internal sealed record PretextOutput(
    Tensor ChunkEmbeddings,
    Tensor Aggregated,
    Tensor EnergyLogits,
    Tensor FaceLogits,
    Tensor AuEmotionLogits) : IDisposable
{
    /// <summary>Disposes every tensor (not needed inside a dispose scope).</summary>
    public void Dispose()
    {
        ChunkEmbeddings.Dispose();
        Aggregated.Dispose();
        EnergyLogits.Dispose();
        FaceLogits.Dispose();
        AuEmotionLogits.Dispose();
    }
}
