using System.CommandLine;
using SerSsl.Training.Diagnostics;

namespace SerSsl.Training;

/// <summary>The <c>sers-train</c> command tree.</summary>
internal static class TrainCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("sers-train: self-supervised pre-training, fine-tuning, evaluation and ONNX export of SerSsl speech emotion models.")
        {
            BuildDoctor(),
            Commands.SynthCommand.Build(),
        };
        foreach (var command in Commands.TrainingCommands.Build())
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(Commands.ExportCommand.Build());
        root.Subcommands.Add(Commands.QuantizeCommand.Build());
        root.Subcommands.Add(Commands.CompareCommand.Build());

        return root;
    }

    private static Command BuildDoctor()
    {
        var steps = new Option<int>("--steps")
        {
            Description = "Adam steps of the smoke-test training run.",
            DefaultValueFactory = _ => 50,
        };
        var seed = new Option<long>("--seed")
        {
            Description = "Seed for the smoke test's data and weights (torch.manual_seed).",
            DefaultValueFactory = _ => 42,
        };
        var device = new Option<string>("--device")
        {
            Description = "Where the smoke test runs: cpu or cuda.",
            DefaultValueFactory = _ => "cpu",
        };
        var verbose = new Option<bool>("--verbose")
        {
            Description = "Print TorchSharp's native load trace when the load fails.",
        };
        device.AcceptOnlyFromAmong("cpu", "cuda");
        steps.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--steps must be at least 1.");
            }
        });

        var doctor = new Command("doctor", "Check the TorchSharp install: versions, native library load, device, threads, and a tiny training run.")
        {
            steps,
            seed,
            device,
            verbose,
        };
        doctor.SetAction(parseResult =>
        {
            var configuration = parseResult.InvocationConfiguration;
            var smokeTest = new TorchSmokeTest(parseResult.GetValue(steps), parseResult.GetValue(seed));
            return new TorchDoctor(configuration.Output, configuration.Error, parseResult.GetValue(verbose)).Run(smokeTest, parseResult.GetRequiredValue(device));
        });
        return doctor;
    }
}
