using System.Diagnostics;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using Microsoft.ML.OnnxRuntime;
using SerSsl.Core.Audio;
using SerSsl.Core.Features;
using SerSsl.Core.Models;
using SerSsl.Protos.V1;
using SerSsl.Streaming.Analysis;
using SerSsl.Streaming.Pipeline;
using SerSsl.Streaming.Sources;
using SerSsl.Streaming.Tests.Support;
using SerSsl.TestSupport;

namespace SerSsl.Streaming.Tests.Pipeline;

public sealed class StreamingPipelineTests : IDisposable
{
    private const string FrontCenter = "/usr/share/sounds/alsa/Front_Center.wav";
    private readonly string _dir = RepoPaths.NewTempDirectory("pipeline");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, bool> EquivalenceRecordings => new()
    {
        { "demo", false }, { "front-center-48k", false }, { "demo-3ch-22k", false },
        { "demo", true },
    };

    [Theory]
    [MemberData(nameof(EquivalenceRecordings))]
    public async Task Session_File_EqualsOfflineChunkPredictionsAtTheSameChunkPositions(string recording, bool speechWindow)
    {
        var path = recording switch
        {
            "demo" => TestModel.DemoRecording,
            "demo-3ch-22k" => ThreeChannelCopyOfTheDemo(),
            _ => FrontCenter,
        };
        if (!File.Exists(path))
        {
            Assert.Skip($"{path} not found (alsa-utils provides /usr/share/sounds/alsa).");
        }

        var bundle = TestModel.Load();
        await using var engine = RecognitionEngine.Create(bundle);

        var options = StreamingSessionOptions.Default with { SpeechWindow = speechWindow };
        var analysis = await RecordingAnalysis.RunAsync(engine, new WavFileSource(path, paced: false), options, TestContext.Current.CancellationToken);

        // With the speech window, the offline side takes the session's own speech decisions (the detector is tested on
        // its own) and must then aggregate exactly the speech chunks of each speech chunk's last K.
        var speech = speechWindow ? analysis.Estimates.Select(e => e.Speech).ToArray() : null;
        var offline = OfflinePredictions(bundle, path, bundle.Manifest.Chunks.DefaultHopFrames, speech);
        if (speech is not null)
        {
            var k = bundle.Manifest.Chunks.MaxChunks;
            Assert.True(
                Enumerable.Range(0, speech.Length).Any(i => speech[i] && Enumerable.Range(Math.Max(0, i - k + 1), Math.Min(i + 1, k)).Any(j => !speech[j])),
                "no speech estimate has a non-speech chunk in its window, so the speech window is not exercised");
        }

        Assert.NotEmpty(offline);
        Assert.Equal(offline.Count, analysis.Estimates.Count);
        var worst = 0.0;
        for (var k = 0; k < offline.Count; k++)
        {
            var live = analysis.Estimates[k];
            Assert.Equal((ulong)k, live.Sequence);
            for (var label = 0; label < offline[k].Length; label++)
            {
                worst = Math.Max(worst, Math.Abs(live.Probabilities[label].Probability - offline[k][label]));
            }
        }

        Assert.True(worst <= 1e-5, $"largest difference between live and offline probabilities: {worst:E2}");
    }

    [Fact]
    public async Task StopAsync_AfterDispose_ReturnsQuietly()
    {
        // A server shutdown (StopAllAsync) can reach a session that a finished call is removing at the same moment.
        await using var engine = RecognitionEngine.Create(TestModel.Load());
        var session = engine.CreateSession(new SessionInput(new AudioFormat(16_000, 1), IsLive: true, "test"));
        session.Start();
        await session.DisposeAsync();

        await session.StopAsync();

        Assert.True(session.Completion.IsCompleted);
    }

    [Fact]
    public async Task Session_ConcurrentSessionsShareBatches_EachGetsItsOwnResults()
    {
        var bundle = TestModel.Load();
        await using var engine = RecognitionEngine.Create(bundle);
        var ct = TestContext.Current.CancellationToken;
        var alone = await RecordingAnalysis.RunAsync(engine, new WavFileSource(TestModel.DemoRecording, paced: false), null, ct);

        var together = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            RecordingAnalysis.RunAsync(engine, new WavFileSource(TestModel.DemoRecording, paced: false), null, ct)));

        Assert.True(engine.Scheduler.ChunksRun > engine.Scheduler.BatchesRun, "the scheduler never batched more than one chunk");
        foreach (var run in together)
        {
            Assert.Equal(alone.Estimates.Count, run.Estimates.Count);
            for (var k = 0; k < alone.Estimates.Count; k++)
            {
                for (var label = 0; label < alone.Labels.Count; label++)
                {
                    Assert.Equal(alone.Estimates[k].Probabilities[label].Probability, run.Estimates[k].Probabilities[label].Probability, 1e-5f);
                }
            }
        }
    }

    [Fact]
    public async Task Session_NonFiniteSamples_MarkedAndReplacedProbabilitiesStayFinite()
    {
        var samples = Tone(16_000, seconds: 2, amplitude: 0.3f);
        samples[5_000] = float.NaN;
        samples[9_000] = float.PositiveInfinity;
        samples[20_000] = float.NegativeInfinity;

        var analysis = await Analyze(samples, new AudioFormat(16_000, 1));

        Assert.NotEmpty(analysis.Estimates);
        Assert.Contains(InputCondition.NonFinite, analysis.Estimates[0].Conditions);
        Assert.All(analysis.Estimates, e => Assert.All(e.Probabilities, p => Assert.True(float.IsFinite(p.Probability))));
        Assert.All(analysis.Estimates, e => Assert.Equal(1f, e.Probabilities.Sum(p => p.Probability), 1e-4f));
    }

    [Fact]
    public async Task Session_DigitalSilence_MarkedSilentAndNotSpeech()
    {
        var analysis = await Analyze(new float[16_000 * 2], new AudioFormat(16_000, 1));

        Assert.Equal(4, analysis.Estimates.Count); // 198 frames in 2 s: chunks start at frames 0, 25, 50, 75
        Assert.All(analysis.Estimates, e =>
        {
            Assert.False(e.Speech);
            Assert.Equal(0f, e.SpeechProbability);
            Assert.Contains(InputCondition.Silent, e.Conditions);
        });
        Assert.Empty(analysis.Utterances);
    }

    [Fact]
    public async Task Session_ClippedInput_MarkedClipped()
    {
        var samples = Tone(16_000, seconds: 1.5, amplitude: 3f);
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = Math.Clamp(samples[i], -1f, 1f);
        }

        var analysis = await Analyze(samples, new AudioFormat(16_000, 1));

        Assert.All(analysis.Estimates, e => Assert.Contains(InputCondition.Clipped, e.Conditions));
    }

    [Fact]
    public async Task Session_ZeroLengthFile_CompletesWithoutEstimates()
    {
        var path = Path.Combine(_dir, "empty.wav");
        WavFile.Write(path, [], 16_000, WavSampleFormat.Pcm16);
        await using var engine = RecognitionEngine.Create(TestModel.Load());

        var analysis = await RecordingAnalysis.RunAsync(engine, new WavFileSource(path, paced: false), null, TestContext.Current.CancellationToken);

        Assert.Empty(analysis.Estimates);
        Assert.Equal(0, analysis.DurationSeconds);
    }

    [Fact]
    public async Task Session_ShorterThanOneChunk_OnePaddedEstimate()
    {
        var analysis = await Analyze(Tone(16_000, seconds: 0.4, amplitude: 0.3f), new AudioFormat(16_000, 1));

        var estimate = Assert.Single(analysis.Estimates);
        Assert.Contains(InputCondition.Padded, estimate.Conditions);
        Assert.Equal(0UL, estimate.Sequence);
    }

    [Fact]
    public async Task Session_LiveSourceFasterThanThePipeline_DropsOldestCountsItAndStaysGapFree()
    {
        // A "live" source that delivers 60 s of audio in 3 s bursts as fast as memory can be copied, with 0.3 s
        // pauses: the pipeline cannot keep up with a burst, so the bounded buffer (1 s) must overflow and drop the
        // oldest audio instead of blocking the source; in each pause it catches up with what the buffer kept.
        var samples = Tone(16_000, seconds: 60, amplitude: 0.3f);
        var options = StreamingSessionOptions.Default with { BufferSeconds = 1 };
        var source = new MemorySource(samples, new AudioFormat(16_000, 1), isLive: true, burstFrames: 3 * 16_000, pause: TimeSpan.FromMilliseconds(300));
        await using var engine = RecognitionEngine.Create(TestModel.Load());

        var analysis = await RecordingAnalysis.RunAsync(engine, source, options, TestContext.Current.CancellationToken);

        Assert.True(analysis.Estimates.Count >= 20, $"only {analysis.Estimates.Count} estimates");
        Assert.Equal(Enumerable.Range(0, analysis.Estimates.Count).Select(i => (ulong)i), analysis.Estimates.Select(e => e.Sequence));
        var total = analysis.Estimates[^1].DroppedSamplesTotal;
        Assert.True(total > 0, "nothing was dropped");
        Assert.Equal(total, (ulong)analysis.Estimates.Sum(e => (long)e.DroppedSamples));
        Assert.Contains(analysis.Estimates, e => e.Conditions.Contains(InputCondition.DroppedAudio) && e.DroppedSamples > 0);
        Assert.True(total < (ulong)samples.Length, "everything was dropped");
        Assert.True(analysis.Estimates[^1].EndSeconds <= 60.0 + 1e-9, $"time spans run past the audio received: last ends at {analysis.Estimates[^1].EndSeconds:F3} s, {total} samples dropped");
        Assert.All(analysis.Estimates.Skip(1).Zip(analysis.Estimates), pair => Assert.True(pair.First.StartSeconds >= pair.Second.StartSeconds));
    }

    [Fact]
    public async Task Session_LongLosslessSource_KeepsAtMostMaxChunksInFlight()
    {
        // Five minutes of audio read as fast as memory allows: features outrun the model, so only the in-flight
        // bound keeps the scheduler's queue from growing with the file.
        await using var engine = RecognitionEngine.Create(TestModel.Load());
        var ct = TestContext.Current.CancellationToken;
        var source = new MemorySource(Tone(16_000, seconds: 300, amplitude: 0.3f), new AudioFormat(16_000, 1), isLive: false, blockFrames: 16_000);
        var session = await engine.StartSessionAsync(source, cancellationToken: ct);

        var largestQueue = 0;
        while (!session.Completion.IsCompleted)
        {
            largestQueue = Math.Max(largestQueue, engine.Scheduler.QueueLength);
            await Task.Delay(1, ct);
        }

        await session.Completion;
        Assert.Equal(1 + ((1 + ((300 * 16_000) - 400) / 160 - 100) / 25), session.EstimatesPublished);
        Assert.InRange(largestQueue, 1, StreamingSession.MaxChunksInFlight);
    }

    [Fact]
    public async Task StopAsync_LiveSource_StopsWithinOneSecondAndCompletesTheObservables()
    {
        await using var engine = RecognitionEngine.Create(TestModel.Load());
        var ct = TestContext.Current.CancellationToken;
        var session = await engine.CreateSessionAsync(new EndlessToneSource(), cancellationToken: ct);
        var completed = new TaskCompletionSource();
        using var subscription = session.Observe().Subscribe(_ => { }, () => completed.TrySetResult());
        var twoEstimates = session.Observe().Where(e => e.Estimate is not null).Take(2).ToTask(ct);
        session.Start();
        await twoEstimates;

        var stopwatch = Stopwatch.StartNew();
        await session.StopAsync();
        stopwatch.Stop();

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1), $"stopping took {stopwatch.Elapsed.TotalMilliseconds:F0} ms");
        await completed.Task.WaitAsync(TimeSpan.FromSeconds(1), ct);
        Assert.True(session.IsCompleted);
    }

    [Fact]
    public async Task Engine_ManifestLabelCountDoesNotMatchTheGraph_FailsNamingTheFile()
    {
        var copy = TestModel.CopyTo(Path.Combine(_dir, "bundle"));
        var manifestPath = Path.Combine(copy, ModelBundle.ManifestFileName);
        var manifest = ModelBundle.ReadManifest(manifestPath);
        ModelBundle.WriteManifest(copy, manifest with { Labels = [.. manifest.Labels.Take(manifest.Labels.Count - 1)] });

        var ex = Assert.Throws<ModelBundleException>(() => RecognitionEngine.Create(copy));

        Assert.Contains("aggregator.onnx", ex.Message, StringComparison.Ordinal);
    }

    private static async Task<RecordingAnalysis> Analyze(float[] samples, AudioFormat format)
    {
        await using var engine = RecognitionEngine.Create(TestModel.Load());
        return await RecordingAnalysis.RunAsync(engine, new MemorySource(samples, format, isLive: false), null, TestContext.Current.CancellationToken);
    }

    private static float[] Tone(int rate, double seconds, float amplitude)
    {
        var samples = new float[(int)(rate * seconds)];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = amplitude * MathF.Sin(2 * MathF.PI * 220 * i / rate);
        }

        return samples;
    }

    /// <summary>
    /// The demo recording as three different channels (the voice, a quieter voice over a tone, the inverted voice)
    /// at 22.05 kHz in 32-bit float: multichannel downmix and resampling on both sides. A sum over three channels
    /// times 1/3 differs from the sum divided by 3 in the last bit, so both sides must share one downmix.
    /// </summary>
    private string ThreeChannelCopyOfTheDemo()
    {
        var demo = WavFile.ReadMono(TestModel.DemoRecording);
        var resampler = new Resampler(demo.SampleRate, 22_050);
        var mono = new float[resampler.GetMaxOutputLength(demo.Samples.Length) + resampler.MaxFlushLength];
        var n = resampler.Process(demo.Samples, mono);
        n += resampler.Flush(mono.AsSpan(n));
        var interleaved = new float[3 * n];
        for (var i = 0; i < n; i++)
        {
            interleaved[3 * i] = mono[i];
            interleaved[(3 * i) + 1] = (0.4f * mono[i]) + (0.05f * MathF.Sin(2 * MathF.PI * 440f * i / 22_050f));
            interleaved[(3 * i) + 2] = -0.7f * mono[i];
        }

        var path = Path.Combine(_dir, "demo-3ch-22k.wav");
        WavFile.Write(path, interleaved, 22_050, WavSampleFormat.Float32, channels: 3);
        return path;
    }

    /// <summary>
    /// An independent offline computation: batch log-mel of the whole file, normalised, cut into chunks at k * hop,
    /// each chunk encoded alone and aggregated with its last K embeddings, through ONNX Runtime sessions of our own.
    /// With <paramref name="speech"/> (one decision per chunk), a speech chunk aggregates only the speech chunks of its
    /// last K.
    /// </summary>
    private static List<float[]> OfflinePredictions(ModelBundle bundle, string path, int hop, IReadOnlyList<bool>? speech = null)
    {
        var manifest = bundle.Manifest;
        var audio = WavFile.ReadMono(path);
        var samples = audio.Samples;
        if (audio.SampleRate != manifest.Features.SampleRate)
        {
            var resampler = new Resampler(audio.SampleRate, manifest.Features.SampleRate);
            var output = new float[resampler.GetMaxOutputLength(samples.Length) + resampler.MaxFlushLength];
            var n = resampler.Process(samples, output);
            n += resampler.Flush(output.AsSpan(n));
            samples = output[..n];
        }

        var frames = new LogMelExtractor(manifest.Features).Extract(samples);
        var (m, bins, d) = (manifest.Chunks.Frames, frames.BinCount, manifest.EmbeddingDim);
        using var encoder = new InferenceSession(bundle.EncoderPath);
        using var aggregator = new InferenceSession(bundle.AggregatorPath);
        var embeddings = new List<float[]>();
        var predictions = new List<float[]>();
        for (var start = 0; start + m <= frames.FrameCount; start += hop)
        {
            var chunk = new float[m * bins];
            for (var f = 0; f < m; f++)
            {
                for (var b = 0; b < bins; b++)
                {
                    chunk[(f * bins) + b] = (frames[start + f][b] - manifest.Normalization.Mean[b]) / manifest.Normalization.Std[b];
                }
            }

            using (var input = OrtValue.CreateTensorValueFromMemory(chunk, [1, m, bins]))
            using (var result = encoder.Run(new RunOptions(), [manifest.Encoder.Input], [input], [manifest.Encoder.Output]))
            {
                embeddings.Add(result[0].GetTensorDataAsSpan<float>().ToArray());
            }

            var n = Math.Min(embeddings.Count, manifest.Chunks.MaxChunks);
            var current = embeddings.Count - 1;
            var members = Enumerable.Range(embeddings.Count - n, n).ToList();
            if (speech is not null && speech[current])
            {
                members = [.. members.Where(i => speech[i])];
                n = members.Count;
            }

            var window = members.SelectMany(i => embeddings[i]).ToArray();
            var mask = Enumerable.Repeat(1f, n).ToArray();
            using var windowValue = OrtValue.CreateTensorValueFromMemory(window, [1, n, d]);
            using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, [1, n]);
            using var outputs = aggregator.Run(new RunOptions(), [manifest.Aggregator.EmbeddingsInput, manifest.Aggregator.MaskInput], [windowValue, maskValue], [manifest.Aggregator.ProbabilitiesOutput]);
            predictions.Add(outputs[0].GetTensorDataAsSpan<float>().ToArray());
        }

        return predictions;
    }
}
