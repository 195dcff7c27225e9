namespace SerSsl.Training.Export;

/// <summary>
/// Folds an inference-mode batch norm into the convolution before it. Batch norm computes
/// y = gamma * (x - mean) / sqrt(var + eps) + beta per output channel; with s = gamma / sqrt(var + eps) that is
/// s * x + (beta - mean * s), so the convolution's weights become W' = W * s (per output channel) and its bias
/// b' = (b - mean) * s + beta (b = 0 for a convolution without bias). Computed in double, stored as float.
/// </summary>
internal static class BatchNormFolding
{
    /// <summary>The folded weights and bias.</summary>
    /// <param name="weights">Convolution weights, row-major <c>[C_out, ...]</c>.</param>
    /// <param name="bias">Convolution bias <c>[C_out]</c>, or null when it has none.</param>
    /// <param name="gamma">Batch-norm scale <c>[C_out]</c>.</param>
    /// <param name="beta">Batch-norm shift <c>[C_out]</c>.</param>
    /// <param name="mean">Running mean <c>[C_out]</c>.</param>
    /// <param name="variance">Running variance <c>[C_out]</c>.</param>
    /// <param name="epsilon">The batch norm's epsilon.</param>
    /// <returns>The folded weights (same layout) and bias.</returns>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static (float[] Weights, float[] Bias) Fold(
        ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias,
        ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> beta,
        ReadOnlySpan<float> mean,
        ReadOnlySpan<float> variance,
        double epsilon)
    {
        var channels = gamma.Length;
        if (channels == 0 || beta.Length != channels || mean.Length != channels || variance.Length != channels
            || (bias.Length != 0 && bias.Length != channels) || weights.Length % channels != 0)
        {
            throw new ArgumentException($"Batch-norm folding needs per-channel vectors of one length and weights of whole channels; got weights {weights.Length}, bias {bias.Length}, gamma {gamma.Length}, beta {beta.Length}, mean {mean.Length}, variance {variance.Length}.");
        }

        var perChannel = weights.Length / channels;
        var folded = new float[weights.Length];
        var foldedBias = new float[channels];
        for (var c = 0; c < channels; c++)
        {
            var scale = gamma[c] / Math.Sqrt(variance[c] + epsilon);
            for (var i = 0; i < perChannel; i++)
            {
                folded[(c * perChannel) + i] = (float)(weights[(c * perChannel) + i] * scale);
            }

            var b = bias.Length == 0 ? 0.0 : bias[c];
            foldedBias[c] = (float)(((b - mean[c]) * scale) + beta[c]);
        }

        return (folded, foldedBias);
    }
}
