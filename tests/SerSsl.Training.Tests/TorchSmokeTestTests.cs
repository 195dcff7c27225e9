using SerSsl.Training.Diagnostics;

namespace SerSsl.Training.Tests;

public sealed class TorchSmokeTestTests
{
    [Fact]
    public void Run_FiftyAdamSteps_LossFallsBelowHalfOfInitial()
    {
        var smokeTest = new TorchSmokeTest(steps: 50, seed: 42);

        var result = smokeTest.Run();

        TestContext.Current.SendDiagnosticMessage($"TorchSmokeTest seed 42: loss {result.InitialLoss:F4} -> {result.FinalLoss:F4} after {result.Steps} steps");
        Assert.True(float.IsFinite(result.InitialLoss) && result.InitialLoss > 0, $"initial loss {result.InitialLoss}");
        Assert.True(result.FinalLoss < 0.5f * result.InitialLoss, $"loss {result.InitialLoss} -> {result.FinalLoss} did not halve");
        Assert.Equal(50, result.Steps);
    }

    [Fact]
    public void Run_SameSeed_SameLosses()
    {
        var first = new TorchSmokeTest(steps: 5, seed: 7).Run();

        var second = new TorchSmokeTest(steps: 5, seed: 7).Run();

        Assert.Equal(first.InitialLoss, second.InitialLoss);
        Assert.Equal(first.FinalLoss, second.FinalLoss, 1e-5f);
    }

    [Fact]
    public void Constructor_ZeroSteps_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TorchSmokeTest(steps: 0));
}
