using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SerSsl.Client.Tests;

/// <summary>
/// <c>sers serve</c> as a process of its own on a loopback port (from this test output: the apphost, sers.dll and the
/// bundled model), so that a test can kill it as a crash would and start another on the same port.
/// </summary>
internal sealed class SersProcess : IAsyncDisposable
{
    private const string ServingLine = "serving gRPC ";
    private readonly Process _process;
    private readonly StringBuilder _error = new();
    private readonly TaskCompletionSource _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SersProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        Address = new Uri($"http://127.0.0.1:{port}");
    }

    /// <summary>The loopback port.</summary>
    public int Port { get; }

    /// <summary>The gRPC address.</summary>
    public Uri Address { get; }

    /// <summary>What the server wrote to stderr so far.</summary>
    public string Error
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    /// <summary>Starts <c>sers serve</c> on <paramref name="port"/> (a free one when null) and waits until it serves.</summary>
    public static async Task<SersProcess> StartAsync(int? port = null, IEnumerable<string>? extraArgs = null, CancellationToken cancellationToken = default)
    {
        var sers = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "sers.exe" : "sers");
        Assert.True(File.Exists(sers), $"{sers} is missing: build tests/SerSsl.Client.Tests (it references src/SerSsl.Streaming for it).");
        var chosen = port ?? FreePort();
        var start = new ProcessStartInfo(sers)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "serve", "--port", chosen.ToString(System.Globalization.CultureInfo.InvariantCulture), "--http-urls", "none", "--log-format", "text", "--log-level", "warning" }.Concat(extraArgs ?? []))
        {
            start.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var server = new SersProcess(process, chosen);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (server._error)
            {
                server._error.AppendLine(e.Data);
            }

            if (e.Data.StartsWith(ServingLine, StringComparison.Ordinal))
            {
                server._serving.TrySetResult();
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.Exited += (_, _) => server._serving.TrySetException(new InvalidOperationException("sers serve exited before serving."));
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            await server._serving.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            var error = server.Error;
            await server.DisposeAsync();
            Assert.Fail($"sers serve on port {chosen} did not start serving ({ex.Message}):\n{error}");
        }

        return server;
    }

    /// <summary>Kills the server at once (SIGKILL): connections drop without an end of stream, as in a crash.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>A port nobody listens on now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        finally
        {
            _process.Dispose();
        }
    }
}
