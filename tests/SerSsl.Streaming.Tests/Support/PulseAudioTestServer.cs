using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using SerSsl.Streaming.Sources.Pulse;
using SerSsl.TestSupport;

namespace SerSsl.Streaming.Tests.Support;

/// <summary>
/// A private PulseAudio daemon for the tests: a 16 kHz mono null sink (<see cref="SinkName"/>, captured through
/// <see cref="MonitorName"/>) and a null microphone (<see cref="MicrophoneName"/>), reachable only through its own
/// socket (<see cref="ServerString"/>). It has its own home and runtime folders, so it neither sees nor disturbs a
/// desktop's server, and clients are pointed at it explicitly rather than through PULSE_SERVER.
/// </summary>
/// <remarks>
/// Tests call <see cref="Require"/> first: it skips them when pulseaudio or paplay is not installed (scripts/setup.sh
/// installs both) and fails them with the daemon's own output when it is installed but would not start.
/// </remarks>
public sealed class PulseAudioTestServer : IAsyncLifetime
{
    /// <summary>The null sink that <see cref="PlayAsync"/> plays into.</summary>
    public const string SinkName = "sers_test_sink";

    /// <summary>The capture source that hears what the null sink plays.</summary>
    public const string MonitorName = SinkName + ".monitor";

    /// <summary>A null capture source that is not a monitor (always silent).</summary>
    public const string MicrophoneName = "sers_test_mic";

    /// <summary>The null sink's rate: what paplay's audio is resampled to on its way to the monitor.</summary>
    public const int SinkRate = 16_000;

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(15);

    private readonly StringBuilder _daemonOutput = new();
    private string? _directory;
    private Process? _daemon;
    private string? _skipReason;
    private string? _failure;

    /// <summary>The server string to pass to clients: <c>unix:&lt;socket&gt;</c>.</summary>
    public string ServerString { get; private set; } = "";

    /// <summary>Skips the calling test when the tools are missing; fails it when the daemon did not start.</summary>
    public void Require()
    {
        if (_skipReason is not null)
        {
            Assert.Skip(_skipReason);
        }

        if (_failure is not null)
        {
            Assert.Fail(_failure);
        }
    }

    /// <summary>Plays a WAV file into <see cref="SinkName"/> with paplay and waits until it has finished.</summary>
    /// <param name="wavPath">The recording.</param>
    /// <param name="cancellationToken">Stops waiting and kills paplay.</param>
    public async Task PlayAsync(string wavPath, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(FindExecutable("paplay")!)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add($"--server={ServerString}");
        start.ArgumentList.Add($"--device={SinkName}");
        start.ArgumentList.Add(wavPath);
        ConfigureEnvironment(start);
        using var player = Process.Start(start)!;
        var error = player.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await player.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            player.Kill(entireProcessTree: true);
            throw;
        }

        Assert.True(player.ExitCode == 0, $"paplay exited with {player.ExitCode}: {await error}");
    }

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        var pulseaudio = FindExecutable("pulseaudio");
        if (pulseaudio is null || FindExecutable("paplay") is null)
        {
            _skipReason = "PulseAudio is not installed: this test needs the pulseaudio and paplay programs " +
                "(Debian/Ubuntu: apt-get install pulseaudio pulseaudio-utils; ./test.sh installs them).";
            return;
        }

        if (PulseLibrary.FindMissing(PulseNative.CoreLibrary, PulseNative.SimpleLibrary) is { } missing)
        {
            _skipReason = missing;
            return;
        }

        _directory = RepoPaths.NewTempDirectory("pulse");
        var socket = Path.Combine(_directory, "native");
        ServerString = $"unix:{socket}";
        var start = new ProcessStartInfo(pulseaudio)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[
            "--daemonize=no",
            "-n", // no default.pa: only the modules below
            "--exit-idle-time=-1",
            "--disallow-exit",
            "--use-pid-file=no",
            "--realtime=no",
            "--high-priority=no",
            "--log-target=stderr",
            "--log-level=error",
            $"--load=module-null-sink sink_name={SinkName} rate={SinkRate} channels=1",
            $"--load=module-null-source source_name={MicrophoneName} rate=48000 channels=2 format=float32le max_latency_msec=100",
            // Last, so that an accepting socket means every module above is loaded.
            $"--load=module-native-protocol-unix socket={socket} auth-anonymous=1",
        ])
        {
            start.ArgumentList.Add(argument);
        }

        ConfigureEnvironment(start);
        _daemon = Process.Start(start)!;
        _daemon.ErrorDataReceived += (_, e) => AppendOutput(e.Data);
        _daemon.OutputDataReceived += (_, e) => AppendOutput(e.Data);
        _daemon.BeginErrorReadLine();
        _daemon.BeginOutputReadLine();

        var stopwatch = Stopwatch.StartNew();
        while (!await AcceptsConnectionsAsync(socket))
        {
            if (_daemon.HasExited || stopwatch.Elapsed > s_startTimeout)
            {
                _failure = _daemon.HasExited
                    ? $"pulseaudio is installed but the test daemon exited with {_daemon.ExitCode}: {DaemonOutput()}"
                    : $"the test PulseAudio daemon did not accept connections within {s_startTimeout.TotalSeconds} s: {DaemonOutput()}";
                return;
            }

            await Task.Delay(20);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_daemon is { } daemon)
        {
            try
            {
                if (!daemon.HasExited)
                {
                    // SIGTERM lets the daemon unload its modules and remove its socket; SIGKILL only if it hangs.
                    await TerminateAsync(daemon.Id);
                    using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                    try
                    {
                        await daemon.WaitForExitAsync(patience.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        daemon.Kill(entireProcessTree: true);
                        await daemon.WaitForExitAsync();
                    }
                }
            }
            finally
            {
                daemon.Dispose();
            }
        }

        if (_directory is not null && Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>The full path of a program on PATH, or null.</summary>
    /// <param name="name">The program's file name.</param>
    public static string? FindExecutable(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static async Task TerminateAsync(int processId)
    {
        try
        {
            using var kill = Process.Start("kill", ["-TERM", processId.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }
        catch (Win32Exception)
        {
            // No kill program: the caller falls back to SIGKILL after its wait.
        }
    }

    private static async Task<bool> AcceptsConnectionsAsync(string socketPath)
    {
        if (!File.Exists(socketPath))
        {
            return false;
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await probe.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // A private home, configuration and runtime folder: the daemon and paplay read no user or desktop settings and
    // write their cookies and state only under the test folder.
    private void ConfigureEnvironment(ProcessStartInfo start)
    {
        var home = Path.Combine(_directory!, "home");
        var runtime = Path.Combine(_directory!, "run");
        Directory.CreateDirectory(home);
        Directory.CreateDirectory(runtime);
        start.Environment["HOME"] = home;
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(home, ".config");
        start.Environment["XDG_RUNTIME_DIR"] = runtime;
        start.Environment.Remove("PULSE_SERVER");
        start.Environment.Remove("PULSE_RUNTIME_PATH");
        start.Environment.Remove("DBUS_SESSION_BUS_ADDRESS");
        start.Environment.Remove("DISPLAY");
    }

    private void AppendOutput(string? line)
    {
        if (line is not null)
        {
            lock (_daemonOutput)
            {
                _daemonOutput.AppendLine(line);
            }
        }
    }

    private string DaemonOutput()
    {
        lock (_daemonOutput)
        {
            return _daemonOutput.Length == 0 ? "(no output)" : _daemonOutput.ToString().Trim();
        }
    }
}

/// <summary>
/// The tests that use the private PulseAudio daemon: one daemon for all of them, and run alone (after the parallel
/// tests) so that counts of threads and open files see only their own.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PulseAudioCollection : ICollectionFixture<PulseAudioTestServer>
{
    /// <summary>The collection name for <see cref="CollectionAttribute"/>.</summary>
    public const string Name = "PulseAudio";
}
