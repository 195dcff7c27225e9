using Microsoft.Extensions.Logging;
using SerSsl.Streaming.Analysis;
using SerSsl.Streaming.Pipeline;
using SerSsl.Streaming.Sources;
using SerSsl.Streaming.Tests.Support;

namespace SerSsl.Streaming.Tests.Pipeline;

public sealed class SessionLoggingTests
{
    [Fact]
    public async Task Session_RecordingToItsEnd_LogsStartedThenEndedWithTheCounts()
    {
        // Arrange
        using var capture = new CapturingLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(capture).SetMinimumLevel(LogLevel.Trace));
        await using var engine = RecognitionEngine.Create(TestModel.Load(), loggerFactory: loggers);

        // Act
        var analysis = await RecordingAnalysis.RunAsync(engine, new WavFileSource(TestModel.DemoRecording, paced: false), null, TestContext.Current.CancellationToken);

        // Assert
        var events = capture.Events.Where(e => e.Category == "SerSsl.Streaming.Sessions").ToList();
        Assert.Equal([1, 2], events.Select(e => e.Id.Id));
        Assert.Equal(["SessionStarted", "SessionEnded"], events.Select(e => e.Id.Name));
        Assert.All(events, e => Assert.Equal(LogLevel.Information, e.Level));
        Assert.Equal(analysis.Estimates[0].SessionId, events[1].Fields["SessionId"]);
        Assert.Matches("^s-[0-9a-f]{24}$", (string)events[1].Fields["SessionId"]!);
        Assert.Equal((long)analysis.Estimates.Count, events[1].Fields["Estimates"]);
        Assert.Contains("lossless", events[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_SourceFailsMidway_WarnsWithTheReasonAndNoStackTrace()
    {
        // Arrange
        using var capture = new CapturingLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(capture));
        await using var engine = RecognitionEngine.Create(TestModel.Load(), loggerFactory: loggers);
        var session = await engine.CreateSessionAsync(new FailingSource(), cancellationToken: TestContext.Current.CancellationToken);

        // Act
        session.Start();
        await Assert.ThrowsAsync<AudioSourceException>(() => session.Completion);

        // Assert
        var failed = Assert.Single(capture.Events, e => e.Id.Id == 3);
        Assert.Equal(LogLevel.Warning, failed.Level);
        Assert.Null(failed.Exception);
        Assert.Contains("the device was unplugged", failed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(capture.Events, e => e.Id.Id == 2);
    }

    /// <summary>Two seconds of tone, then a device failure.</summary>
    private sealed class FailingSource : IAudioSource
    {
        private int _frames;

        public string Description => "failing";

        public AudioFormat Format { get; } = new(16_000, 1);

        public bool IsLive => false;

        public ValueTask OpenAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<int> ReadAsync(Memory<float> destination, CancellationToken cancellationToken)
        {
            if (_frames >= 32_000)
            {
                throw new AudioSourceException("the device was unplugged");
            }

            var n = Math.Min(destination.Length, 32_000 - _frames);
            for (var i = 0; i < n; i++)
            {
                destination.Span[i] = 0.3f * MathF.Sin(2 * MathF.PI * 220 * (_frames + i) / 16_000f);
            }

            _frames += n;
            return ValueTask.FromResult(n);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
