using System.Reactive.Linq;
using SerSsl.Core.Audio;
using SerSsl.Protos.V1;
using SerSsl.Streaming.Pipeline;
using SerSsl.Streaming.Sources.Pulse;
using SerSsl.Streaming.Tests.Support;
using SerSsl.TestSupport;

namespace SerSsl.Streaming.Tests.Pipeline;

/// <summary>
/// The whole live path with a real capture device: a private PulseAudio daemon with a null sink, a recording played
/// into the sink with paplay, its monitor captured through the microphone source, estimates from the pipeline.
/// </summary>
[Collection(PulseAudioCollection.Name)]
public sealed class LiveCaptureEndToEndTests(PulseAudioTestServer server) : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("live-e2e");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Listen_RecordingPlayedIntoNullSink_EstimatesCoverItGapFreeWithoutDrops()
    {
        server.Require();
        var ct = TestContext.Current.CancellationToken;

        // The first 5 s of the demo recording (synthetic speech with pauses), at 16 kHz mono.
        var demo = WavFile.ReadMono(TestModel.DemoRecording);
        var played = demo.Samples.AsSpan(0, 5 * demo.SampleRate).ToArray();
        var path = Path.Combine(_dir, "played.wav");
        WavFile.Write(path, played, demo.SampleRate, WavSampleFormat.Pcm16);
        var playedSeconds = (double)played.Length / demo.SampleRate;

        await using var engine = RecognitionEngine.Create(TestModel.Load());
        var source = new PulseAudioSource(PulseAudioTestServer.MonitorName, 16_000, 1, server.ServerString);
        var session = await engine.CreateSessionAsync(source, cancellationToken: ct);
        var estimates = new List<EmotionEstimate>();
        using var subscription = session.Observe().Where(e => e.Estimate is not null).Subscribe(e => { lock (estimates) { estimates.Add(e.Estimate); } });
        session.Start();

        // Wait until audio flows from the monitor (a virtual source can take a moment to start), then play.
        while (session.SamplesReceived == 0)
        {
            await Task.Delay(20, ct);
        }

        var playbackStart = (double)session.SamplesReceived / 16_000;
        await server.PlayAsync(path, ct);
        await Task.Delay(1200, ct); // let the tail reach the monitor and the last chunks complete
        await session.StopAsync();

        List<EmotionEstimate> seen;
        lock (estimates)
        {
            seen = [.. estimates];
        }

        Assert.Equal(Enumerable.Range(0, seen.Count).Select(i => (ulong)i), seen.Select(e => e.Sequence));
        Assert.Equal(0, session.DroppedSamplesTotal);
        Assert.All(seen, e => Assert.DoesNotContain(InputCondition.DroppedAudio, e.Conditions));
        Assert.True(seen[^1].EndSeconds >= playbackStart + playedSeconds, $"the last estimate ends at {seen[^1].EndSeconds:F2} s; playback started at {playbackStart:F2} s and lasted {playedSeconds:F2} s");
        var speech = seen.Where(e => e.Speech).ToList();
        Assert.NotEmpty(speech);
        Assert.True(speech[0].StartSeconds >= playbackStart - 1.0, $"speech detected at {speech[0].StartSeconds:F2} s, before playback started at {playbackStart:F2} s");
        Assert.True(speech[^1].EndSeconds - speech[0].StartSeconds >= playedSeconds - 2.0, "speech estimates do not span the played recording");
    }
}
