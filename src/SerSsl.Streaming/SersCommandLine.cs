using System.CommandLine;

namespace SerSsl.Streaming;

/// <summary>The <c>sers</c> command tree.</summary>
internal static class SersCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("sers: real-time speech emotion recognition. Captures audio, computes log-mel features and publishes rolling emotion estimates.");
        return root;
    }
}
