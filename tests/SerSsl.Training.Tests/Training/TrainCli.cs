using System.CommandLine;

namespace SerSsl.Training.Tests.Training;

/// <summary>Runs <c>sers-train</c> in process, as the tests of whole commands do.</summary>
internal static class TrainCli
{
    /// <summary>Runs the command line, asserts exit code 0 (showing the error output if not) and returns what it printed, standard output then error.</summary>
    public static string Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = TrainCommandLine.Build().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        Assert.True(exitCode == 0, $"sers-train {string.Join(' ', args)} exited with {exitCode}:\n{error}");
        return output.ToString() + error;
    }
}
