using System.CommandLine;
using System.Text.Json;
using SerSsl.Core.Audio;
using SerSsl.Streaming.Inspection;
using SerSsl.TestSupport;

namespace SerSsl.Streaming.Tests.Commands;

public sealed class InspectCommandTests : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("inspect");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Inspect_StereoToneAt44100_ReportsCanonicalLengthFramesChunksAndEnergy()
    {
        // 2 s of a 440 Hz tone, amplitude 0.5, in both channels: mean square 0.125, i.e. -9.03 dB per frame.
        var path = WriteTone(44100, channels: 2, seconds: 2, amplitude: 0.5f);

        var report = new AudioInspector().Inspect(path, TestContext.Current.CancellationToken);

        Assert.Equal(44100, report.SampleRate);
        Assert.Equal(2, report.Channels);
        Assert.Equal(2.0, report.DurationSeconds, 6);
        Assert.Equal(32000, report.CanonicalSamples);           // ceil(88200 * 16000 / 44100)
        Assert.Equal(1 + ((32000 - 400) / 160), report.Frames);  // 198 whole 25 ms windows
        Assert.Equal(4, report.Chunks.Count);                    // chunk k needs 100 + 25k frames <= 198
        Assert.Equal([0.0, 0.25, 0.5, 0.75], report.Chunks.Select(c => Math.Round(c.StartSeconds, 6)));
        var expectedDb = 10 * Math.Log10(0.125);
        Assert.All(report.Chunks.Skip(1), c => Assert.InRange(c.MeanEnergyDb, expectedDb - 0.1, expectedDb + 0.1));
        Assert.All(report.Chunks.Skip(1), c => Assert.InRange(c.EnergyStdDb, 0, 0.05));
        Assert.Equal(1.0, report.ActiveFraction, 2);
    }

    [Fact]
    public void Inspect_ShorterThanOneWindow_ReportsNoFramesAndNoChunks()
    {
        var path = WriteTone(16000, channels: 1, seconds: 0.02, amplitude: 0.1f);

        var report = new AudioInspector().Inspect(path, TestContext.Current.CancellationToken);

        Assert.Equal(320, report.CanonicalSamples);
        Assert.Equal(0, report.Frames);
        Assert.Empty(report.Chunks);
        Assert.True(double.IsNaN(report.MeanEnergyDb));
    }

    [Fact]
    public void InspectCommand_JsonFormat_WritesParsableReport()
    {
        var path = WriteTone(48000, channels: 1, seconds: 2, amplitude: 0.25f);

        var (exitCode, output, error) = Run("inspect", path, "--format", "json", "--hop-ms", "500");

        Assert.True(exitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(48000, json.RootElement.GetProperty("sampleRate").GetInt32());
        Assert.Equal(50, json.RootElement.GetProperty("hopFrames").GetInt32());
        Assert.Equal(1 + ((32000 - 400) / 160), json.RootElement.GetProperty("frames").GetInt64());
        Assert.Equal(2, json.RootElement.GetProperty("chunks").GetArrayLength()); // 198 frames: chunks at frames 0 and 50
    }

    [Fact]
    public void InspectCommand_MissingFile_ExitsWithTwoAndNamesThePath()
    {
        var missing = Path.Combine(_dir, "missing.wav");

        var (exitCode, _, error) = Run("inspect", missing);

        Assert.Equal(2, exitCode);
        Assert.Contains("No such audio file", error, StringComparison.Ordinal);
        Assert.Contains(missing, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(128)]
    [InlineData(7_999)]
    [InlineData(192_001)]
    [InlineData(1_000_000)]
    public void InspectCommand_RateTheReaderTakesButTheResamplerDoesNot_OneLineLikeAnalyze(int sampleRate)
    {
        var path = Path.Combine(_dir, $"rate-{sampleRate}.wav");
        WavFile.Write(path, new float[100], sampleRate, WavSampleFormat.Pcm16);

        var (exitCode, output, error) = Run("inspect", path);
        var (analyzeExit, _, analyzeError) = Run("analyze", path, "--model", Support.TestModel.Directory);

        Assert.Equal(2, exitCode);
        Assert.Empty(output);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"Sample rate {sampleRate} Hz is not supported; use 8000 to 192000 Hz.", error, StringComparison.Ordinal);
        Assert.Contains(path, error, StringComparison.Ordinal);
        Assert.Equal(analyzeExit, exitCode);
        Assert.Equal(analyzeError, error);
    }

    [Fact]
    public void InspectCommand_Directory_OneLineLikeAnalyze()
    {
        var (exitCode, output, error) = Run("inspect", _dir);
        var (analyzeExit, _, analyzeError) = Run("analyze", _dir, "--model", Support.TestModel.Directory);

        Assert.Equal(2, exitCode);
        Assert.Empty(output);
        Assert.Equal($"error: audio source: '{_dir}' is a directory, not an audio file. Give one recording (WAV or Ogg Opus).", error.Trim());
        Assert.Equal(analyzeExit, exitCode);
        Assert.Equal(analyzeError, error);
    }

    [Fact]
    public void InspectCommand_NotAWavFile_ExitsWithTwoAndGivesTheByteOffset()
    {
        var path = Path.Combine(_dir, "text.wav");
        File.WriteAllText(path, "this is a text file, not audio at all");

        var (exitCode, output, error) = Run("inspect", path);

        Assert.Equal(2, exitCode);
        Assert.Empty(output);
        Assert.Contains("byte offset 0", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal); // a message, not a stack trace
    }

    [Theory]
    [InlineData("0")]
    [InlineData("125")]
    public void InspectCommand_HopNotAMultipleOfTheFrameHop_IsRejected(string hopMs)
    {
        var path = WriteTone(16000, channels: 1, seconds: 0.5, amplitude: 0.1f);

        var (exitCode, _, error) = Run("inspect", path, "--hop-ms", hopMs);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--hop-ms", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_ListsTheInspectCommand()
    {
        var (exitCode, output, _) = Run("--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("inspect", output, StringComparison.Ordinal);
        Assert.Contains("speech emotion", output, StringComparison.Ordinal);
    }

    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = SersCommandLine.Build().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }

    private string WriteTone(int sampleRate, int channels, double seconds, float amplitude)
    {
        var frames = (int)Math.Round(seconds * sampleRate);
        var samples = new float[frames * channels];
        for (var i = 0; i < frames; i++)
        {
            var value = amplitude * MathF.Sin(2 * MathF.PI * 440 * i / sampleRate);
            samples.AsSpan(i * channels, channels).Fill(value);
        }

        var path = Path.Combine(_dir, $"tone-{sampleRate}-{channels}-{seconds}.wav");
        WavFile.Write(path, samples, sampleRate, WavSampleFormat.Float32, channels);
        return path;
    }
}
