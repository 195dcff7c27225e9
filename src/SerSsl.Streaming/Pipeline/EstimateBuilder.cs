using System.Diagnostics;
using SerSsl.Protos.V1;

namespace SerSsl.Streaming.Pipeline;

/// <summary>
/// Turns a session's chunk predictions into estimates, in order: exponential smoothing over speech, the voice-activity
/// decision, and utterance start and end events (with a hangover). Not thread-safe; one per session.
/// </summary>
internal sealed class EstimateBuilder
{
    private readonly string _sessionId;
    private readonly IReadOnlyList<string> _labels;
    private readonly double _smoothing;
    private readonly double _speechThreshold;
    private readonly int _hangover;
    private readonly float[] _smoothed;
    private bool _haveSmoothed;
    private bool _inUtterance;
    private int _silentRun;
    private double _lastSpeechEnd;
    private long _lastSequence = -1;

    /// <summary>Creates a builder.</summary>
    /// <param name="sessionId">The session's id, copied into every estimate and event.</param>
    /// <param name="labels">The model's labels in output order.</param>
    /// <param name="options">Smoothing, speech threshold and hangover.</param>
    public EstimateBuilder(string sessionId, IReadOnlyList<string> labels, StreamingSessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _sessionId = sessionId;
        _labels = labels;
        _smoothing = options.Smoothing;
        _speechThreshold = options.SpeechThreshold;
        _hangover = options.UtteranceHangover;
        _smoothed = new float[labels.Count];
    }

    /// <summary>True while an utterance is open (started and not yet ended).</summary>
    public bool InUtterance => _inUtterance;

    /// <summary>The speech decision of a chunk: enough of its frames are speech and the input was not silent.</summary>
    /// <param name="chunk">The chunk.</param>
    /// <param name="speechThreshold">The share of speech frames that makes a chunk speech (<see cref="StreamingSessionOptions.SpeechThreshold"/>).</param>
    public static bool IsSpeech(ChunkInfo chunk, double speechThreshold) =>
        chunk.SpeechProbability >= speechThreshold && !chunk.Conditions.Contains(InputCondition.Silent);

    /// <summary>Builds the estimate of the next chunk.</summary>
    /// <param name="chunk">The chunk; its index must follow the previous one's.</param>
    /// <param name="probabilities">The model's probabilities for the chunk, one per label.</param>
    /// <param name="events">Receives the utterance events this estimate causes (start or end), in order.</param>
    /// <returns>The estimate.</returns>
    /// <exception cref="ArgumentException">The probabilities do not match the labels, or the chunk is out of order.</exception>
    public EmotionEstimate Build(ChunkInfo chunk, ReadOnlySpan<float> probabilities, ICollection<UtteranceEvent> events)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        ArgumentNullException.ThrowIfNull(events);
        if (probabilities.Length != _labels.Count)
        {
            throw new ArgumentException($"Expected {_labels.Count} probabilities, got {probabilities.Length}.", nameof(probabilities));
        }

        if (chunk.Index != _lastSequence + 1)
        {
            throw new ArgumentException($"Chunk {chunk.Index} arrived after chunk {_lastSequence}; estimates must be gap-free.", nameof(chunk));
        }

        _lastSequence = chunk.Index;
        var speech = IsSpeech(chunk, _speechThreshold);
        Span<float> reported = stackalloc float[probabilities.Length];
        if (speech && _smoothing > 0)
        {
            if (!_haveSmoothed)
            {
                probabilities.CopyTo(_smoothed);
                _haveSmoothed = true;
            }
            else
            {
                var keep = (float)_smoothing;
                for (var i = 0; i < _smoothed.Length; i++)
                {
                    _smoothed[i] = (keep * _smoothed[i]) + ((1f - keep) * probabilities[i]);
                }
            }

            _smoothed.CopyTo(reported);
        }
        else
        {
            probabilities.CopyTo(reported);
        }

        var top = 0;
        for (var i = 1; i < reported.Length; i++)
        {
            if (reported[i] > reported[top])
            {
                top = i;
            }
        }

        var estimate = new EmotionEstimate
        {
            SessionId = _sessionId,
            Sequence = (ulong)chunk.Index,
            StartSeconds = chunk.StartSeconds,
            EndSeconds = chunk.EndSeconds,
            TopLabel = _labels[top],
            Confidence = reported[top],
            SpeechProbability = chunk.SpeechProbability,
            Speech = speech,
            DroppedSamples = chunk.DroppedSamples,
            DroppedSamplesTotal = chunk.DroppedSamplesTotal,
            LatencyMs = Stopwatch.GetElapsedTime(chunk.ArrivalTimestamp).TotalMilliseconds,
        };
        for (var i = 0; i < reported.Length; i++)
        {
            estimate.Probabilities.Add(new LabelProbability { Label = _labels[i], Probability = reported[i] });
        }

        estimate.Conditions.Add(chunk.Conditions);
        TrackUtterance(chunk, speech, events);
        return estimate;
    }

    /// <summary>Closes an open utterance at the end of the stream.</summary>
    /// <returns>The end event, or null when no utterance is open.</returns>
    public UtteranceEvent? Finish()
    {
        if (!_inUtterance)
        {
            return null;
        }

        _inUtterance = false;
        return new UtteranceEvent { SessionId = _sessionId, Kind = UtteranceEventKind.End, TimeSeconds = _lastSpeechEnd, Sequence = (ulong)Math.Max(_lastSequence, 0) };
    }

    private void TrackUtterance(ChunkInfo chunk, bool speech, ICollection<UtteranceEvent> events)
    {
        if (speech)
        {
            _silentRun = 0;
            _lastSpeechEnd = chunk.EndSeconds;
            if (!_inUtterance)
            {
                _inUtterance = true;
                events.Add(new UtteranceEvent { SessionId = _sessionId, Kind = UtteranceEventKind.Start, TimeSeconds = chunk.StartSeconds, Sequence = (ulong)chunk.Index });
            }

            return;
        }

        if (_inUtterance && ++_silentRun >= _hangover)
        {
            _inUtterance = false;
            _haveSmoothed = false;
            events.Add(new UtteranceEvent { SessionId = _sessionId, Kind = UtteranceEventKind.End, TimeSeconds = _lastSpeechEnd, Sequence = (ulong)chunk.Index });
        }
    }
}
