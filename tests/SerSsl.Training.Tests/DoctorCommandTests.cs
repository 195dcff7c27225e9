using System.CommandLine;

namespace SerSsl.Training.Tests;

public sealed class DoctorCommandTests
{
    [Fact]
    public void Doctor_OnThisMachine_ReportsVersionsLoadAndFallingLoss()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var configuration = new InvocationConfiguration { Output = output, Error = error };

        var exitCode = TrainCommandLine.Build().Parse(["doctor", "--steps", "30"]).Invoke(configuration);

        var report = output.ToString();
        Assert.True(exitCode == 0, $"doctor failed:\n{report}\n{error}");
        Assert.Contains("TorchSharp", report, StringComparison.Ordinal);
        Assert.Contains("libtorch", report, StringComparison.Ordinal);
        Assert.Contains("native load       ok", report, StringComparison.Ordinal);
        Assert.Contains("cuda available", report, StringComparison.Ordinal);
        Assert.Contains("30 Adam steps", report, StringComparison.Ordinal);
        Assert.Contains("result            ok", report, StringComparison.Ordinal);
    }

    [Fact]
    public void Doctor_UnknownDevice_FailsParsing()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var configuration = new InvocationConfiguration { Output = output, Error = error };

        var exitCode = TrainCommandLine.Build().Parse(["doctor", "--device", "tpu"]).Invoke(configuration);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("tpu", error.ToString(), StringComparison.Ordinal);
    }
}
