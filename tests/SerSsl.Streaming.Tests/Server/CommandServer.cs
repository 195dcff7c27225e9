using System.CommandLine;
using System.Text;
using SerSsl.Streaming.Tests.Support;

namespace SerSsl.Streaming.Tests.Server;

/// <summary>
/// A <c>sers</c> command (<c>serve</c>, <c>listen --serve</c>) running in process until it ends or is cancelled, with
/// its output captured and the addresses it says it serves on.
/// </summary>
internal sealed class CommandServer : IAsyncDisposable
{
    private const string ServingLine = "serving gRPC ";
    private readonly CancellationTokenSource _stop;
    private readonly LockedWriter _output;
    private readonly LockedWriter _error;

    private CommandServer(Task<int> run, CancellationTokenSource stop, LockedWriter output, LockedWriter error)
    {
        Completion = run;
        _stop = stop;
        _output = output;
        _error = error;
    }

    /// <summary>The command's exit code, once it ends.</summary>
    public Task<int> Completion { get; }

    /// <summary>The addresses from the command's "serving gRPC ... on URL, URL" line.</summary>
    public IReadOnlyList<Uri> Addresses { get; private set; } = [];

    /// <summary>The first address.</summary>
    public Uri Address => Addresses[0];

    /// <summary>What the command wrote to its output so far.</summary>
    public string Output => _output.Text;

    /// <summary>What the command wrote to its error writer so far.</summary>
    public string Error => _error.Text;

    /// <summary>Runs the command; returns once it says where it serves, or fails the test if it ends first.</summary>
    public static async Task<CommandServer> StartAsync(string[] args, CancellationToken cancellationToken)
    {
        var output = new LockedWriter();
        var error = new LockedWriter();
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var configuration = new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null };
        var run = Task.Run(() => SersCommandLine.Build().Parse(args).InvokeAsync(configuration, stop.Token), CancellationToken.None);
        var server = new CommandServer(run, stop, output, error);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var line = error.Text.Split('\n').FirstOrDefault(l => l.StartsWith(ServingLine, StringComparison.Ordinal));
            if (line is not null)
            {
                var urls = line[(line.LastIndexOf(" on ", StringComparison.Ordinal) + 4)..].Trim();
                server.Addresses = [.. urls.Split(", ").Select(u => new Uri(u))];
                return server;
            }

            if (run.IsCompleted)
            {
                Assert.Fail($"sers {string.Join(' ', args)} ended with {await run} before serving:\n{error.Text}");
            }

            Assert.True(DateTime.UtcNow < deadline, $"sers {string.Join(' ', args)} did not start serving in 30 s:\n{error.Text}");
            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>Runs the command to its end (for commands that fail before serving).</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var output = new LockedWriter();
        var error = new LockedWriter();
        var configuration = new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null };
        var exitCode = await SersCommandLine.Build().Parse(args).InvokeAsync(configuration, cancellationToken).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        return (exitCode, output.Text, error.Text);
    }

    /// <summary>Cancels the command, as Ctrl+C does, and returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        await _stop.CancelAsync();
        return await Completion.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            _stop.Dispose();
            await _output.DisposeAsync();
            await _error.DisposeAsync();
        }
    }
}
