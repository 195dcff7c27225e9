namespace SerSsl.Streaming;

internal static class Program
{
    private static int Main(string[] args) => SersCommandLine.Build().Parse(args).Invoke();
}
