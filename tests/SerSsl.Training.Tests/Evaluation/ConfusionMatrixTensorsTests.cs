using SerSsl.Core.Evaluation;
using SerSsl.Training.Evaluation;
using static TorchSharp.torch;

namespace SerSsl.Training.Tests.Evaluation;

public sealed class ConfusionMatrixTensorsTests
{
    [Fact]
    public void AddBatch_LogitsAndHardLabels_CountsArgMax()
    {
        var matrix = new ConfusionMatrix(3);
        using var logits = tensor(new float[] { 2, 1, 0, 0, 3, 1, 5, 0, 0, 0, 0, 1 }, [4, 3]);
        using var targets = tensor(new long[] { 0, 1, 2, 2 });

        matrix.AddBatch(logits, targets);

        // Predictions 0, 1, 0, 2 against truth 0, 1, 2, 2.
        Assert.Equal(4, matrix.Total);
        Assert.Equal(1, matrix[0, 0]);
        Assert.Equal(1, matrix[1, 1]);
        Assert.Equal(1, matrix[2, 0]);
        Assert.Equal(1, matrix[2, 2]);
    }
}
