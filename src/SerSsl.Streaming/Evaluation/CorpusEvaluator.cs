using SerSsl.Streaming.Analysis;
using SerSsl.Streaming.Pipeline;
using SerSsl.Streaming.Sources;

namespace SerSsl.Streaming.Evaluation;

/// <summary>How one clip went: its decision, or why it could not be evaluated.</summary>
/// <param name="Clip">The clip.</param>
/// <param name="Decision">The clip's decision; null when it failed.</param>
/// <param name="DurationSeconds">Audio read, in seconds.</param>
/// <param name="Failure">Why it failed (<see cref="SkipReason.UnreadableAudio"/> or <see cref="SkipReason.NoEstimates"/>); null when it did not.</param>
/// <param name="Error">What went wrong, when it failed.</param>
/// <param name="Estimates">The estimates the clip's decision came from, in sequence order (empty when it failed).</param>
internal sealed record ClipOutcome(EvaluationClip Clip, ClipDecision? Decision, double DurationSeconds, SkipReason? Failure, string? Error, IReadOnlyList<SerSsl.Protos.V1.EmotionEstimate>? Estimates = null);

/// <summary>
/// Runs clips through one <see cref="RecognitionEngine"/> exactly as <c>sers analyze</c> runs a file
/// (<see cref="RecordingAnalysis.RunAsync"/> on a <see cref="WavFileSource"/> read as fast as possible), several at a
/// time so that the inference thread batches chunks across them.
/// </summary>
internal static class CorpusEvaluator
{
    /// <summary>Evaluates every clip.</summary>
    /// <param name="engine">The engine (one model, loaded once).</param>
    /// <param name="clips">The clips.</param>
    /// <param name="options">Session options, as <c>sers analyze</c> takes them.</param>
    /// <param name="jobs">Clips in flight at once, at least 1.</param>
    /// <param name="onOutcome">Called as each clip finishes (from several threads at once); null for none.</param>
    /// <param name="cancellationToken">Stops the run: clips in flight stop and no more start.</param>
    /// <returns>One outcome per clip, in the order of <paramref name="clips"/>.</returns>
    /// <exception cref="OperationCanceledException">The run was stopped.</exception>
    /// <exception cref="Inference.InferenceException">The model failed (not a property of one clip: the run stops).</exception>
    public static async Task<IReadOnlyList<ClipOutcome>> RunAsync(
        RecognitionEngine engine,
        IReadOnlyList<EvaluationClip> clips,
        StreamingSessionOptions options,
        int jobs,
        Action<ClipOutcome>? onOutcome,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(clips);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(jobs, 1);
        var outcomes = new ClipOutcome[clips.Count];
        var labelCount = engine.Bundle.Labels.Count;
        await Parallel.ForEachAsync(
            Enumerable.Range(0, clips.Count),
            new ParallelOptions { MaxDegreeOfParallelism = jobs, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                var outcome = await EvaluateAsync(engine, clips[i], options, labelCount, token).ConfigureAwait(false);
                outcomes[i] = outcome;
                onOutcome?.Invoke(outcome);
            }).ConfigureAwait(false);
        return outcomes;
    }

    private static async Task<ClipOutcome> EvaluateAsync(RecognitionEngine engine, EvaluationClip clip, StreamingSessionOptions options, int labelCount, CancellationToken cancellationToken)
    {
        RecordingAnalysis analysis;
        try
        {
            analysis = await RecordingAnalysis.RunAsync(engine, new WavFileSource(clip.Clip.Path, paced: false), options, cancellationToken).ConfigureAwait(false);
        }
        catch (AudioSourceException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new ClipOutcome(clip, null, 0, SkipReason.UnreadableAudio, ex.Message);
        }

        var decision = ClipDecision.From(analysis.Estimates, labelCount, engine.Bundle.Manifest.Chunks.MaxChunks);
        return decision is null
            ? new ClipOutcome(clip, null, analysis.DurationSeconds, SkipReason.NoEstimates, FormattableString.Invariant($"{analysis.DurationSeconds:F3} s of audio is too short for one estimate"))
            : new ClipOutcome(clip, decision, analysis.DurationSeconds, null, null, [.. analysis.Estimates.OrderBy(static e => e.Sequence)]);
    }
}
