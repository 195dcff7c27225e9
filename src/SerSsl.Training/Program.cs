namespace SerSsl.Training;

internal static class Program
{
    private static int Main(string[] args) => TrainCommandLine.Build().Parse(args).Invoke();
}
