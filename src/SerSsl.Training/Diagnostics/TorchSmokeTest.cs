using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace SerSsl.Training.Diagnostics;

/// <summary>The losses and timing of one <see cref="TorchSmokeTest"/> run.</summary>
/// <param name="InitialLoss">Mean squared error on the whole problem before the first step.</param>
/// <param name="FinalLoss">Mean squared error on the whole problem after the last step.</param>
/// <param name="Steps">Optimiser steps taken.</param>
/// <param name="Elapsed">Wall time of the training steps.</param>
internal sealed record TorchSmokeTestResult(float InitialLoss, float FinalLoss, int Steps, TimeSpan Elapsed)
{
    /// <summary>Whether the final loss is below <paramref name="fraction"/> of the initial one.</summary>
    public bool LossFellBelow(double fraction) => FinalLoss < fraction * InitialLoss;
}

/// <summary>
/// Trains a <see cref="TinyMlp"/> for a few full-batch Adam steps on a fixed synthetic regression problem,
/// <c>y = x·w + 0.5·sin(2·x₀)</c> with <c>x ~ N(0, I)</c>: a quick check that the native backend computes,
/// differentiates and updates. Deterministic for a given seed on one machine.
/// </summary>
internal sealed class TorchSmokeTest
{
    /// <summary>Rows in the synthetic problem.</summary>
    public const int Rows = 256;

    /// <summary>Input features per row.</summary>
    public const int Features = 4;

    private const int HiddenUnits = 16;
    private static readonly float[] s_weights = [1.5f, -2.0f, 0.75f, 1.0f];

    /// <summary>Creates a run description.</summary>
    /// <param name="steps">Adam steps, at least 1.</param>
    /// <param name="seed">Seed for the data (<c>torch.manual_seed(seed)</c>) and the weights (<c>seed + 1</c>).</param>
    /// <param name="learningRate">Adam learning rate, greater than 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> or <paramref name="learningRate"/> is out of range.</exception>
    public TorchSmokeTest(int steps = 50, long seed = 42, double learningRate = 0.05)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(learningRate);
        Steps = steps;
        Seed = seed;
        LearningRate = learningRate;
    }

    /// <summary>Adam steps.</summary>
    public int Steps { get; }

    /// <summary>Seed for data and weights.</summary>
    public long Seed { get; }

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; }

    /// <summary>Runs the check on <paramref name="device"/> (CPU when null).</summary>
    /// <exception cref="TypeInitializationException">TorchSharp's native backend could not be loaded.</exception>
    public TorchSmokeTestResult Run(Device? device = null)
    {
        device ??= CPU;

        // Inputs [Rows, Features] and targets [Rows, 1] live for the whole run, outside the per-step scopes.
        using var inputs = TorchSeeding.Seeded(Seed, () => randn(Rows, Features, device: device));
        using var targets = MakeTargets(inputs);
        using var model = TorchSeeding.Seeded(Seed + 1, () => new TinyMlp(Features, HiddenUnits, 1));
        model.to(device);
        using var optimizer = optim.Adam(model.parameters(), lr: LearningRate);

        var initial = Evaluate(model, inputs, targets);
        var stopwatch = Stopwatch.StartNew();
        model.train();
        for (var step = 0; step < Steps; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var predictions = model.forward(inputs);
            var loss = nn.functional.mse_loss(predictions, targets);
            loss.backward();
            optimizer.step();
        }

        stopwatch.Stop();
        var final = Evaluate(model, inputs, targets);
        return new TorchSmokeTestResult(initial, final, Steps, stopwatch.Elapsed);
    }

    /// <summary>Targets <c>[Rows, 1]</c> for inputs <c>[Rows, Features]</c>.</summary>
    private static Tensor MakeTargets(Tensor inputs)
    {
        using var scope = NewDisposeScope();
        using var weights = tensor(s_weights, [Features, 1]).to(inputs.device);
        var linear = inputs.matmul(weights);
        var wiggle = inputs.narrow(1, 0, 1).mul(2.0).sin().mul(0.5);
        return linear.add(wiggle).MoveToOuterDisposeScope();
    }

    /// <summary>Mean squared error of <paramref name="model"/> on the whole problem, without gradients.</summary>
    private static float Evaluate(TinyMlp model, Tensor inputs, Tensor targets)
    {
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return nn.functional.mse_loss(model.forward(inputs), targets).item<float>();
    }
}
