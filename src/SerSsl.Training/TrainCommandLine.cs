using System.CommandLine;

namespace SerSsl.Training;

/// <summary>The <c>sers-train</c> command tree.</summary>
internal static class TrainCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("sers-train: self-supervised pre-training, fine-tuning, evaluation and ONNX export of SerSsl speech emotion models.");
        return root;
    }
}
