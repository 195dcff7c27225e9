using Google.Protobuf;
using Grpc.Core;
using SerSsl.Core.Audio;
using SerSsl.Protos.V1;
using SerSsl.Streaming.Pipeline;
using SerSsl.Streaming.Server;
using SerSsl.Streaming.Tests.Support;
using SerSsl.TestSupport;

namespace SerSsl.Streaming.Tests.Server;

/// <summary>Recognize with raw Opus packets (AUDIO_ENCODING_OPUS) against the same recording as PCM.</summary>
public sealed class OpusIngestTests : IDisposable
{
    /// <summary>
    /// How far an Opus session's probabilities may lie from the PCM session's on the same recording, as the mean over
    /// estimates of the largest absolute difference over labels. Measured on six seconds of the demo recording (16 kHz,
    /// opusenc's default bitrate, 20 and 60 ms packets): 0.084, of which 0.056 comes from the rate path alone (the same
    /// PCM resampled to 48 kHz and back, as the Opus audio is); top labels agreed on all 20 estimates.
    /// </summary>
    private const double MaxMeanProbabilityDifference = 0.12;

    private readonly string _dir = RepoPaths.NewTempDirectory("opus-ingest");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(Transport.InProcess, 20)]
    [InlineData(Transport.Kestrel, 20)]
    [InlineData(Transport.InProcess, 60)]
    public async Task Recognize_OpusPacketsOfARecording_EstimatesCloseToThePcmSession(Transport transport, int frameMs)
    {
        var ct = TestContext.Current.CancellationToken;
        var (pcm, wav) = DemoExcerpt(6);
        var opus = OggOpusPackets.Encode(wav, Path.Combine(_dir, "excerpt.opus"), "--framesize", frameMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await using var server = await StartServerAsync(transport);
        var pcmMessages = ServerAudio.Chunks(ServerAudio.S16(pcm.Samples), pcm.SampleRate / 10 * 2).Select(m => (m, m.Audio.Length / 2.0 / pcm.SampleRate)).ToList();

        var fromPcm = Estimates(await RecognizeAll(server, ServerAudio.Config(rate: (uint)pcm.SampleRate), pcmMessages, ct));
        var responses = await RecognizeAll(server, OpusConfig(opus, frameMs), OpusMessages(opus, frameMs), ct);
        var fromOpus = Estimates(responses);

        // The file reader's decode of the same .opus file, sent as float PCM at 48 kHz.
        var decoded = AudioReader.ReadMono(opus.Path);
        var f32 = System.Runtime.InteropServices.MemoryMarshal.AsBytes(decoded.Samples.AsSpan()).ToArray();
        var fileMessages = ServerAudio.Chunks(f32, 48_000 / 10 * 4).Select(m => (m, m.Audio.Length / 4.0 / 48_000)).ToList();
        var fromFile = Estimates(await RecognizeAll(server, ServerAudio.Config(rate: 48_000, encoding: AudioEncoding.F32Le), fileMessages, ct));
        // The rate path alone: the same PCM resampled to 48 kHz, as the Opus audio arrives, and sent as floats.
        var upsampler = new Resampler(pcm.SampleRate, 48_000);
        var up = new float[upsampler.GetMaxOutputLength(pcm.Samples.Length) + upsampler.MaxFlushLength];
        var length = upsampler.Process(pcm.Samples, up);
        length += upsampler.Flush(up.AsSpan(length));
        var upBytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(up.AsSpan(0, length)).ToArray();
        var fromUp = Estimates(await RecognizeAll(server, ServerAudio.Config(rate: 48_000, encoding: AudioEncoding.F32Le), ServerAudio.Chunks(upBytes, 19_200).Select(m => (m, 0.1)), ct));

        var (shared, meanDifference, topAgreement) = Compare(fromPcm, fromOpus);
        var ratePath = Compare(fromPcm, fromUp);
        TestContext.Current.SendDiagnosticMessage(string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"Opus ({frameMs} ms packets, {opus.Packets.Sum(p => p.Length) / 6.0:F0} bytes/s) against s16 PCM ({pcm.SampleRate * 2} bytes/s): {shared} estimates, mean largest probability difference {meanDifference:F4}, top labels agree on {topAgreement:P1}; the rate path alone {ratePath.MeanDifference:F4}, {ratePath.TopAgreement:P1}"));
        Assert.IsType<SessionStarted>(responses[0].Started);

        // Exactly the estimates of the same file decoded by the file reader: the packets decode as files do.
        Assert.Equal(fromFile.Keys, fromOpus.Keys);
        Assert.All(fromFile, e => Assert.Equal(e.Value.Probabilities.Select(p => p.Probability), fromOpus[e.Key].Probabilities.Select(p => p.Probability)));

        Assert.Equal(0ul, fromPcm.Values.Last().DroppedSamplesTotal); // the sessions saw the same audio
        Assert.Equal(0ul, fromOpus.Values.Last().DroppedSamplesTotal);
        Assert.Equal(0ul, fromFile.Values.Last().DroppedSamplesTotal);
        Assert.InRange(fromOpus.Count, fromPcm.Count - 1, fromPcm.Count + 1);
        Assert.True(shared >= fromPcm.Count - 1, $"{shared} shared estimates of {fromPcm.Count}");
        Assert.True(meanDifference <= MaxMeanProbabilityDifference, $"mean largest probability difference {meanDifference:F4}");
        Assert.True(topAgreement >= 0.85, $"top labels agree on {topAgreement:P1}");
        Assert.True(ratePath.MeanDifference <= meanDifference, $"the rate path alone moves the probabilities by {ratePath.MeanDifference:F4}, Opus by {meanDifference:F4}");
        Assert.Empty(server.Registry.All);
    }

    [Fact]
    public async Task Recognize_OpusWithLostPackets_ConcealedAndTheSessionEndsOk()
    {
        var ct = TestContext.Current.CancellationToken;
        var (_, wav) = DemoExcerpt(4);
        var opus = OggOpusPackets.Encode(wav, Path.Combine(_dir, "excerpt.opus"));
        await using var server = await StartServerAsync(Transport.InProcess);
        var full = Estimates(await RecognizeAll(server, OpusConfig(opus, 20), OpusMessages(opus, 20), ct));

        // Every tenth packet lost: an empty message in its place keeps the clock.
        var lossy = await RecognizeAll(server, OpusConfig(opus, 20), [.. OpusMessages(opus, 20).Select((m, i) => i % 10 == 5 ? (ServerAudio.Audio([]), m.Seconds) : m)], ct);

        var estimates = Estimates(lossy);
        Assert.Equal(0ul, full.Values.Last().DroppedSamplesTotal);
        Assert.Equal(0ul, estimates.Values.Last().DroppedSamplesTotal);
        Assert.Equal(full.Count, estimates.Count);
        Assert.Equal(full.Keys, estimates.Keys);
        Assert.Equal(full.Values.Select(e => e.EndSeconds), estimates.Values.Select(e => e.EndSeconds));
    }

    [Theory]
    [InlineData(Transport.InProcess)]
    [InlineData(Transport.Kestrel)]
    public async Task Recognize_BadOpus_InvalidArgumentNamingTheProblemWhileOtherSessionsGoOn(Transport transport)
    {
        var ct = TestContext.Current.CancellationToken;
        var (_, wav) = DemoExcerpt(2);
        var opus = OggOpusPackets.Encode(wav, Path.Combine(_dir, "excerpt.opus"));
        var longer = OggOpusPackets.Encode(wav, Path.Combine(_dir, "excerpt-40.opus"), "--framesize", "40");
        await using var server = await StartServerAsync(transport);
        var background = await server.Registry.StartAsync(new EndlessToneSource(), null, "bg", ct);
        var config = OpusConfig(opus, 20);
        var good = opus.Packets.Take(10).Select(p => ServerAudio.Audio(p)).ToList();

        await Expect(server, "packet 11 ", "cannot be decoded", [config, .. good, ServerAudio.Audio([0xFB, 0x41, 0xFF])]);
        await Expect(server, "packet 11 ", "lasts 40 ms", [config, .. good, ServerAudio.Audio(longer.Packets[3])]);
        await Expect(server, "second config", "after", [config, .. good, ServerAudio.Config()]);
        await Expect(server, "second config", "after", [config, .. good, OpusConfig(opus, 40)]);
        await Expect(server, "48000", "Sample rate 16000", [OpusConfig(opus, 20, rate: 16_000)]);
        await Expect(server, "1 or 2", "3 channels", [OpusConfig(opus, 20, channels: 3)]);
        await Expect(server, "frame_duration_us 0 ", "how long each packet lasts", [OpusConfig(opus, 20, frameUs: 0)]);
        await Expect(server, "frame_duration_us 7 ", "2500", [OpusConfig(opus, 20, frameUs: 7)]);
        await Expect(server, "pre_skip 70000", "0 to 65535", [OpusConfig(opus, 20, preSkip: 70_000)]);
        var pcmWithOpusFields = ServerAudio.Config();
        pcmWithOpusFields.Config.Format.FrameDurationUs = 20_000;
        await Expect(server, "for AUDIO_ENCODING_OPUS only", "leave them 0", [pcmWithOpusFields]);

        Assert.False(background.IsCompleted);
        var ok = await ServerAudio.Recognize(server.Client, [config, .. opus.Packets.Select(p => ServerAudio.Audio(p))], ct);
        Assert.Contains(ok, r => r.Estimate is not null);
        Assert.Single(server.Registry.All);
        await background.StopAsync();
    }

    [Fact]
    public async Task ListSessions_OpusSession_DescribedAsOpusAt48kHz()
    {
        var ct = TestContext.Current.CancellationToken;
        var (_, wav) = DemoExcerpt(3);
        var opus = OggOpusPackets.Encode(wav, Path.Combine(_dir, "excerpt.opus"));
        await using var server = await StartServerAsync(Transport.InProcess);
        using var call = server.Client.Recognize(cancellationToken: ct);
        await call.RequestStream.WriteAsync(OpusConfig(opus, 20), ct);
        await call.ResponseStream.MoveNext(ct);
        await call.RequestStream.WriteAsync(ServerAudio.Audio(opus.Packets[0]), ct);

        var sessions = await server.Client.ListSessionsAsync(new ListSessionsRequest(), cancellationToken: ct);

        var session = Assert.Single(sessions.Sessions);
        Assert.EndsWith(", Opus", session.Source, StringComparison.Ordinal);
        Assert.Equal(48_000u, session.Format.SampleRate);
        Assert.Equal(1u, session.Format.Channels);
        await call.RequestStream.CompleteAsync();
        while (await call.ResponseStream.MoveNext(ct))
        {
        }
    }

    /// <summary>The packets as messages with the seconds each lasts (the last may be shorter).</summary>
    private static List<(RecognizeRequest Message, double Seconds)> OpusMessages(OggOpusPackets opus, int frameMs) =>
        [.. opus.Packets.Select(p => (ServerAudio.Audio(p), frameMs / 1000.0))];

    /// <summary>
    /// A server whose live sessions buffer a minute of audio and take it as fast as it comes: a live session drops the
    /// oldest audio it cannot keep up with, and two sessions compared must have seen the same audio, however busy the
    /// machine running the tests is.
    /// </summary>
    private static Task<ServerHarness> StartServerAsync(Transport transport) =>
        ServerHarness.StartAsync(transport, new ServerOptions { BurstSeconds = 60, SessionOptions = StreamingSessionOptions.Default with { BufferSeconds = 60 } });

    private static Task<List<RecognizeResponse>> RecognizeAll(ServerHarness server, RecognizeRequest config, IEnumerable<(RecognizeRequest Message, double Seconds)> audio, CancellationToken ct) =>
        ServerAudio.Recognize(server.Client, [config, .. audio.Select(m => m.Message)], ct);

    private static RecognizeRequest OpusConfig(OggOpusPackets opus, int frameMs, uint rate = 48_000, uint channels = 0, uint preSkip = uint.MaxValue, uint? frameUs = null) => new()
    {
        Config = new RecognizeConfig
        {
            Format = new PcmFormat
            {
                SampleRate = rate,
                Channels = channels == 0 ? (uint)opus.Channels : channels,
                Encoding = AudioEncoding.Opus,
                FrameDurationUs = frameUs ?? (uint)frameMs * 1000,
                PreSkip = preSkip == uint.MaxValue ? (uint)opus.PreSkip : preSkip,
            },
        },
    };

    private static async Task Expect(ServerHarness server, string expected, string alsoExpected, RecognizeRequest[] requests)
    {
        var ct = TestContext.Current.CancellationToken;
        using var call = server.Client.Recognize(cancellationToken: ct);
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            var responses = ServerAudio.ReadAll(call.ResponseStream, ct);
            try
            {
                foreach (var request in requests)
                {
                    await call.RequestStream.WriteAsync(request, ct);
                }

                await call.RequestStream.CompleteAsync();
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException)
            {
                // The server ended the call early; its status comes with the responses.
            }

            await responses;
        });
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains(expected, ex.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(alsoExpected, ex.Status.Detail, StringComparison.Ordinal);
    }

    /// <summary>The first seconds of the demo recording, as samples and as a 16-bit WAV file (what opusenc reads).</summary>
    private (MonoAudio Pcm, string Wav) DemoExcerpt(double seconds)
    {
        var demo = WavFile.ReadMono(TestModel.DemoRecording);
        var samples = demo.Samples.AsSpan(0, (int)(seconds * demo.SampleRate)).ToArray();
        // Through 16 bits first, so that both sessions start from the same samples.
        var wav = Path.Combine(_dir, "excerpt.wav");
        WavFile.Write(wav, samples, demo.SampleRate, WavSampleFormat.Pcm16, 1);
        return (WavFile.ReadMono(wav), wav);
    }

    private static SortedDictionary<ulong, EmotionEstimate> Estimates(List<RecognizeResponse> responses) =>
        new(responses.Where(r => r.Estimate is not null).ToDictionary(r => r.Estimate.Sequence, r => r.Estimate));

    /// <summary>Estimates of both sessions at the same sequence: how many, their mean largest probability difference, and top-label agreement.</summary>
    internal static (int Shared, double MeanDifference, double TopAgreement) Compare(SortedDictionary<ulong, EmotionEstimate> expected, SortedDictionary<ulong, EmotionEstimate> actual)
    {
        var pairs = expected.Where(e => actual.ContainsKey(e.Key)).Select(e => (Expected: e.Value, Actual: actual[e.Key])).ToList();
        Assert.NotEmpty(pairs);
        var difference = pairs.Average(p => p.Expected.Probabilities.Zip(p.Actual.Probabilities, (a, b) => Math.Abs(a.Probability - b.Probability)).Max());
        var agreement = pairs.Count(p => p.Expected.TopLabel == p.Actual.TopLabel) / (double)pairs.Count;
        return (pairs.Count, difference, agreement);
    }
}
