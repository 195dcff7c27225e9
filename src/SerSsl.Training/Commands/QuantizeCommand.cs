using System.CommandLine;
using System.Globalization;
using SerSsl.Training.Export;

namespace SerSsl.Training.Commands;

/// <summary><c>sers-train quantize</c>: an int8 encoder beside a bundle's float32 one.</summary>
internal static class QuantizeCommand
{
    public static Command Build()
    {
        var bundle = new Option<string>("--bundle")
        {
            Description = "The model bundle folder (written by sers-train export). Its float32 encoder is read; encoder.int8.onnx is written beside it and manifest.json gains an encoderInt8 entry.",
            Required = true,
        };
        var calibration = new Option<string[]>("--calibration")
        {
            HelpName = "PATH",
            Description = "Audio the activation ranges are measured on: .wav or .opus files, folders of them (searched recursively), or .txt files listing one audio path a line (relative to the list). Use the model's training speakers, never its test speakers. Repeat or list several.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
            Arity = ArgumentArity.OneOrMore,
        };
        var maxClips = new Option<int>("--max-clips") { Description = "Largest number of clips read (a seeded random choice when there are more).", DefaultValueFactory = _ => 600 };
        var chunksPerClip = new Option<int>("--chunks-per-clip") { Description = "Largest number of chunks taken from each clip, spread over it.", DefaultValueFactory = _ => 4 };
        var command = new Command(
            "quantize",
            "Static int8 quantization of a bundle's chunk encoder (ONNX QDQ: convolution weights int8 per output channel, activations uint8 with ranges measured on the calibration audio; ONNX Runtime runs the convolutions as integer QLinearConv). "
            + "A fifth of the clips is held out: the bundle with the int8 encoder must keep the float32 bundle's most likely label on at least "
            + $"{QuantizationParity.MinTopLabelAgreement:P0} of them and stay within {QuantizationParity.MaxMeanProbability} mean absolute probability difference, else nothing is written. "
            + "Prints both encoders' speed on one thread. sers uses the int8 encoder with --precision int8.")
        {
            bundle, calibration, maxClips, chunksPerClip,
        };
        command.SetAction((result, token) => TrainingCommands.Run(result, log =>
        {
            var outcome = BundleQuantizer.Run(
                new QuantizeRequest(result.GetRequiredValue(bundle), result.GetRequiredValue(calibration), result.GetValue(maxClips), result.GetValue(chunksPerClip)),
                log);
            var output = result.InvocationConfiguration.Output;
            var path = outcome.Bundle.Int8EncoderPath!;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {path} ({new FileInfo(path).Length / 1024.0:F1} KiB; float32 {new FileInfo(outcome.Bundle.EncoderPath).Length / 1024.0:F1} KiB): {outcome.Summary.QuantizedConvolutions} convolutions, {outcome.Summary.Int8Weights:N0} int8 weights, {outcome.Summary.Ranges.Count} activation ranges from {outcome.Summary.CalibrationChunks:N0} chunks"));
            output.WriteLine($"check: {outcome.Parity}");
            output.WriteLine($"speed: {outcome.Speed}");
            output.WriteLine("use it: sers ... --model " + outcome.Bundle.Directory + " --precision int8");
        }));
        return command;
    }
}
