using TorchSharp;
using static TorchSharp.torch;

namespace SerSsl.Training.Evaluation;

/// <summary>
/// Counts of (true class, predicted class) pairs for a K-class problem. Rows are true classes, columns predicted
/// classes: <c>this[t, p]</c> is how many items of class <c>t</c> were predicted as <c>p</c>. Not thread-safe.
/// </summary>
internal sealed class ConfusionMatrix
{
    private readonly long[,] _counts;

    /// <summary>Creates an empty matrix.</summary>
    /// <param name="classCount">Number of classes K, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> is less than 1.</exception>
    public ConfusionMatrix(int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        _counts = new long[classCount, classCount];
    }

    /// <summary>Number of classes K.</summary>
    public int ClassCount => _counts.GetLength(0);

    /// <summary>Number of items added.</summary>
    public long Total { get; private set; }

    /// <summary>How many items of class <paramref name="trueClass"/> were predicted as <paramref name="predictedClass"/>.</summary>
    public long this[int trueClass, int predictedClass] => _counts[trueClass, predictedClass];

    /// <summary>Creates a matrix from rows of counts (row = true class), e.g. one read back from results.json.</summary>
    /// <param name="rows">K rows of K non-negative counts.</param>
    /// <exception cref="ArgumentException">The rows are not square or hold a negative count.</exception>
    public static ConfusionMatrix FromRows(IReadOnlyList<IReadOnlyList<long>> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var matrix = new ConfusionMatrix(rows.Count);
        for (var t = 0; t < rows.Count; t++)
        {
            if (rows[t].Count != rows.Count)
            {
                throw new ArgumentException($"Row {t} has {rows[t].Count} counts; a {rows.Count}-class matrix needs {rows.Count}.", nameof(rows));
            }

            for (var p = 0; p < rows.Count; p++)
            {
                matrix.Add(t, p, rows[t][p]);
            }
        }

        return matrix;
    }

    /// <summary>Counts one item of class <paramref name="trueClass"/> predicted as <paramref name="predictedClass"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A class index is outside [0, K).</exception>
    public void Add(int trueClass, int predictedClass) => Add(trueClass, predictedClass, 1);

    /// <summary>Counts <paramref name="count"/> items of class <paramref name="trueClass"/> predicted as <paramref name="predictedClass"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A class index is outside [0, K) or <paramref name="count"/> is negative.</exception>
    public void Add(int trueClass, int predictedClass, long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trueClass);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(trueClass, ClassCount);
        ArgumentOutOfRangeException.ThrowIfNegative(predictedClass);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(predictedClass, ClassCount);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _counts[trueClass, predictedClass] += count;
        Total += count;
    }

    /// <summary>Counts pairs of true and predicted classes.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A class index is outside [0, K).</exception>
    public void AddRange(ReadOnlySpan<int> trueClasses, ReadOnlySpan<int> predictedClasses)
    {
        if (trueClasses.Length != predictedClasses.Length)
        {
            throw new ArgumentException($"{trueClasses.Length} true classes but {predictedClasses.Length} predictions.", nameof(predictedClasses));
        }

        for (var i = 0; i < trueClasses.Length; i++)
        {
            Add(trueClasses[i], predictedClasses[i]);
        }
    }

    /// <summary>Counts a batch: the prediction is the arg-max of <paramref name="logits"/>.</summary>
    /// <param name="logits">[B, K] scores (logits or probabilities), any device.</param>
    /// <param name="targets">[B] int64 class indices, or [B, K] label distributions whose arg-max is the true class.</param>
    /// <exception cref="ArgumentException">The shapes do not fit K or each other.</exception>
    public void AddBatch(Tensor logits, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        if (logits.dim() != 2 || logits.shape[1] != ClassCount)
        {
            throw new ArgumentException($"Logits must be [B, {ClassCount}]; got [{string.Join(", ", logits.shape)}].", nameof(logits));
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var truth = targets.dim() == 2 ? targets.argmax(1) : targets;
        if (truth.dim() != 1 || truth.shape[0] != logits.shape[0])
        {
            throw new ArgumentException($"Targets must be [{logits.shape[0]}] or [{logits.shape[0]}, {ClassCount}]; got [{string.Join(", ", targets.shape)}].", nameof(targets));
        }

        var predicted = logits.argmax(1).to(CPU).to_type(ScalarType.Int64).data<long>().ToArray();
        var actual = truth.to(CPU).to_type(ScalarType.Int64).data<long>().ToArray();
        for (var i = 0; i < predicted.Length; i++)
        {
            Add(checked((int)actual[i]), checked((int)predicted[i]));
        }
    }

    /// <summary>Items whose true class is <paramref name="trueClass"/> (the row sum, the class's support).</summary>
    public long RowTotal(int trueClass)
    {
        long sum = 0;
        for (var p = 0; p < ClassCount; p++)
        {
            sum += _counts[trueClass, p];
        }

        return sum;
    }

    /// <summary>Items predicted as <paramref name="predictedClass"/> (the column sum).</summary>
    public long ColumnTotal(int predictedClass)
    {
        long sum = 0;
        for (var t = 0; t < ClassCount; t++)
        {
            sum += _counts[t, predictedClass];
        }

        return sum;
    }

    /// <summary>A copy of the counts as K rows (row = true class), the form results.json stores.</summary>
    public long[][] ToRows()
    {
        var rows = new long[ClassCount][];
        for (var t = 0; t < ClassCount; t++)
        {
            rows[t] = new long[ClassCount];
            for (var p = 0; p < ClassCount; p++)
            {
                rows[t][p] = _counts[t, p];
            }
        }

        return rows;
    }
}
