using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using SerSsl.Streaming.Tests.Support;
using SerSsl.TestSupport;

namespace SerSsl.Streaming.Tests.Commands;

/// <summary><c>sers analyze</c> on endless input: output as the estimates arrive, and a stop that is prompt and keeps what is done.</summary>
public sealed class AnalyzeStreamingTests : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("analyze-stream");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Analyze_FifoWithoutWriter_StopsWithinASecond()
    {
        var ct = TestContext.Current.CancellationToken;
        var fifo = MakeFifo("silent.wav");
        var (run, stop, output, error) = Start(["analyze", fifo, "--model", TestModel.Directory, "--format", "json"], ct);
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        Assert.False(run.IsCompleted, error.Text);

        var watch = Stopwatch.StartNew();
        await stop.CancelAsync();
        var exitCode = await run.WaitAsync(TimeSpan.FromSeconds(5), ct);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"took {watch.Elapsed}");
        Assert.Equal(130, exitCode);
        Assert.Contains("stopped.", error.Text, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(output.Text);
        Assert.True(json.RootElement.GetProperty("stopped").GetBoolean());
        Assert.Equal(0, json.RootElement.GetProperty("estimates").GetArrayLength());
    }

    [Theory]
    [InlineData("json")]
    [InlineData("csv")]
    [InlineData("text")]
    public async Task Analyze_EndlessFifo_WritesEstimatesAsTheyArriveAndKeepsThemOnStop(string format)
    {
        var ct = TestContext.Current.CancellationToken;
        var fifo = MakeFifo("endless.wav");
        var (run, stop, output, error) = Start(["analyze", fifo, "--model", TestModel.Directory, "--format", format], ct);
        using var writing = new CancellationTokenSource();
        var writer = Task.Run(() => WriteEndlessWav(fifo, writing.Token), CancellationToken.None);

        // Estimates show up while the stream goes on: nothing waits for its end.
        await Eventually.WaitUntil(() => EstimateLines(output.Text, format) >= 8, ct, TimeSpan.FromSeconds(60));
        Assert.False(run.IsCompleted, error.Text);
        var watch = Stopwatch.StartNew();
        await stop.CancelAsync();
        var exitCode = await run.WaitAsync(TimeSpan.FromSeconds(5), ct);
        var stopped = watch.Elapsed;
        await writing.CancelAsync();
        await writer;

        Assert.True(stopped < TimeSpan.FromSeconds(1), $"took {stopped}");
        Assert.Equal(130, exitCode);
        var text = output.Text;
        Assert.True(EstimateLines(text, format) >= 8, text);
        if (format == "json")
        {
            using var json = JsonDocument.Parse(text);
            var estimates = json.RootElement.GetProperty("estimates").EnumerateArray().ToArray();
            Assert.Equal(Enumerable.Range(0, estimates.Length).Select(i => (long)i), estimates.Select(e => e.GetProperty("sequence").GetInt64()));
            Assert.True(json.RootElement.GetProperty("stopped").GetBoolean());
            Assert.True(json.RootElement.GetProperty("durationSeconds").GetDouble() > 1);
        }
        else if (format == "text")
        {
            Assert.Contains("stopped before the end", text, StringComparison.Ordinal);
        }
    }

    private static int EstimateLines(string text, string format) => format switch
    {
        "json" => text.Split('\n').Count(l => l.Contains("\"sequence\":", StringComparison.Ordinal) && l.Contains("\"topLabel\"", StringComparison.Ordinal)),
        "csv" => Math.Max(0, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1),
        _ => text.Split('\n').Count(l => l.Length > 5 && char.IsDigit(l[4]) && (l.Contains(" yes ", StringComparison.Ordinal) || l.Contains(" no ", StringComparison.Ordinal))),
    };

    /// <summary>A WAV stream of unknown length (as arecord writes to a pipe): a tone, faster than real time, until cancelled.</summary>
    private static void WriteEndlessWav(string path, CancellationToken cancellationToken)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
            using var header = new BinaryWriter(stream, Encoding.ASCII, leaveOpen: true);
            header.Write("RIFF"u8);
            header.Write(uint.MaxValue);
            header.Write("WAVEfmt "u8);
            header.Write(16);
            header.Write((short)1);
            header.Write((short)1);
            header.Write(16_000);
            header.Write(32_000);
            header.Write((short)2);
            header.Write((short)16);
            header.Write("data"u8);
            header.Write(uint.MaxValue);
            header.Flush();
            var block = new byte[3200];
            var phase = 0L;
            while (!cancellationToken.IsCancellationRequested)
            {
                for (var i = 0; i < block.Length / 2; i++, phase++)
                {
                    var envelope = 0.5 * (1 + Math.Sin(2 * Math.PI * 0.4 * phase / 16_000));
                    var value = (short)(8000 * envelope * Math.Sin(2 * Math.PI * 220 * phase / 16_000));
                    block[2 * i] = (byte)value;
                    block[(2 * i) + 1] = (byte)(value >> 8);
                }

                stream.Write(block);
                Thread.Sleep(20); // about 5 times real time
            }
        }
        catch (IOException)
        {
            // The reader went away (the analysis stopped): a broken pipe.
        }
    }

    private string MakeFifo(string name)
    {
        var path = Path.Combine(_dir, name);
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }

    private static (Task<int> Run, CancellationTokenSource Stop, LockedWriter Output, LockedWriter Error) Start(string[] args, CancellationToken ct)
    {
        var output = new LockedWriter();
        var error = new LockedWriter();
        var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var configuration = new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null };
        var run = Task.Run(() => SersCommandLine.Build().Parse(args).InvokeAsync(configuration, stop.Token), CancellationToken.None);
        return (run, stop, output, error);
    }
}
