using SerSsl.Streaming.Analysis;
using SerSsl.Streaming.Pipeline;
using SerSsl.Streaming.Sources;
using SerSsl.Streaming.Tests.Support;
using SerSsl.TestSupport;

namespace SerSsl.Streaming.Tests.Pipeline;

public sealed class SileroSpeechDetectorTests
{
    private static string ModelPath => Path.Combine(RepoPaths.Root, "tests", "silero-vad", "node_modules", "@ricky0123", "vad-web", "dist", "silero_vad_v5.onnx");

    [Fact]
    public async Task Session_SileroVadOnTheDemo_SpeechWhileSpeakingAndSilenceInThePauses()
    {
        RequireModel();
        var options = StreamingSessionOptions.Default with { SpeechDetector = () => new SileroSpeechDetector(ModelPath) };
        await using var engine = RecognitionEngine.Create(TestModel.Load());

        var analysis = await RecordingAnalysis.RunAsync(engine, new WavFileSource(TestModel.DemoRecording, paced: false), options, TestContext.Current.CancellationToken);

        // Six takes separated by 0.7 s pauses: speech most of the time, and several separate utterances.
        var speechShare = analysis.Estimates.Count(e => e.Speech) / (double)analysis.Estimates.Count;
        Assert.InRange(speechShare, 0.5, 0.95);
        Assert.True(analysis.Utterances.Count(u => u.Kind == Protos.V1.UtteranceEventKind.Start) >= 3, "Silero found fewer than three utterances in six takes");
        Assert.All(analysis.Estimates, e => Assert.InRange(e.SpeechProbability, 0f, 1f));
    }

    [Fact]
    public async Task Session_SileroVadOnSilence_NeverSpeech()
    {
        RequireModel();
        var options = StreamingSessionOptions.Default with { SpeechDetector = () => new SileroSpeechDetector(ModelPath) };
        await using var engine = RecognitionEngine.Create(TestModel.Load());
        var quietNoise = new float[16_000 * 2];
        var random = new Random(3);
        for (var i = 0; i < quietNoise.Length; i++)
        {
            quietNoise[i] = (float)(random.NextDouble() - 0.5) * 0.002f;
        }

        var analysis = await RecordingAnalysis.RunAsync(engine, new MemorySource(quietNoise, new AudioFormat(16_000, 1), isLive: false), options, TestContext.Current.CancellationToken);

        Assert.NotEmpty(analysis.Estimates);
        Assert.All(analysis.Estimates, e => Assert.False(e.Speech));
    }

    [Fact]
    public void Constructor_NotASileroModel_ThrowsNamingTheExpectedInputs()
    {
        var ex = Assert.Throws<ArgumentException>(() => new SileroSpeechDetector(TestModel.Load().EncoderPath));

        Assert.Contains("not a Silero VAD", ex.Message, StringComparison.Ordinal);
    }

    private static void RequireModel()
    {
        if (!File.Exists(ModelPath))
        {
            Assert.Skip($"Silero VAD model not installed at {ModelPath}: ./test.sh installs it with npm (tests/silero-vad).");
        }
    }
}
