using SerSsl.Protos.V1;
using SerSsl.Streaming.Pipeline;
using SerSsl.Streaming.Sources;

namespace SerSsl.Streaming.Analysis;

/// <summary>The emotion timeline of one recording: every estimate and utterance event, in order.</summary>
/// <param name="Source">What was analysed.</param>
/// <param name="Labels">The model's labels in output order.</param>
/// <param name="Estimates">Estimates in sequence order.</param>
/// <param name="Utterances">Utterance events in order.</param>
/// <param name="DurationSeconds">Audio duration received, in seconds.</param>
public sealed record RecordingAnalysis(string Source, IReadOnlyList<string> Labels, IReadOnlyList<EmotionEstimate> Estimates, IReadOnlyList<UtteranceEvent> Utterances, double DurationSeconds)
{
    /// <summary>How long a stopped analysis waits for its session to end (a source blocked in a read) before it gives up on it.</summary>
    internal static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(0.5);

    /// <summary>Runs a source through a session of <paramref name="engine"/> to its end and collects everything it published.</summary>
    /// <param name="engine">The engine.</param>
    /// <param name="source">The audio (a file read as fast as possible, typically).</param>
    /// <param name="options">Session options.</param>
    /// <param name="cancellationToken">Stops the analysis.</param>
    /// <returns>The timeline.</returns>
    /// <exception cref="AudioSourceException">The source cannot be opened or fails.</exception>
    /// <exception cref="OperationCanceledException">The analysis was stopped.</exception>
    public static async Task<RecordingAnalysis> RunAsync(RecognitionEngine engine, IAudioSource source, StreamingSessionOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(source);
        var estimates = new List<EmotionEstimate>();
        var utterances = new List<UtteranceEvent>();
        var end = await StreamAsync(engine, source, options, Collect, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return new RecordingAnalysis(end.Source, engine.Bundle.Labels, estimates, utterances, end.DurationSeconds);

        void Collect(SessionEvent e)
        {
            if (e.Estimate is { } estimate)
            {
                estimates.Add(estimate);
            }
            else if (e.Utterance is { } utterance)
            {
                utterances.Add(utterance);
            }
        }
    }

    /// <summary>
    /// Runs a source through a session of <paramref name="engine"/> and hands every event to <paramref name="onEvent"/>
    /// as it is published, keeping nothing: an endless source (a pipe, a FIFO) runs in constant memory. When
    /// <paramref name="cancellationToken"/> fires, the session stops and the call returns within about
    /// <see cref="StopGrace"/> (also while the source is blocked opening or reading), with <see cref="AnalysisEnd.Stopped"/> set.
    /// </summary>
    /// <param name="engine">The engine.</param>
    /// <param name="source">The audio.</param>
    /// <param name="options">Session options.</param>
    /// <param name="onEvent">Called with each estimate and utterance event, in order, on one thread at a time.</param>
    /// <param name="cancellationToken">Stops the analysis.</param>
    /// <returns>What was analysed, how much audio, and whether it was stopped.</returns>
    /// <exception cref="AudioSourceException">The source cannot be opened or fails.</exception>
    internal static async Task<AnalysisEnd> StreamAsync(RecognitionEngine engine, IAudioSource source, StreamingSessionOptions? options, Action<SessionEvent> onEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(onEvent);
        var description = source.Description;
        StreamingSession session;
        try
        {
            session = await engine.CreateSessionAsync(source, options, sessionId: null, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new AnalysisEnd(description, 0, Stopped: true);
        }

        using var giveUp = new CancellationTokenSource();
        try
        {
            // Subscribed before the session starts, and lossless: every event, however fast the file is read.
            using var subscription = session.TrySubscribe(fromSequence: null, capacity: null, lossless: true)!;
            session.Start();
            await using (cancellationToken.Register(() =>
            {
                _ = session.StopAsync();
                giveUp.CancelAfter(StopGrace);
            }))
            {
                try
                {
                    await foreach (var e in subscription.ReadAllAsync(giveUp.Token).ConfigureAwait(false))
                    {
                        onEvent(e);
                    }

                    await session.Completion.WaitAsync(giveUp.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (giveUp.IsCancellationRequested)
                {
                    // Stopped, and the session did not end in time (its source is blocked): report what is done.
                }
            }

            var duration = (double)session.SamplesReceived / session.Input.Format.SampleRate;
            return new AnalysisEnd(description, duration, cancellationToken.IsCancellationRequested);
        }
        finally
        {
            var removal = engine.RemoveSessionAsync(session.Id);
            if (cancellationToken.IsCancellationRequested)
            {
                // A source blocked in a read cannot be interrupted; the process is about to end anyway.
                await Task.WhenAny(removal, Task.Delay(StopGrace, CancellationToken.None)).ConfigureAwait(false);
            }
            else
            {
                await removal.ConfigureAwait(false);
            }
        }
    }
}

/// <summary>How a streamed analysis ended.</summary>
/// <param name="Source">What was analysed.</param>
/// <param name="DurationSeconds">Audio received, in seconds.</param>
/// <param name="Stopped">True when it was stopped (Ctrl+C) before the source ended.</param>
internal sealed record AnalysisEnd(string Source, double DurationSeconds, bool Stopped);
