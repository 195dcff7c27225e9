using System.Globalization;
using System.Text;
using System.Text.Json;
using SerSsl.Protos.V1;

namespace SerSsl.Streaming.Analysis;

/// <summary>
/// Writes an emotion timeline as text, JSON or CSV while it is computed: the header first, then each estimate and
/// utterance event as it arrives, then the end. Nothing is kept but a few counters (and, for JSON, the utterance
/// events, written after the estimates), so an endless stream is written in constant memory, and whatever was written
/// before a stop is complete and well formed.
/// </summary>
internal abstract class TimelineWriter
{
    private static readonly CultureInfo s_c = CultureInfo.InvariantCulture;
    private static readonly JsonWriterOptions s_json = new() { Indented = false };

    private TimelineWriter(TextWriter output, string source, IReadOnlyList<string> labels)
    {
        Output = output;
        Source = source;
        Labels = labels;
    }

    private bool _begun;

    /// <summary>Estimates written so far.</summary>
    public long Estimates { get; private set; }

    /// <summary>Estimates with speech written so far.</summary>
    public long SpeechEstimates { get; private set; }

    /// <summary>Utterance starts written so far.</summary>
    public long Utterances { get; private set; }

    protected TextWriter Output { get; }

    protected string Source { get; }

    protected IReadOnlyList<string> Labels { get; }

    /// <summary>
    /// A writer for <paramref name="format"/> (<c>text</c>, <c>json</c> or <c>csv</c>): call <see cref="Add"/> per
    /// event, then <see cref="End"/>. Nothing is written before the first event or the end, so a recording that cannot
    /// be opened leaves the output empty.
    /// </summary>
    public static TimelineWriter Create(string format, TextWriter output, string source, IReadOnlyList<string> labels) => format switch
    {
        "json" => new Json(output, source, labels),
        "csv" => new Csv(output, source, labels),
        "text" => new Text(output, source, labels),
        _ => throw new ArgumentException($"Unknown timeline format '{format}': use text, json or csv.", nameof(format)),
    };

    /// <summary>Writes what comes before the first estimate.</summary>
    protected abstract void Begin();

    /// <summary>Writes one event (estimates and utterance events; gaps cannot occur in a lossless analysis).</summary>
    public void Add(SessionEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        EnsureBegun();
        if (e.Estimate is { } estimate)
        {
            Estimates++;
            SpeechEstimates += estimate.Speech ? 1 : 0;
            Write(estimate);
        }
        else if (e.Utterance is { } utterance)
        {
            Utterances += utterance.Kind == UtteranceEventKind.Start ? 1 : 0;
            Write(utterance);
        }
    }

    /// <summary>Writes what comes after the last estimate: the duration, and whether the analysis was stopped.</summary>
    public void End(double durationSeconds, bool stopped)
    {
        EnsureBegun();
        Finish(durationSeconds, stopped);
    }

    protected abstract void Finish(double durationSeconds, bool stopped);

    protected abstract void Write(EmotionEstimate e);

    protected abstract void Write(UtteranceEvent u);

    private void EnsureBegun()
    {
        if (!_begun)
        {
            _begun = true;
            Begin();
        }
    }

    private sealed class Text(TextWriter output, string source, IReadOnlyList<string> labels) : TimelineWriter(output, source, labels)
    {
        protected override void Begin()
        {
            Output.WriteLine($"source       {Source}");
            var header = new StringBuilder("  seq  start s   end s  speech  top        conf");
            foreach (var label in Labels)
            {
                header.Append(s_c, $" {Truncate(label, 6),6}");
            }

            Output.WriteLine();
            Output.WriteLine(header.ToString());
        }

        protected override void Finish(double durationSeconds, bool stopped)
        {
            if (Estimates == 0 && !stopped)
            {
                Output.WriteLine("no estimates: the recording holds no audio (0 samples).");
            }

            Output.WriteLine();
            Output.WriteLine(string.Create(s_c, $"duration     {durationSeconds:F2} s, {Estimates} estimates, {SpeechEstimates} with speech, {Utterances} utterance(s){(stopped ? "; stopped before the end" : string.Empty)}"));
        }

        protected override void Write(EmotionEstimate e)
        {
            var line = new StringBuilder();
            line.Append(s_c, $"{e.Sequence,5} {e.StartSeconds,7:F2} {e.EndSeconds,7:F2}  {(e.Speech ? "yes" : "no"),-6}  {Truncate(e.TopLabel, 9),-9} {e.Confidence,5:F2}");
            foreach (var p in e.Probabilities)
            {
                line.Append(s_c, $" {p.Probability,6:F3}");
            }

            if (e.Conditions.Count > 0)
            {
                line.Append("  [").Append(string.Join(", ", e.Conditions.Select(ConditionName))).Append(']');
            }

            Output.WriteLine(line.ToString());
        }

        protected override void Write(UtteranceEvent u) =>
            Output.WriteLine(string.Create(s_c, $"utterance {(u.Kind == UtteranceEventKind.Start ? "start" : "end  ")} at {u.TimeSeconds:F2} s (estimate {u.Sequence})"));
    }

    private sealed class Csv(TextWriter output, string source, IReadOnlyList<string> labels) : TimelineWriter(output, source, labels)
    {
        protected override void Begin() =>
            Output.WriteLine("sequence,start_seconds,end_seconds,top_label,confidence,speech,speech_probability," + string.Join(',', Labels.Select(Quote)) + ",latency_ms,conditions");

        protected override void Finish(double durationSeconds, bool stopped)
        {
        }

        protected override void Write(EmotionEstimate e)
        {
            var line = new StringBuilder();
            line.Append(s_c, $"{e.Sequence},{e.StartSeconds:R},{e.EndSeconds:R},{Quote(e.TopLabel)},{e.Confidence:R},{(e.Speech ? 1 : 0)},{e.SpeechProbability:R}");
            foreach (var p in e.Probabilities)
            {
                line.Append(s_c, $",{p.Probability:R}");
            }

            line.Append(s_c, $",{e.LatencyMs:F3},").Append(string.Join(';', e.Conditions.Select(ConditionName)));
            Output.WriteLine(line.ToString());
        }

        protected override void Write(UtteranceEvent u)
        {
            // CSV holds one row per estimate; the utterance decisions are in the speech column.
        }
    }

    /// <summary>
    /// One JSON document, streamed: <c>source</c> and <c>labels</c>, then <c>estimates</c> with one estimate a line as
    /// they arrive, then <c>utterances</c>, <c>durationSeconds</c> and <c>stopped</c> at the end.
    /// </summary>
    private sealed class Json(TextWriter output, string source, IReadOnlyList<string> labels) : TimelineWriter(output, source, labels)
    {
        private readonly List<UtteranceEvent> _utterances = [];

        protected override void Begin()
        {
            var text = Write(json =>
            {
                json.WriteStartObject();
                json.WriteString("source", Source);
                json.WriteStartArray("labels");
                foreach (var label in Labels)
                {
                    json.WriteStringValue(label);
                }

                json.WriteEndArray();
                json.Flush();
            });
            Output.Write(text);
            Output.Write(",\"estimates\":[");
        }

        protected override void Finish(double durationSeconds, bool stopped)
        {
            Output.Write(Estimates > 0 ? "\n]," : "],");
            var text = Write(json =>
            {
                json.WriteStartObject();
                json.WriteStartArray("utterances");
                foreach (var u in _utterances)
                {
                    json.WriteStartObject();
                    json.WriteString("kind", u.Kind == UtteranceEventKind.Start ? "start" : "end");
                    json.WriteNumber("timeSeconds", u.TimeSeconds);
                    json.WriteNumber("sequence", u.Sequence);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteNumber("durationSeconds", durationSeconds);
                json.WriteBoolean("stopped", stopped);
                json.WriteEndObject();
            });

            // Drop the opening brace: these members continue the object begun in Begin.
            Output.WriteLine(text[1..]);
        }

        protected override void Write(EmotionEstimate e)
        {
            var text = Write(json =>
            {
                json.WriteStartObject();
                json.WriteNumber("sequence", e.Sequence);
                json.WriteNumber("startSeconds", e.StartSeconds);
                json.WriteNumber("endSeconds", e.EndSeconds);
                json.WriteString("topLabel", e.TopLabel);
                json.WriteNumber("confidence", e.Confidence);
                json.WriteBoolean("speech", e.Speech);
                json.WriteNumber("speechProbability", e.SpeechProbability);
                json.WriteStartObject("probabilities");
                foreach (var p in e.Probabilities)
                {
                    json.WriteNumber(p.Label, p.Probability);
                }

                json.WriteEndObject();
                json.WriteNumber("latencyMs", e.LatencyMs);
                json.WriteNumber("droppedSamples", e.DroppedSamples);
                json.WriteStartArray("conditions");
                foreach (var condition in e.Conditions)
                {
                    json.WriteStringValue(ConditionName(condition));
                }

                json.WriteEndArray();
                json.WriteEndObject();
            });
            Output.Write(Estimates > 1 ? ",\n" : "\n");
            Output.Write(text);
        }

        protected override void Write(UtteranceEvent u) => _utterances.Add(u);

        private static string Write(Action<Utf8JsonWriter> write)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var json = new Utf8JsonWriter(buffer, s_json))
            {
                write(json);
            }

            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
    }

    /// <summary>A condition's short name: non-finite, clipped, silent, dropped-audio, padded.</summary>
    public static string ConditionName(InputCondition condition) => condition switch
    {
        InputCondition.NonFinite => "non-finite",
        InputCondition.Clipped => "clipped",
        InputCondition.Silent => "silent",
        InputCondition.DroppedAudio => "dropped-audio",
        InputCondition.Padded => "padded",
        _ => condition.ToString().ToLowerInvariant(),
    };

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    private static string Quote(string text) => text.Contains(',', StringComparison.Ordinal) || text.Contains('"', StringComparison.Ordinal)
        ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
        : text;
}
