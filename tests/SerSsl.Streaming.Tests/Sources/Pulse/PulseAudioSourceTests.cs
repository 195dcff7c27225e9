using System.Diagnostics;
using System.Numerics.Tensors;
using SerSsl.Core.Audio;
using SerSsl.Streaming.Sources;
using SerSsl.Streaming.Sources.Pulse;
using SerSsl.Streaming.Tests.Support;
using SerSsl.TestSupport;

namespace SerSsl.Streaming.Tests.Sources.Pulse;

[Collection(PulseAudioCollection.Name)]
public sealed class PulseAudioSourceTests(PulseAudioTestServer server)
{
    // Real recorded speech from alsa-utils: 1.43 s, 48 kHz mono ("front centre").
    private const string Recording = "/usr/share/sounds/alsa/Front_Center.wav";
    private const int LeakTolerance = 15;

    [Fact]
    public async Task ReadAsync_MonitorWhileARecordingPlays_CapturesTheRecording()
    {
        server.Require();
        if (!File.Exists(Recording))
        {
            Assert.Skip($"{Recording} not found: this test needs alsa-utils (apt-get install alsa-utils).");
        }

        var ct = TestContext.Current.CancellationToken;
        var reference = ResampleTo16k(WavFile.ReadMono(Recording));
        await using var source = new PulseAudioSource(PulseAudioTestServer.MonitorName, 16_000, 1, server.ServerString);
        await source.OpenAsync(ct);

        // Capture on a dedicated thread, as the pipeline does, while paplay plays the recording into the sink.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var capture = Task.Factory.StartNew(() => CaptureUntilCancelled(source, stop.Token), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await server.PlayAsync(Recording, ct);
        await Task.Delay(300, ct); // let the tail reach the monitor
        await stop.CancelAsync();
        var captured = await capture;

        // The recording is there: as much audio above silence as in the file, and sample-for-sample the same signal.
        Assert.InRange(captured.Length, reference.Length, 16_000 * 6);
        var referenceActive = ActiveSeconds(reference);
        var capturedActive = ActiveSeconds(captured);
        Assert.InRange(referenceActive, 0.5, 1.5); // sanity check of the measure on the file itself
        Assert.InRange(capturedActive, referenceActive * 0.9, referenceActive * 1.1);
        var (correlation, lag) = BestCorrelation(captured, reference);
        Assert.True(correlation > 0.95, $"best correlation with the recording {correlation:F3} at lag {lag} samples");
    }

    [Fact]
    public async Task ReadAsync_SilentStereoSource_ReturnsWholeFramesOfAtMostOnePeriod()
    {
        server.Require();
        var ct = TestContext.Current.CancellationToken;
        await using var source = new PulseAudioSource(PulseAudioTestServer.MicrophoneName, 48_000, 2, server.ServerString);
        await source.OpenAsync(ct);
        var buffer = new float[10_001];

        var stopwatch = Stopwatch.StartNew();
        var counts = new List<int>();
        for (var i = 0; i < 10; i++)
        {
            counts.Add(await source.ReadAsync(buffer, ct));
        }

        Assert.Equal(1_920, source.PeriodSamples); // 20 ms of 48 kHz stereo
        Assert.All(counts, n => Assert.Equal(source.PeriodSamples, n));
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromMilliseconds(60), TimeSpan.FromSeconds(2)); // 200 ms of audio, paced by the server (up to 100 ms may be buffered)
        Assert.All(buffer.AsSpan(0, counts[^1]).ToArray(), s => Assert.Equal(0f, s));
        Assert.NotNull(source.GetLatency());
        Assert.True(source.IsLive);
        Assert.Equal(new AudioFormat(48_000, 2), source.Format);
    }

    [Fact]
    public async Task OpenAsync_UnknownDevice_ThrowsNamingTheDeviceAndSuggestingSersDevices()
    {
        server.Require();
        await using var source = new PulseAudioSource("no_such_microphone", server: server.ServerString);

        var ex = await Assert.ThrowsAsync<AudioSourceException>(() => source.OpenAsync(TestContext.Current.CancellationToken).AsTask());

        Assert.Contains("'no_such_microphone'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("sers devices", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_NoServerListening_ThrowsSayingToStartPulseAudio()
    {
        RequireClientLibrary();
        var dir = RepoPaths.NewTempDirectory("pulse-none");
        try
        {
            var nowhere = $"unix:{Path.Combine(dir, "native")}";
            await using var source = new PulseAudioSource(server: nowhere);

            var ex = await Assert.ThrowsAsync<AudioSourceException>(() => source.OpenAsync(TestContext.Current.CancellationToken).AsTask());

            Assert.Contains("is not running", ex.Message, StringComparison.Ordinal);
            Assert.Contains("pulseaudio --start", ex.Message, StringComparison.Ordinal);
            Assert.Contains("pipewire-pulse", ex.Message, StringComparison.Ordinal);
            Assert.Contains(nowhere, ex.Message, StringComparison.Ordinal);
            Assert.Contains(PulseNative.ErrorText(PulseNative.ErrorConnectionRefused), ex.Message, StringComparison.Ordinal); // libpulse's own words
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task OpenReadDispose_FiftyTimes_LeaksNoThreadsOrFileDescriptors()
    {
        server.Require();
        var ct = TestContext.Current.CancellationToken;
        var buffer = new float[320];
        async Task CycleAsync()
        {
            var source = new PulseAudioSource(PulseAudioTestServer.MonitorName, server: server.ServerString);
            await source.OpenAsync(ct);
            await source.ReadAsync(buffer, ct);
            await source.ReadAsync(buffer, ct);
            await source.DisposeAsync();
            await source.DisposeAsync(); // twice is harmless
        }

        for (var i = 0; i < 3; i++)
        {
            await CycleAsync(); // load the libraries and warm up before counting
        }

        var (fdsBefore, threadsBefore) = (OpenFileDescriptors(), Threads());
        for (var i = 0; i < 50; i++)
        {
            await CycleAsync();
        }

        var (fdsAfter, threadsAfter) = (OpenFileDescriptors(), Threads());

        // A leak grows by at least one per cycle, 50 in all. The counts are the whole process's, and test classes
        // run side by side (servers, pipes, thread-pool growth), so a handful more is not a leak: allow 15.
        Assert.InRange(fdsAfter - fdsBefore, int.MinValue, LeakTolerance);
        Assert.InRange(threadsAfter - threadsBefore, int.MinValue, LeakTolerance);
    }

    [Fact]
    public async Task ReadAsync_LoopCancelled_StopsWithinOneSecond()
    {
        server.Require();
        var ct = TestContext.Current.CancellationToken;
        await using var source = new PulseAudioSource(PulseAudioTestServer.MonitorName, server: server.ServerString);
        await source.OpenAsync(ct);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var buffer = new float[16_000]; // room for a whole second: reads must still return after one period
        var reads = 0;
        var loop = Task.Factory.StartNew(
            async () =>
            {
                while (true)
                {
                    await source.ReadAsync(buffer, stop.Token);
                    Interlocked.Increment(ref reads);
                }
            },
            ct,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).Unwrap();

        // Once audio flows (the first read waits until the server starts delivering), cancel and time the stop.
        while (Volatile.Read(ref reads) < 3)
        {
            Assert.False(loop.IsCompleted, "the read loop ended early");
            await Task.Delay(10, ct);
        }

        var stopwatch = Stopwatch.StartNew();
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop.WaitAsync(TimeSpan.FromSeconds(5), ct));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1), $"the loop took {stopwatch.Elapsed.TotalMilliseconds:F0} ms to stop");
    }

    [Fact]
    public async Task DisposeAsync_WhileAnotherThreadReads_EndsTheReaderWithObjectDisposed()
    {
        server.Require();
        var ct = TestContext.Current.CancellationToken;
        var source = new PulseAudioSource(PulseAudioTestServer.MonitorName, server: server.ServerString);
        await source.OpenAsync(ct);
        var buffer = new float[320];
        var reads = 0;
        var loop = Task.Factory.StartNew(
            async () =>
            {
                while (true)
                {
                    await source.ReadAsync(buffer, ct);
                    Interlocked.Increment(ref reads);
                }
            },
            ct,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).Unwrap();

        // A null sink's monitor can take up to about 2 s to deliver its first block; dispose once audio flows, so
        // that the reader is in a steady 20 ms read when the handle goes away.
        while (Volatile.Read(ref reads) == 0)
        {
            await Task.Delay(10, ct);
        }

        await Task.WhenAll(source.DisposeAsync().AsTask(), source.DisposeAsync().AsTask());

        await Assert.ThrowsAsync<ObjectDisposedException>(() => loop.WaitAsync(TimeSpan.FromSeconds(1), ct));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => source.OpenAsync(ct).AsTask());
    }

    [Fact]
    public async Task ReadAsync_BeforeOpen_ThrowsInvalidOperation()
    {
        await using var source = new PulseAudioSource();

        await Assert.ThrowsAsync<InvalidOperationException>(() => source.ReadAsync(new float[16], TestContext.Current.CancellationToken).AsTask());
        Assert.Equal("mic: default source", source.Description);
    }

    [Theory]
    [InlineData(4_000, 1)]
    [InlineData(16_000, 0)]
    [InlineData(16_000, 33)]
    public void Constructor_FormatOutOfRange_ThrowsAudioSourceException(int sampleRate, int channels)
    {
        Assert.Throws<AudioSourceException>(() => new PulseAudioSource(sampleRate: sampleRate, channels: channels));
    }

    [Fact]
    public void MissingMessage_UnknownLibrary_NamesItAndTheDebianPackage()
    {
        var message = PulseLibrary.FindMissing("libpulse-not-installed.so.0");

        Assert.NotNull(message);
        Assert.Contains("libpulse-not-installed.so.0", message, StringComparison.Ordinal);
        Assert.Contains("apt-get install libpulse0", message, StringComparison.Ordinal);
    }

    internal static void RequireClientLibrary()
    {
        if (PulseLibrary.FindMissing(PulseNative.CoreLibrary, PulseNative.SimpleLibrary) is { } missing)
        {
            Assert.Skip(missing);
        }
    }

    private static float[] CaptureUntilCancelled(PulseAudioSource source, CancellationToken stop)
    {
        var captured = new List<float>();
        var buffer = new float[1_600];
        while (!stop.IsCancellationRequested && captured.Count < 16_000 * 10)
        {
            var n = source.ReadAsync(buffer, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            captured.AddRange(buffer.AsSpan(0, n));
        }

        return [.. captured];
    }

    private static float[] ResampleTo16k(MonoAudio audio)
    {
        var resampler = new Resampler(audio.SampleRate, 16_000);
        var output = new float[resampler.GetMaxOutputLength(audio.Samples.Length) + 1_024];
        var n = resampler.Process(audio.Samples, output);
        n += resampler.Flush(output.AsSpan(n));
        return output[..n];
    }

    // Seconds of 20 ms blocks whose RMS level is above -40 dBFS.
    private static double ActiveSeconds(float[] samples)
    {
        const int Block = 320;
        var active = 0;
        for (var start = 0; start + Block <= samples.Length; start += Block)
        {
            double sum = 0;
            foreach (var s in samples.AsSpan(start, Block))
            {
                sum += s * s;
            }

            if (sum / Block > 1e-4)
            {
                active++;
            }
        }

        return active * Block / 16_000.0;
    }

    // The highest normalised correlation of the reference with the capture at any lag, where a negative lag means the
    // capture starts that many samples into the recording. The server may drop the very start of a stream's audio
    // (here one 20 ms period) when the sink rewinds to mix it in, so a lag of up to -100 ms is allowed; at least 90 %
    // of the recording must overlap.
    private static (double Correlation, int Lag) BestCorrelation(float[] captured, float[] reference)
    {
        var best = (Correlation: double.MinValue, Lag: 0);
        for (var lag = -1_600; lag < captured.Length; lag++)
        {
            var referenceStart = Math.Max(0, -lag);
            var captureStart = Math.Max(0, lag);
            var length = Math.Min(reference.Length - referenceStart, captured.Length - captureStart);
            if (length < reference.Length * 9 / 10)
            {
                break;
            }

            var window = captured.AsSpan(captureStart, length);
            var part = reference.AsSpan(referenceStart, length);
            var energy = (double)TensorPrimitives.Dot(window, window) * TensorPrimitives.Dot(part, part);
            if (energy > 0)
            {
                var correlation = TensorPrimitives.Dot(window, part) / Math.Sqrt(energy);
                if (correlation > best.Correlation)
                {
                    best = (correlation, lag);
                }
            }
        }

        return best;
    }

    private static int OpenFileDescriptors() => Directory.GetFiles("/proc/self/fd").Length;

    private static int Threads() => Directory.GetDirectories("/proc/self/task").Length;
}
