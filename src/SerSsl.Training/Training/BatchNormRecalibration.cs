using SerSsl.Training.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SerSsl.Training.Training;

/// <summary>
/// Recomputes a model's batch-norm statistics from clean training batches ("precise BN", Wu and Johnson, 2021):
/// the running means and variances are reset and set to the plain average over the batches, instead of the
/// exponential average over the last few augmented training batches, which can sit far from what clean
/// development and test chunks produce.
/// </summary>
internal static class BatchNormRecalibration
{
    /// <summary>
    /// Runs up to <paramref name="batches"/> seeded random batches of <paramref name="train"/> through
    /// <paramref name="model"/> in training mode, without gradients, averaging each batch norm's statistics over them.
    /// Leaves the model in evaluation mode with the new statistics; the weights are not touched.
    /// </summary>
    /// <returns>The number of batches used (0 when the model has no batch norm or <paramref name="batches"/> is 0).</returns>
    public static int Run(SerModel model, ChunkTensors train, int batches, int batchSize, long seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        var norms = model.modules().OfType<BatchNorm2d>().ToArray();
        var count = Math.Min(batches, Batches.Count(train.Count, batchSize));
        if (norms.Length == 0 || count <= 0)
        {
            return 0;
        }

        var momenta = norms.Select(static n => n.momentum).ToArray();
        var order = Enumerable.Range(0, train.Count).ToArray();
        new Random(unchecked((int)seed)).Shuffle(order);
        try
        {
            foreach (var norm in norms)
            {
                norm.reset_running_stats();
            }

            model.train();
            using var noGrad = no_grad();
            for (var b = 0; b < count; b++)
            {
                foreach (var norm in norms)
                {
                    norm.momentum = 1.0 / (b + 1); // running = plain mean of the batch statistics so far
                }

                using var scope = NewDisposeScope();
                var (chunks, mask, _) = train.Batch(Batches.Indices(order, b, batchSize));
                model.ForwardEmotion(chunks, mask);
            }
        }
        finally
        {
            for (var i = 0; i < norms.Length; i++)
            {
                norms[i].momentum = momenta[i];
            }

            model.eval();
        }

        return count;
    }
}
