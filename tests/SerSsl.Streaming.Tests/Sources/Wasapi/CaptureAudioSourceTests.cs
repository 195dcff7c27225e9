using System.Runtime.InteropServices;
using NAudio.Wave;
using SerSsl.Streaming.Pipeline;
using SerSsl.Streaming.Sources;
using SerSsl.Streaming.Sources.Wasapi;
using SerSsl.Streaming.Tests.Support;
using static SerSsl.Streaming.Tests.Sources.Wasapi.CaptureBytes;

namespace SerSsl.Streaming.Tests.Sources.Wasapi;

/// <summary>
/// The WASAPI microphone source without a device: a fake pushes NAudio-format buffers as NAudio's capture thread
/// would, and the source must turn them into the pull reads the session's pump makes, fail with a clear message when
/// the device goes (RecordingStopped with AUDCLNT_E_DEVICE_INVALIDATED), and drop the oldest audio when full.
/// </summary>
public sealed class CaptureAudioSourceTests
{
    [Fact]
    public async Task Open_ReportsMonoAtTheDeviceRateAndTheDevicesFormat()
    {
        var device = new FakeCaptureDevice(Extensible(48_000, 32, 32, 2, ieeeFloat: true), "Microphone (USB Audio)")
        {
            OnStart = sink => sink.OnData(F32(0f, 0f), false, false),
        };
        await using var source = new CaptureAudioSource(device);

        await source.OpenAsync(TestContext.Current.CancellationToken);

        Assert.Equal(new AudioFormat(48_000, 1), source.Format);
        Assert.True(source.IsLive);
        Assert.Equal("mic: Microphone (USB Audio)", source.Description);
        Assert.Equal("f32 2 ch 48000 Hz", source.DeviceFormat);
    }

    [Fact]
    public async Task Read_BuffersFromTheCaptureThread_ArriveInOrderExactly()
    {
        // Arrange: stereo s16 packets of 3 frames each, one cut in the middle of a sample, pushed from another thread.
        var ct = TestContext.Current.CancellationToken;
        var device = new FakeCaptureDevice(new WaveFormat(16_000, 16, 2)) { OnStart = sink => sink.OnData(S16(16_384, 16_384), false, false) };
        await using var source = new CaptureAudioSource(device);
        await source.OpenAsync(ct);
        var rest = S16(-16_384, -16_384, 8_192, 0, 0, 8_192, 1, 1);
        var pushing = Task.Run(() =>
        {
            device.Push(rest[..5]);
            device.Push(rest[5..]);
        }, ct);

        // Act
        var read = new List<float>();
        var buffer = new float[64];
        while (read.Count < 5)
        {
            var n = await source.ReadAsync(buffer, ct);
            read.AddRange(buffer[..n]);
        }

        await pushing;

        // Assert
        Assert.Equal([0.5f, -0.5f, 0.125f, 0.125f, 1f / 32_768f], read);
        Assert.Equal(5, source.FramesCaptured);
    }

    [Fact]
    public async Task Read_DeviceInvalidatedMidSession_QueuedAudioFirstThenAClearError()
    {
        // Arrange: NAudio ends capture with RecordingStopped carrying the COMException of AUDCLNT_E_DEVICE_INVALIDATED.
        var ct = TestContext.Current.CancellationToken;
        var device = new FakeCaptureDevice(WaveFormat.CreateIeeeFloatWaveFormat(48_000, 1)) { OnStart = sink => sink.OnData(F32(0.25f, 0.5f), false, false) };
        await using var source = new CaptureAudioSource(device);
        await source.OpenAsync(ct);
        var unplugged = new COMException("The audio endpoint device has been unplugged.", WasapiErrors.DeviceInvalidated);

        // Act
        device.Sink!.OnStopped(unplugged);
        var buffer = new float[8];
        var first = await source.ReadAsync(buffer, ct);
        var error = await Assert.ThrowsAsync<AudioSourceException>(async () => await source.ReadAsync(buffer, ct));

        // Assert
        Assert.Equal(2, first);
        Assert.Contains("no longer available", error.Message, StringComparison.Ordinal);
        Assert.Contains("unplugged", error.Message, StringComparison.Ordinal);
        Assert.Contains("Microphone (Test Audio)", error.Message, StringComparison.Ordinal);
        Assert.Same(unplugged, error.InnerException);
    }

    [Fact]
    public async Task Open_DeviceInUseExclusively_FailsAtOpenSayingWhatToDo()
    {
        var device = new FakeCaptureDevice(WaveFormat.CreateIeeeFloatWaveFormat(48_000, 2))
        {
            OnStart = sink => sink.OnStopped(new COMException("Device in use", WasapiErrors.DeviceInUse)),
        };
        var source = new CaptureAudioSource(device);

        var error = await Assert.ThrowsAsync<AudioSourceException>(async () => await source.OpenAsync(TestContext.Current.CancellationToken));
        await source.DisposeAsync();

        Assert.Contains("exclusive mode", error.Message, StringComparison.Ordinal);
        Assert.Contains("Allow applications to take exclusive control", error.Message, StringComparison.Ordinal);
        Assert.True(device.Disposed);
    }

    [Fact]
    public async Task Open_NoCaptureDevice_PassesTheDevicesMessageOn()
    {
        var device = new FakeCaptureDevice(new WaveFormat(16_000, 16, 1)) { OpenError = WasapiErrors.NoCaptureDevice() };
        await using var source = new CaptureAudioSource(device);

        var error = await Assert.ThrowsAsync<AudioSourceException>(async () => await source.OpenAsync(TestContext.Current.CancellationToken));

        Assert.Contains("no capture device", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_UnsupportedDeviceFormat_FailsBeforeCapturing()
    {
        var device = new FakeCaptureDevice(WaveFormat.CreateALawFormat(8_000, 1));
        await using var source = new CaptureAudioSource(device);

        await Assert.ThrowsAsync<AudioSourceException>(async () => await source.OpenAsync(TestContext.Current.CancellationToken));

        Assert.Null(device.Sink);
    }

    [Fact]
    public async Task Read_StoppedWithoutBeingAsked_IsAnErrorNotAnEnd()
    {
        var ct = TestContext.Current.CancellationToken;
        var device = new FakeCaptureDevice(new WaveFormat(16_000, 16, 1)) { OnStart = sink => sink.OnData(S16(1), false, false) };
        await using var source = new CaptureAudioSource(device);
        await source.OpenAsync(ct);

        device.Sink!.OnStopped(null);
        var buffer = new float[4];
        await source.ReadAsync(buffer, ct);
        var error = await Assert.ThrowsAsync<AudioSourceException>(async () => await source.ReadAsync(buffer, ct));

        Assert.Contains("without being asked to", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_NothingCaptured_CancelReturnsPromptly()
    {
        var device = new FakeCaptureDevice(new WaveFormat(16_000, 16, 1)) { OnStart = sink => sink.OnData(S16(1), false, false) };
        await using var source = new CaptureAudioSource(device);
        await source.OpenAsync(TestContext.Current.CancellationToken);
        await source.ReadAsync(new float[4], TestContext.Current.CancellationToken);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        var started = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await source.ReadAsync(new float[4], cancel.Token));

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"cancelling a waiting read took {started.Elapsed}");
    }

    [Fact]
    public async Task Dispose_StopsAndReleasesTheDeviceTwiceSafely()
    {
        var device = new FakeCaptureDevice(new WaveFormat(16_000, 16, 1)) { OnStart = sink => sink.OnData(S16(1), false, false) };
        var source = new CaptureAudioSource(device);
        await source.OpenAsync(TestContext.Current.CancellationToken);

        await source.DisposeAsync();
        await source.DisposeAsync();

        Assert.True(device.Stopped);
        Assert.True(device.Disposed);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await source.ReadAsync(new float[4], TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Capture_ReaderStalled_QueueDropsTheOldestAndCountsThem()
    {
        // Arrange: 8 kHz mono, so the queue holds 5 s = 40,000 frames; push 50,000 numbered frames, nobody reading.
        var ct = TestContext.Current.CancellationToken;
        var device = new FakeCaptureDevice(WaveFormat.CreateIeeeFloatWaveFormat(8_000, 1)) { OnStart = sink => sink.OnData(F32(0f), false, false) };
        await using var source = new CaptureAudioSource(device);
        await source.OpenAsync(ct);
        for (var packet = 0; packet < 500; packet++)
        {
            device.Push(F32([.. Enumerable.Range((packet * 100) + 1, 100).Select(i => (float)i)]));
        }

        // Act
        var read = new List<float>();
        var buffer = new float[4_096];
        while (read.Count < 40_000)
        {
            var n = await source.ReadAsync(buffer, ct);
            read.AddRange(buffer[..n]);
        }

        // Assert: the newest 40,000 remain, in order.
        Assert.Equal(50_001, source.FramesCaptured);
        Assert.Equal(10_001, source.DroppedFrames);
        Assert.Equal(10_001f, read[0]);
        Assert.Equal(50_000f, read[^1]);
        Assert.Equal(Enumerable.Range(10_001, 40_000).Select(i => (float)i), read);
    }

    [Fact]
    public async Task Pump_IntoAFullLiveSessionWriter_DropsTheOldestBlocksAsForPulseAudio()
    {
        // Arrange: what the session's pump does with any live source (PulseAudio's included): read, then queue a block
        // that the writer drops the oldest of when the feature stage is not reading. 10 ms blocks, room for 5.
        var ct = TestContext.Current.CancellationToken;
        var options = StreamingSessionOptions.Default with { BlockSeconds = 0.01, BufferSeconds = 0.05 };
        var device = new FakeCaptureDevice(new WaveFormat(8_000, 16, 2)) { OnStart = sink => sink.OnData([], false, false) };
        await using var source = new CaptureAudioSource(device);
        await source.OpenAsync(ct);
        var writer = new SessionAudioWriter(source.Format, source.IsLive, options);
        for (var frame = 0; frame < 800; frame++)
        {
            device.Push(S16((short)frame, (short)frame));
        }

        // Act: pump 800 frames (0.1 s) in blocks of 80 frames.
        var pumped = 0;
        while (pumped < 800)
        {
            var block = System.Buffers.ArrayPool<float>.Shared.Rent(80);
            var n = await source.ReadAsync(block.AsMemory(0, 80), ct);
            await writer.WriteBlockAsync(block, n, ct);
            pumped += n;
        }

        writer.Complete();
        var firsts = new List<long>();
        await foreach (var block in writer.Blocks.ReadAllAsync(ct))
        {
            firsts.Add(block.FirstFrame);
            Assert.Equal(block.FirstFrame / 32_768f, block.Buffer[0]);
            block.Return();
        }

        // Assert: all 800 frames counted, the newest five blocks kept at their original positions.
        Assert.Equal(800, writer.FramesWritten);
        Assert.Equal([400L, 480L, 560L, 640L, 720L], firsts);
    }

    [Fact]
    public async Task Session_FedByTheCaptureSource_RecognisesThenFailsWithTheDevicesMessage()
    {
        // Arrange: three seconds of 48 kHz stereo float (a modulated tone), then the device is unplugged.
        var ct = TestContext.Current.CancellationToken;
        const int Rate = 48_000;
        var device = new FakeCaptureDevice(Extensible(Rate, 32, 32, 2, ieeeFloat: true))
        {
            OnStart = sink => sink.OnData(F32(0f, 0f), false, false),
        };
        await using var engine = RecognitionEngine.Create(TestModel.Load());
        var session = await engine.CreateSessionAsync(new CaptureAudioSource(device), cancellationToken: ct);
        session.Start();

        // Act: 10 ms packets as WASAPI delivers them, then RecordingStopped with AUDCLNT_E_DEVICE_INVALIDATED.
        var frames = 1;
        for (var packet = 0; packet < 300; packet++)
        {
            var samples = new float[2 * (Rate / 100)];
            for (var i = 0; i < samples.Length / 2; i++, frames++)
            {
                var value = 0.3f * MathF.Sin(2 * MathF.PI * 220 * frames / Rate) * (1 + MathF.Sin(2 * MathF.PI * 3 * frames / Rate));
                samples[2 * i] = value;
                samples[(2 * i) + 1] = value;
            }

            device.Push(F32(samples));
            if (packet % 10 == 9)
            {
                // Bursts of 100 ms, faster than real time but not all at once.
                await Task.Delay(30, ct);
            }
        }

        device.Sink!.OnStopped(new COMException("unplugged", WasapiErrors.DeviceInvalidated));
        var error = await Assert.ThrowsAsync<AudioSourceException>(() => session.Completion);

        // Assert: every frame reached the session at the device's rate, the model ran on it, and the end says why.
        Assert.Equal(new AudioFormat(Rate, 1), session.Input.Format);
        Assert.Equal(1 + (300 * (Rate / 100)), session.SamplesReceived);
        Assert.True(session.EstimatesPublished > 0, "no estimate from three seconds of capture");
        Assert.Contains("unplugged", error.Message, StringComparison.Ordinal);
    }
}
