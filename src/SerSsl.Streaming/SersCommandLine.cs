using System.CommandLine;
using SerSsl.Streaming.Commands;

namespace SerSsl.Streaming;

/// <summary>The <c>sers</c> command tree.</summary>
internal static class SersCommandLine
{
    public static RootCommand Build() =>
        new("sers: real-time speech emotion recognition. Captures audio, computes log-mel features and publishes rolling emotion estimates.")
        {
            AnalyzeCommand.Build(),
            EvaluateCommand.Build(),
            InspectCommand.Build(),
            ListenCommand.Build(),
            ServeCommand.Build(),
            DevicesCommand.Build(),
        };
}
