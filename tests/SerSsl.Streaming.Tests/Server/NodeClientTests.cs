using System.Diagnostics;
using System.Text.Json;
using SerSsl.Core.Audio;
using SerSsl.Streaming.Tests.Support;
using SerSsl.TestSupport;

namespace SerSsl.Streaming.Tests.Server;

/// <summary>
/// A client no one here wrote against the C# types: the Node script in tests/clients/node, built from the .proto
/// files with @grpc/grpc-js and @grpc/proto-loader, against the server on a real loopback port.
/// </summary>
public sealed class NodeClientTests : IDisposable
{
    private static readonly string s_clientDirectory = Path.Combine(RepoPaths.Root, "tests", "clients", "node");
    private readonly string _dir = RepoPaths.NewTempDirectory("node-client");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(WavSampleFormat.Pcm16, 1)]
    [InlineData(WavSampleFormat.Float32, 2)]
    public async Task RecognizeAndSubscribe_NodeClientStreamsAWav_BothStreamsGetTheSameGapFreeEstimates(WavSampleFormat format, int channels)
    {
        var ct = TestContext.Current.CancellationToken;
        var node = RequireNodeClient();
        // Six seconds of the demo recording, so that the real-time stream takes seconds, not the whole recording's 20.
        var demo = WavFile.ReadMono(TestModel.DemoRecording);
        var excerpt = demo.Samples.AsSpan(0, 6 * demo.SampleRate).ToArray();
        var interleaved = excerpt.SelectMany(s => Enumerable.Repeat(s, channels)).ToArray();
        var wav = Path.Combine(_dir, "excerpt.wav");
        WavFile.Write(wav, interleaved, demo.SampleRate, format, channels);
        await using var server = await ServerHarness.StartAsync(Transport.Kestrel);

        var (exitCode, output, error) = await RunNodeAsync(
            node,
            ["recognize-and-subscribe.js", "--address", server.Address.ToString(), "--wav", wav, "--session", "from-node", "--lead-seconds", "2"],
            ct);

        Assert.True(exitCode == 0, $"node exited with {exitCode}\nstdout:\n{output}\nstderr:\n{error}");
        using var json = JsonDocument.Parse(output);
        var summary = json.RootElement;
        Assert.Equal("from-node", summary.GetProperty("sessionId").GetString());
        Assert.Equal(server.Engine.Bundle.Labels, summary.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal(6.0, summary.GetProperty("audioSeconds").GetDouble(), 3);
        var recognize = summary.GetProperty("recognize");
        var subscribe = summary.GetProperty("subscribe");
        foreach (var stream in new[] { recognize, subscribe })
        {
            Assert.True(stream.GetProperty("estimates").GetInt32() > 0, output);
            Assert.Equal(0, stream.GetProperty("firstSequence").GetInt32());
            Assert.Equal(stream.GetProperty("estimates").GetInt32() - 1, stream.GetProperty("lastSequence").GetInt32());
            Assert.Empty(stream.GetProperty("sequenceGaps").EnumerateArray());
            Assert.Equal(0, stream.GetProperty("gapEvents").GetInt32());
            Assert.Equal("OK", stream.GetProperty("status").GetProperty("code").GetString());
        }

        // The subscriber started from sequence 0 while the audio was still streaming, so it saw every estimate.
        Assert.Equal(recognize.GetProperty("estimates").GetInt32(), subscribe.GetProperty("estimates").GetInt32());
        Assert.Equal(recognize.GetProperty("estimates").GetInt32(), summary.GetProperty("sharedEstimates").GetInt32());
        Assert.Empty(summary.GetProperty("mismatchedSequences").EnumerateArray());
        Assert.Equal(recognize.GetProperty("topLabels").ToString(), subscribe.GetProperty("topLabels").ToString());
        Assert.Empty(summary.GetProperty("problems").EnumerateArray());
        Assert.Empty(server.Registry.All);
        TestContext.Current.SendDiagnosticMessage(
            $"node client ({format}, {channels} ch): {recognize.GetProperty("estimates").GetInt32()} estimates on both streams in {summary.GetProperty("wallSeconds").GetDouble():F2} s");
    }

    [Fact]
    public async Task RecognizeAndSubscribe_NodeClientSendsOpusAndPcmOfOneRecording_EstimatesAgreeAndOpusTakesAFractionOfTheBytes()
    {
        var ct = TestContext.Current.CancellationToken;
        var node = RequireNodeClient();
        var demo = WavFile.ReadMono(TestModel.DemoRecording);
        var wav = Path.Combine(_dir, "excerpt.wav");
        WavFile.Write(wav, demo.Samples.AsSpan(0, 6 * demo.SampleRate), demo.SampleRate, WavSampleFormat.Pcm16, 1);
        var opus = OggOpusPackets.Encode(wav, Path.Combine(_dir, "excerpt.opus")).Path;
        // Sessions that buffer a minute: a live session drops audio it cannot keep up with on a busy machine, and the
        // two compared must have seen the same audio.
        await using var server = await ServerHarness.StartAsync(
            Transport.Kestrel,
            new Streaming.Server.ServerOptions { BurstSeconds = 60, SessionOptions = Streaming.Pipeline.StreamingSessionOptions.Default with { BufferSeconds = 60 } });

        var summaries = new List<JsonElement>();
        foreach (var input in new[] { "--wav", "--opus" })
        {
            var path = input == "--wav" ? wav : opus;
            var (exitCode, output, error) = await RunNodeAsync(
                node,
                ["recognize-and-subscribe.js", "--address", server.Address.ToString(), input, path, "--speed", "3", "--lead-seconds", "6", "--estimates", "1"],
                ct);
            Assert.True(exitCode == 0, $"node {input} exited with {exitCode}\nstdout:\n{output}\nstderr:\n{error}");
            summaries.Add(JsonDocument.Parse(output).RootElement.Clone());
        }

        var (pcm, fromOpus) = (summaries[0], summaries[1]);
        Assert.Equal("AUDIO_ENCODING_S16LE", pcm.GetProperty("encoding").GetString());
        Assert.Equal("AUDIO_ENCODING_OPUS", fromOpus.GetProperty("encoding").GetString());
        var expected = EstimateList(pcm);
        var actual = EstimateList(fromOpus);
        var shared = expected.Keys.Where(actual.ContainsKey).ToList();
        Assert.True(shared.Count >= expected.Count - 1, $"{shared.Count} shared estimates of {expected.Count}");
        var meanDifference = shared.Average(k => expected[k].P.Zip(actual[k].P, (a, b) => Math.Abs(a - b)).Max());
        var agreement = shared.Count(k => expected[k].Top == actual[k].Top) / (double)shared.Count;
        var pcmBytesPerSecond = pcm.GetProperty("audioBytes").GetDouble() / 6.0;
        var opusBytesPerSecond = fromOpus.GetProperty("audioBytes").GetDouble() / 6.0;
        TestContext.Current.SendDiagnosticMessage(System.FormattableString.Invariant(
            $"node client, 6 s of the demo: s16 PCM {pcmBytesPerSecond:F0} B/s in {pcm.GetProperty("messages").GetInt32()} messages, Opus {opusBytesPerSecond:F0} B/s in {fromOpus.GetProperty("messages").GetInt32()} packets; {shared.Count} estimates, mean largest probability difference {meanDifference:F4}, top labels agree on {agreement:P1}"));
        Assert.True(meanDifference <= 0.12, $"mean largest probability difference {meanDifference:F4}"); // the bound OpusIngestTests measured
        Assert.True(agreement >= 0.85, $"top labels agree on {agreement:P1}");
        Assert.True(opusBytesPerSecond < pcmBytesPerSecond / 4, $"Opus {opusBytesPerSecond:F0} B/s against PCM {pcmBytesPerSecond:F0} B/s");
    }

    [Fact]
    public async Task RecognizeAndSubscribe_AudioFasterThanTheBurstAllowance_NodeClientReportsResourceExhaustedAndFails()
    {
        var ct = TestContext.Current.CancellationToken;
        var node = RequireNodeClient();
        await using var server = await ServerHarness.StartAsync(Transport.Kestrel, new Streaming.Server.ServerOptions { BurstSeconds = 1 });

        var (exitCode, output, error) = await RunNodeAsync(
            node,
            ["recognize-and-subscribe.js", "--address", server.Address.ToString(), "--wav", TestModel.DemoRecording, "--speed", "50", "--lead-seconds", "0"],
            ct);

        Assert.True(exitCode == 1, $"node exited with {exitCode}\nstdout:\n{output}\nstderr:\n{error}");
        using var json = JsonDocument.Parse(output);
        var recognize = json.RootElement.GetProperty("recognize");
        Assert.Equal("RESOURCE_EXHAUSTED", recognize.GetProperty("status").GetProperty("code").GetString());
        Assert.Contains("burst allowance", recognize.GetProperty("status").GetProperty("details").GetString(), StringComparison.Ordinal);
        Assert.Contains(json.RootElement.GetProperty("problems").EnumerateArray(), p => p.GetString()!.StartsWith("recognize: ended with RESOURCE_EXHAUSTED", StringComparison.Ordinal));
    }

    private static Dictionary<long, (string Top, double[] P)> EstimateList(JsonElement summary) =>
        summary.GetProperty("recognize").GetProperty("estimateList").EnumerateArray().ToDictionary(
            e => e.GetProperty("sequence").GetInt64(),
            e => (e.GetProperty("top").GetString()!, e.GetProperty("p").EnumerateArray().Select(p => p.GetDouble()).ToArray()));

    /// <summary>The node executable, or a skip of the calling test when node or the client's packages are missing.</summary>
    private static string RequireNodeClient()
    {
        var node = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, OperatingSystem.IsWindows() ? "node.exe" : "node"))
            .FirstOrDefault(File.Exists);
        if (node is null)
        {
            Assert.Skip("node is not on PATH: install Node.js 18 or later, then run ./test.sh (or npm ci in tests/clients/node).");
        }

        foreach (var package in new[] { "@grpc/grpc-js", "@grpc/proto-loader" })
        {
            if (!File.Exists(Path.Combine(s_clientDirectory, "node_modules", package, "package.json")))
            {
                Assert.Skip($"The npm package {package} is not installed in tests/clients/node: run ./test.sh, or npm ci in tests/clients/node.");
            }
        }

        return node!;
    }

    private static Task<(int ExitCode, string Output, string Error)> RunNodeAsync(string node, string[] args, CancellationToken cancellationToken) =>
        ExternalTools.RunAsync(node, args, s_clientDirectory, TimeSpan.FromSeconds(60), cancellationToken: cancellationToken);
}
