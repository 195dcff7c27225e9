namespace SerSsl.Core.Evaluation;

/// <summary>
/// Counts of (true class, predicted class) pairs for a K-class problem. Rows are true classes, columns predicted
/// classes: <c>this[t, p]</c> is how many items of class <c>t</c> were predicted as <c>p</c>. Not thread-safe.
/// </summary>
public sealed class ConfusionMatrix
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

    /// <summary>Creates a matrix from rows of counts (row = true class), e.g. one read back from a results file.</summary>
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

    /// <summary>A copy of the counts as K rows (row = true class), the form the results files store.</summary>
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
