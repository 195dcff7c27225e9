using static TorchSharp.torch;

namespace SerSsl.Training.Training;

/// <summary>Builds batch tensors from per-clip arrays.</summary>
internal static class Batches
{
    /// <summary>Stacks equally long per-clip arrays into one tensor of shape [B, ..<paramref name="shape"/>].</summary>
    public static Tensor Stack<T>(IReadOnlyList<T> items, Func<T, float[]> select, params long[] shape)
    {
        var per = select(items[0]).Length;
        var values = new float[items.Count * per];
        for (var i = 0; i < items.Count; i++)
        {
            var source = select(items[i]);
            if (source.Length != per)
            {
                throw new ArgumentException($"Clip {i} of the batch has {source.Length} values where the first has {per}.");
            }

            source.CopyTo(values, i * per);
        }

        return tensor(values, [items.Count, .. shape]);
    }

    /// <summary>A [B] tensor of one float per clip.</summary>
    public static Tensor Scalars<T>(IReadOnlyList<T> items, Func<T, float> select) => tensor(items.Select(select).ToArray());

    /// <summary>A [B] int64 tensor of one class index per clip.</summary>
    public static Tensor Classes<T>(IReadOnlyList<T> items, Func<T, long> select) => tensor(items.Select(select).ToArray());

    /// <summary>The clips of batch <paramref name="batch"/> in <paramref name="order"/>.</summary>
    public static T[] Slice<T>(IReadOnlyList<T> examples, int[] order, int batch, int batchSize)
    {
        var start = batch * batchSize;
        var count = Math.Min(batchSize, order.Length - start);
        var result = new T[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = examples[order[start + i]];
        }

        return result;
    }

    /// <summary>The indices (into the split) of batch <paramref name="batch"/> in <paramref name="order"/>.</summary>
    public static long[] Indices(int[] order, int batch, int batchSize)
    {
        var start = batch * batchSize;
        var count = Math.Min(batchSize, order.Length - start);
        var result = new long[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = order[start + i];
        }

        return result;
    }

    /// <summary>Number of batches for <paramref name="count"/> clips.</summary>
    public static int Count(int count, int batchSize) => (count + batchSize - 1) / batchSize;
}
