using SerSsl.Training.Models;
using static TorchSharp.torch;

namespace SerSsl.Training.Training;

/// <summary>
/// An exponential moving average of a model's weights (Polyak averaging as in Tarvainen and Valpola, 2017): after
/// every optimiser step, <c>w̄ ← d w̄ + (1 − d) w</c>, with the decay ramped as <c>min(d, (1 + n) / (10 + n))</c>
/// over the first steps n so that early weights do not linger. Batch-norm statistics are copied, not averaged.
/// </summary>
internal sealed class WeightAverage : IDisposable
{
    private readonly double _decay;
    private readonly Tensor[] _averaged;
    private readonly Tensor[] _source;
    private readonly Tensor[] _averagedBuffers;
    private readonly Tensor[] _sourceBuffers;
    private long _steps;

    /// <summary>Starts the average at <paramref name="model"/>'s current weights.</summary>
    /// <param name="model">The model being trained.</param>
    /// <param name="decay">The decay d in (0, 1).</param>
    /// <param name="steps">Steps already averaged (when resuming), for the ramp.</param>
    public WeightAverage(SerModel model, double decay, long steps = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!(decay > 0 && decay < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(decay), decay, "The weight-average decay must be in (0, 1).");
        }

        _decay = decay;
        _steps = steps;
        Model = new SerModel(model.Options);
        Copy(model, Model);
        _averaged = [.. Model.parameters()];
        _source = [.. model.parameters()];
        _averagedBuffers = [.. Model.buffers()];
        _sourceBuffers = [.. model.buffers()];
        foreach (var parameter in _averaged)
        {
            parameter.requires_grad = false;
        }
    }

    /// <summary>The averaged model: evaluate and save this one.</summary>
    public SerModel Model { get; }

    /// <summary>Optimiser steps averaged so far.</summary>
    public long Steps => _steps;

    /// <summary>Folds the model's current weights into the average; call after each optimiser step.</summary>
    public void Update()
    {
        var decay = Math.Min(_decay, (1.0 + _steps) / (10.0 + _steps));
        using (no_grad())
        {
            for (var i = 0; i < _averaged.Length; i++)
            {
                _averaged[i].mul_(decay).add_(_source[i], alpha: 1 - decay);
            }

            for (var i = 0; i < _averagedBuffers.Length; i++)
            {
                _averagedBuffers[i].copy_(_sourceBuffers[i]);
            }
        }

        _steps++;
    }

    /// <summary>Replaces the average with the weights saved at <paramref name="path"/> (resuming a run).</summary>
    public void Load(string path) => Model.load(path);

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();

    private static void Copy(SerModel from, SerModel to)
    {
        using var noGrad = no_grad();
        foreach (var (target, source) in to.parameters().Zip(from.parameters()))
        {
            target.copy_(source);
        }

        foreach (var (target, source) in to.buffers().Zip(from.buffers()))
        {
            target.copy_(source);
        }
    }
}
