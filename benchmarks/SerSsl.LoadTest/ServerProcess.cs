using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Grpc.Net.Client;
using SerSsl.Protos.V1;

namespace SerSsl.LoadTest;

/// <summary>A <c>sers serve</c> child process on a free loopback port, and its CPU time and resident memory from /proc.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, string address)
    {
        _process = process;
        Address = address;
    }

    /// <summary>The gRPC address (plaintext HTTP/2 on loopback).</summary>
    public string Address { get; }

    /// <summary>The server's process id.</summary>
    public int Id => _process.Id;

    /// <summary>Starts <c>dotnet SERS_DLL serve</c> with limits high enough for the load, and waits until it answers.</summary>
    public static async Task<ServerProcess> StartAsync(string sersDll, IEnumerable<string> extraArguments, CancellationToken cancellationToken)
    {
        if (!File.Exists(sersDll))
        {
            throw new FileNotFoundException($"No sers build at {sersDll}; build it first: dotnet build src/SerSsl.Streaming -c Release", sersDll);
        }

        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { sersDll, "serve", "--port", port.ToString(CultureInfo.InvariantCulture), "--http-urls", "none", "--max-sessions", "4096", "--max-sessions-per-client", "4096", "--max-subscribers", "4096" }.Concat(extraArguments))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                Console.Error.WriteLine($"[sers] {line}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process, $"http://127.0.0.1:{port}");
        using var channel = GrpcChannel.ForAddress(server.Address);
        var client = new Recognizer.RecognizerClient(channel);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                await client.GetModelInfoAsync(new GetModelInfoRequest(), cancellationToken: cancellationToken);
                return server;
            }
            catch (Grpc.Core.RpcException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    /// <summary>User plus system CPU time of the server so far.</summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>Resident memory of the server in bytes (VmRSS).</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
