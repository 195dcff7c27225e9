using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SerSsl.Training.Diagnostics;

/// <summary>
/// A two-layer perceptron for install checks: <c>[N, inputs]</c> -> linear -> tanh -> linear -> <c>[N, outputs]</c>.
/// </summary>
internal sealed class TinyMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear _hidden;
    private readonly Linear _output;

    /// <summary>Creates the layers; weights come from the torch default generator (seed it first).</summary>
    /// <param name="inputs">Input features per row.</param>
    /// <param name="hidden">Hidden units.</param>
    /// <param name="outputs">Output values per row.</param>
    public TinyMlp(int inputs, int hidden, int outputs)
        : base(nameof(TinyMlp))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hidden, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        _hidden = nn.Linear(inputs, hidden);
        _output = nn.Linear(hidden, outputs);
        RegisterComponents();
    }

    /// <summary>Runs the network.</summary>
    /// <param name="input">Features, shape <c>[N, inputs]</c>, float32.</param>
    /// <returns>Predictions, shape <c>[N, outputs]</c>.</returns>
    public override Tensor forward(Tensor input)
    {
        using var hidden = _hidden.forward(input);
        using var activated = hidden.tanh();
        return _output.forward(activated);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hidden.Dispose();
            _output.Dispose();
        }

        base.Dispose(disposing);
    }
}
