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
    /// <summary>Runs a source through a session of <paramref name="engine"/> to its end and collects everything it published.</summary>
    /// <param name="engine">The engine.</param>
    /// <param name="source">The audio (a file read as fast as possible, typically).</param>
    /// <param name="options">Session options.</param>
    /// <param name="cancellationToken">Stops the analysis.</param>
    /// <returns>The timeline.</returns>
    /// <exception cref="AudioSourceException">The source cannot be opened or fails.</exception>
    public static async Task<RecordingAnalysis> RunAsync(RecognitionEngine engine, IAudioSource source, StreamingSessionOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(source);
        var description = source.Description;
        var estimates = new List<EmotionEstimate>();
        var utterances = new List<UtteranceEvent>();
        var session = await engine.CreateSessionAsync(source, options, sessionId: null, cancellationToken).ConfigureAwait(false);
        try
        {
            // Subscribed before the session starts, and lossless: every event, however fast the file is read.
            using var subscription = session.TrySubscribe(fromSequence: null, capacity: null, lossless: true)!;
            session.Start();
            await using (cancellationToken.Register(() => _ = session.StopAsync()))
            {
                await foreach (var e in subscription.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
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

                await session.Completion.ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            var duration = (double)session.SamplesReceived / session.Input.Format.SampleRate;
            return new RecordingAnalysis(description, engine.Bundle.Labels, estimates, utterances, duration);
        }
        finally
        {
            await engine.RemoveSessionAsync(session.Id).ConfigureAwait(false);
        }
    }
}
