using System.CommandLine;
using System.Text.Json;
using SerSsl.Core.Audio;
using SerSsl.Streaming.Tests.Support;
using SerSsl.TestSupport;

namespace SerSsl.Streaming.Tests.Commands;

public sealed class RecognitionCommandTests : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("commands");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Analyze_DemoAsJsonWithPlot_TimelineCoversTheRecordingAndThePngIsWritten()
    {
        var png = Path.Combine(_dir, "timeline.png");

        var (exitCode, output, error) = Run("analyze", TestModel.DemoRecording, "--model", TestModel.Directory, "--format", "json", "--plot", png);

        Assert.True(exitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        var labels = root.GetProperty("labels").EnumerateArray().Select(l => l.GetString()).ToArray();
        var estimates = root.GetProperty("estimates").EnumerateArray().ToArray();
        var duration = root.GetProperty("durationSeconds").GetDouble();
        Assert.Equal(6, labels.Length);
        Assert.InRange(duration, 15, 30);
        var frames = 1 + (((int)Math.Round(duration * 16_000) - 400) / 160);
        Assert.Equal(1 + ((frames - 100) / 25), estimates.Length);
        Assert.All(estimates, e => Assert.Equal(1.0, e.GetProperty("probabilities").EnumerateObject().Sum(p => p.Value.GetDouble()), 3));
        Assert.Contains(estimates, e => e.GetProperty("speech").GetBoolean());
        Assert.Contains(estimates, e => !e.GetProperty("speech").GetBoolean());
        Assert.True(new FileInfo(png).Length > 10_000, "the plot is missing or empty");
    }

    [Fact]
    public void Analyze_Csv_HasAHeaderAndOneRowPerEstimate()
    {
        var (exitCode, output, error) = Run("analyze", TestModel.DemoRecording, "--model", TestModel.Directory, "--format", "csv", "--hop-ms", "500");

        Assert.True(exitCode == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("sequence,start_seconds,end_seconds,top_label,confidence,speech,speech_probability,", lines[0], StringComparison.Ordinal);
        Assert.Equal("0.5", lines[2].Split(',')[1]);
        Assert.True(lines.Length > 20);
    }

    [Fact]
    public void Analyze_WindowAll_DiffersFromTheDefaultSpeechWindowOnlyOnSpeechAfterANonSpeechChunk()
    {
        var (speechExit, speechOut, speechError) = Run("analyze", TestModel.DemoRecording, "--model", TestModel.Directory, "--format", "csv");
        var (allExit, allOut, allError) = Run("analyze", TestModel.DemoRecording, "--model", TestModel.Directory, "--format", "csv", "--window", "all");

        Assert.True(speechExit == 0, speechError);
        Assert.True(allExit == 0, allError);
        var speech = speechOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')).ToArray();
        var all = allOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal(all.Length, speech.Length);
        var differing = 0;
        for (var i = 0; i < all.Length; i++)
        {
            // Columns 7 to 12 are the six probabilities; a non-speech estimate, or one whose last K (5) chunks are
            // all speech, aggregates the same window under both rules.
            var sameWindow = speech[i][5] == "0" || Enumerable.Range(Math.Max(0, i - 4), Math.Min(i, 4) + 1).All(j => speech[j][5] == "1");
            var same = speech[i][7..13].SequenceEqual(all[i][7..13]);
            Assert.True(same || !sameWindow, $"estimate {i} differs although its window is the same under both rules");
            differing += same ? 0 : 1;
        }

        Assert.True(differing > 0, "--window all changed no estimate");
    }

    [Fact]
    public void Analyze_UnknownWindow_ExitsWithTheChoices()
    {
        var (exitCode, _, error) = Run("analyze", TestModel.DemoRecording, "--model", TestModel.Directory, "--window", "voiced");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("voiced", error, StringComparison.Ordinal);
        Assert.Contains("speech", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_MissingModelFolder_ExitsTwoNamingTheFolder()
    {
        var missing = Path.Combine(_dir, "no-model");

        var (exitCode, _, error) = Run("analyze", TestModel.DemoRecording, "--model", missing);

        Assert.Equal(2, exitCode);
        Assert.Contains(missing, error, StringComparison.Ordinal);
        Assert.Contains("sers-train export", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_NotAWavFile_ExitsTwoWithTheReason()
    {
        var path = Path.Combine(_dir, "notes.wav");
        File.WriteAllText(path, "these are not samples");

        var (exitCode, _, error) = Run("analyze", path, "--model", TestModel.Directory);

        Assert.Equal(2, exitCode);
        Assert.Contains("notes.wav", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_CudaOnTheCpuBuild_ExitsOneSayingHowToGetCuda()
    {
        var (exitCode, _, error) = Run("analyze", TestModel.DemoRecording, "--model", TestModel.Directory, "--device", "cuda:0");

        Assert.Equal(1, exitCode);
        Assert.Contains("CUDA execution provider", error, StringComparison.Ordinal);
        Assert.Contains("CPUExecutionProvider", error, StringComparison.Ordinal);
        Assert.Contains("SerSslOnnxRuntime=Gpu", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--device", "gpu7")]
    [InlineData("--hop-ms", "15")]
    [InlineData("--smoothing", "1.5")]
    [InlineData("--vad", "webrtc")]
    public void Analyze_InvalidOption_ExitsWithAMessage(string option, string value)
    {
        var (exitCode, _, error) = Run("analyze", TestModel.DemoRecording, option, value);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(option, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Listen_FileFastAsJsonLines_OneParsableEstimatePerLineInSequence()
    {
        var (exitCode, output, error) = Run("listen", "--source", $"file:{TestModel.DemoRecording}", "--fast", "--model", TestModel.Directory, "--output", "json");

        Assert.True(exitCode == 0, error);
        var sequences = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Select(e => e.TryGetProperty("sequence", out var s) ? ulong.Parse(s.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : 0UL)
            .ToArray();
        Assert.True(sequences.Length > 20);
        Assert.Equal(Enumerable.Range(0, sequences.Length).Select(i => (ulong)i), sequences);
        Assert.Contains("estimates", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Listen_MicWithoutAServer_ExitsTwoSayingToStartPulseAudio()
    {
        var socket = Path.Combine(_dir, "nothing-listens-here");

        var (exitCode, _, error) = Run("listen", "--source", "mic", "--pulse-server", $"unix:{socket}", "--model", TestModel.Directory);

        Assert.Equal(2, exitCode);
        Assert.Contains("PulseAudio", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Listen_UnknownSourceKind_ExitsWithTheAcceptedForms()
    {
        var (exitCode, _, error) = Run("listen", "--source", "bluetooth");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("mic:NAME", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Listen_PlaylistOfTwoRecordingsFastAsJson_EstimatesCoverTheWholePlaylist()
    {
        string[] clips = ["/usr/share/sounds/alsa/Front_Center.wav", "/usr/share/sounds/alsa/Front_Left.wav"];
        foreach (var clip in clips)
        {
            if (!File.Exists(clip))
            {
                Assert.Skip($"{clip} not found (alsa-utils provides /usr/share/sounds/alsa).");
            }
        }

        var list = Path.Combine(_dir, "speech.txt");
        File.WriteAllLines(list, ["# two real recordings", .. clips]);

        var (exitCode, output, error) = Run("listen", "--source", $"playlist:{list}", "--fast", "--model", TestModel.Directory, "--output", "json", "--gap-seconds", "0.5");

        Assert.True(exitCode == 0, error);
        var estimates = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToArray();
        // Each 48 kHz clip becomes ceil(frames / 3) samples at 16 kHz; 8,000 samples of silence lie between them.
        var samples = clips.Sum(clip => (AudioReader.ReadMono(clip).Samples.Length + 2) / 3) + 8_000;
        var frames = 1 + ((samples - 400) / 160);
        Assert.Equal(1 + ((frames - 100) / 25), estimates.Length);
        var seconds = samples / 16_000.0;
        var last = estimates[^1].GetProperty("endSeconds").GetDouble();
        Assert.InRange(last, seconds - 0.25, seconds);
        Assert.False(estimates[0].TryGetProperty("startSeconds", out _), "the first estimate should start at 0 s");
        Assert.Contains(estimates, e => e.GetProperty("speech").GetBoolean());
        Assert.Contains("playing 1/2: Front_Center.wav", error, StringComparison.Ordinal);
        Assert.Contains("playing 2/2: Front_Left.wav", error, StringComparison.Ordinal);
        Assert.True(error.IndexOf("playing 1/2", StringComparison.Ordinal) < error.IndexOf("playing 2/2", StringComparison.Ordinal), error);
    }

    [Fact]
    public void Listen_PlaylistWithAMissingClip_ExitsTwoNamingTheLine()
    {
        var list = Path.Combine(_dir, "list.txt");
        File.WriteAllLines(list, [TestModel.DemoRecording, "", "gone.wav"]);

        var (exitCode, output, error) = Run("listen", "--source", $"playlist:{list}", "--fast", "--model", TestModel.Directory, "--output", "lines");

        Assert.Equal(2, exitCode);
        Assert.Contains($"playlist '{list}' line 3: No such audio file", error, StringComparison.Ordinal);
        Assert.Empty(output);
        Assert.DoesNotContain("playing", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("30.01")]
    [InlineData("NaN")]
    public void Listen_GapSecondsOutOfRange_ExitsTwoWithTheRange(string value)
    {
        var list = Path.Combine(_dir, "list.txt");
        File.WriteAllLines(list, [TestModel.DemoRecording]);

        var (exitCode, output, error) = Run("listen", "--source", $"playlist:{list}", "--fast", "--model", TestModel.Directory, "--gap-seconds", value);

        Assert.Equal(2, exitCode);
        Assert.Contains($"--gap-seconds must be 0 to 30 seconds; got {value}", error, StringComparison.Ordinal);
        Assert.Empty(output);
    }

    [Theory]
    [InlineData("file")]
    [InlineData("stdin")]
    public void Listen_GapSecondsWithoutAPlaylist_ExitsTwoSayingItIsForPlaylists(string kind)
    {
        var source = kind == "file" ? $"file:{TestModel.DemoRecording}" : "stdin";

        var (exitCode, output, error) = Run("listen", "--source", source, "--fast", "--model", TestModel.Directory, "--gap-seconds", "2");

        Assert.Equal(2, exitCode);
        Assert.Contains("--gap-seconds applies only to --source playlist:PATH", error, StringComparison.Ordinal);
        Assert.Empty(output);
    }

    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = SersCommandLine.Build().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }
}
