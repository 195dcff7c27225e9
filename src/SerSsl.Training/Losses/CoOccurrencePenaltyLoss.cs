using static TorchSharp.torch;

namespace SerSsl.Training.Losses;

/// <summary>
/// The co-occurrence penalisation loss: cross-entropy plus the expected class-dependent penalty of the predicted
/// distribution given the target,
/// <c>L = CE(logits, t) + λ · mean_b Σ_i t_bi Σ_j P[i, j] · softmax(logits_b)_j</c>.
/// </summary>
/// <remarks>
/// <para>P is a K×K penalty matrix with a zero diagonal, usually <see cref="CoOccurrence.Penalty"/>: predicting
/// probability mass on classes that rarely co-occur with the true one in annotations costs more. With a hard label y
/// the penalty term is <c>Σ_j P[y, j] p_j</c> (t is one-hot); with a label distribution t (soft labels, or multi-labels
/// normalised by <see cref="ClassificationLosses.MultiLabelToDistribution"/>) it is <c>Σ_i t_i Σ_j P[i, j] p_j</c>.
/// The cross-entropy term is <see cref="ClassificationLosses.CrossEntropy"/>, or the class-balanced one when class
/// weights are given. Since P[i, i] = 0 and p sums to 1, the penalty term lies in [0, max P].</para>
/// </remarks>
internal sealed class CoOccurrencePenaltyLoss : IEmotionLoss
{
    private readonly Tensor _penalty;
    private readonly Tensor? _weights;
    private readonly double[,] _penaltyValues;

    /// <summary>Creates the loss.</summary>
    /// <param name="penalty">K×K penalty matrix P, finite and non-negative (row = true class, column = predicted class).</param>
    /// <param name="lambda">Weight λ of the penalty term, non-negative (0 gives plain cross-entropy).</param>
    /// <param name="classWeights">K class-balanced weights for the cross-entropy term, or null for plain cross-entropy.</param>
    /// <exception cref="ArgumentException">The penalty is not square, has fewer than 2 classes or holds a negative or non-finite value; the weights do not fit.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lambda"/> is negative or not finite.</exception>
    public CoOccurrencePenaltyLoss(double[,] penalty, double lambda = 1.0, IReadOnlyList<double>? classWeights = null)
    {
        ArgumentNullException.ThrowIfNull(penalty);
        ArgumentOutOfRangeException.ThrowIfNegative(lambda);
        if (!double.IsFinite(lambda))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "λ must be finite.");
        }

        var k = penalty.GetLength(0);
        if (k < 2 || penalty.GetLength(1) != k)
        {
            throw new ArgumentException($"The penalty matrix must be K×K with K ≥ 2; got {k}×{penalty.GetLength(1)}.", nameof(penalty));
        }

        var values = new float[k * k];
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < k; j++)
            {
                if (!double.IsFinite(penalty[i, j]) || penalty[i, j] < 0)
                {
                    throw new ArgumentException($"Penalty [{i}, {j}] is {penalty[i, j]}; penalties must be finite and non-negative.", nameof(penalty));
                }

                values[(i * k) + j] = (float)penalty[i, j];
            }
        }

        if (classWeights is not null && classWeights.Count != k)
        {
            throw new ArgumentException($"{classWeights.Count} class weights for {k} classes.", nameof(classWeights));
        }

        _penaltyValues = (double[,])penalty.Clone();
        Lambda = lambda;
        _penalty = tensor(values, [k, k]).DetachFromDisposeScope();
        _weights = classWeights is null ? null : LossTensors.WeightTensor(classWeights);
    }

    /// <summary>Number of classes K.</summary>
    public int ClassCount => _penaltyValues.GetLength(0);

    /// <summary>Weight λ of the penalty term.</summary>
    public double Lambda { get; }

    /// <summary>A copy of the penalty matrix P.</summary>
    public double[,] Penalty => (double[,])_penaltyValues.Clone();

    /// <summary>Creates the loss from vote-table co-occurrence: <c>P = coOccurrence.Penalty(scale, normalisation)</c>.</summary>
    public static CoOccurrencePenaltyLoss FromCoOccurrence(
        CoOccurrence coOccurrence,
        double lambda = 1.0,
        double scale = 1.0,
        CoOccurrenceNormalisation normalisation = CoOccurrenceNormalisation.Cosine,
        IReadOnlyList<double>? classWeights = null)
    {
        ArgumentNullException.ThrowIfNull(coOccurrence);
        return new CoOccurrencePenaltyLoss(coOccurrence.Penalty(scale, normalisation), lambda, classWeights);
    }

    /// <summary>The per-sample expected penalty <c>Σ_i t_bi Σ_j P[i, j] softmax(logits_b)_j</c>.</summary>
    /// <param name="logits">[B, K] unnormalised scores.</param>
    /// <param name="targets">[B] integer class indices or [B, K] label distributions.</param>
    /// <returns>[B] tensor.</returns>
    /// <exception cref="ArgumentException">The shapes or dtypes do not fit.</exception>
    public Tensor ExpectedPenalty(Tensor logits, Tensor targets)
    {
        CheckClassCount(logits);
        using var scope = NewDisposeScope();
        var distribution = ClassificationLosses.ToDistribution(targets, logits);
        var penalty = LossTensors.OnDeviceOf(_penalty, logits);
        return distribution.matmul(penalty).mul(logits.softmax(1)).sum(1).MoveToOuterDisposeScope();
    }

    /// <summary>The loss of a batch: cross-entropy plus λ times the batch mean of <see cref="ExpectedPenalty"/>.</summary>
    /// <param name="logits">[B, K] unnormalised scores.</param>
    /// <param name="targets">[B] integer class indices or [B, K] label distributions.</param>
    /// <returns>Scalar tensor.</returns>
    /// <exception cref="ArgumentException">The shapes or dtypes do not fit.</exception>
    public Tensor Forward(Tensor logits, Tensor targets)
    {
        CheckClassCount(logits);
        using var scope = NewDisposeScope();
        var crossEntropy = _weights is null
            ? ClassificationLosses.CrossEntropy(logits, targets)
            : ClassificationLosses.ClassBalancedCrossEntropy(logits, targets, LossTensors.OnDeviceOf(_weights, logits));
        var loss = Lambda == 0.0 ? crossEntropy : crossEntropy.add(ExpectedPenalty(logits, targets).mean().mul(Lambda));
        return loss.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _penalty.Dispose();
        _weights?.Dispose();
    }

    private void CheckClassCount(Tensor logits)
    {
        if (ClassificationLosses.CheckLogits(logits) != ClassCount)
        {
            throw new ArgumentException($"Logits have {logits.shape[1]} classes; the penalty matrix has {ClassCount}.", nameof(logits));
        }
    }
}
