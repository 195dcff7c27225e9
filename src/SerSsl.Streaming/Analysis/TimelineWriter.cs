using System.Globalization;
using System.Text;
using System.Text.Json;
using SerSsl.Protos.V1;

namespace SerSsl.Streaming.Analysis;

/// <summary>Writes an emotion timeline as text, JSON or CSV.</summary>
internal static class TimelineWriter
{
    public static void WriteText(RecordingAnalysis analysis, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine($"source       {analysis.Source}");
        output.WriteLine(string.Create(c, $"duration     {analysis.DurationSeconds:F2} s, {analysis.Estimates.Count} estimates, {analysis.Estimates.Count(e => e.Speech)} with speech, {analysis.Utterances.Count(u => u.Kind == UtteranceEventKind.Start)} utterance(s)"));
        if (analysis.Estimates.Count == 0)
        {
            output.WriteLine("no estimates: the recording holds no audio (0 samples).");
            return;
        }

        var header = new StringBuilder("  seq  start s   end s  speech  top        conf");
        foreach (var label in analysis.Labels)
        {
            header.Append(c, $" {Truncate(label, 6),6}");
        }

        output.WriteLine();
        output.WriteLine(header.ToString());
        foreach (var e in analysis.Estimates)
        {
            var line = new StringBuilder();
            line.Append(c, $"{e.Sequence,5} {e.StartSeconds,7:F2} {e.EndSeconds,7:F2}  {(e.Speech ? "yes" : "no"),-6}  {Truncate(e.TopLabel, 9),-9} {e.Confidence,5:F2}");
            foreach (var p in e.Probabilities)
            {
                line.Append(c, $" {p.Probability,6:F3}");
            }

            if (e.Conditions.Count > 0)
            {
                line.Append("  [").Append(string.Join(", ", e.Conditions.Select(ConditionName))).Append(']');
            }

            output.WriteLine(line.ToString());
        }

        foreach (var u in analysis.Utterances)
        {
            output.WriteLine(string.Create(c, $"utterance {(u.Kind == UtteranceEventKind.Start ? "start" : "end  ")} at {u.TimeSeconds:F2} s (estimate {u.Sequence})"));
        }
    }

    public static void WriteCsv(RecordingAnalysis analysis, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine("sequence,start_seconds,end_seconds,top_label,confidence,speech,speech_probability," + string.Join(',', analysis.Labels.Select(Csv)) + ",latency_ms,conditions");
        foreach (var e in analysis.Estimates)
        {
            var line = new StringBuilder();
            line.Append(c, $"{e.Sequence},{e.StartSeconds:R},{e.EndSeconds:R},{Csv(e.TopLabel)},{e.Confidence:R},{(e.Speech ? 1 : 0)},{e.SpeechProbability:R}");
            foreach (var p in e.Probabilities)
            {
                line.Append(c, $",{p.Probability:R}");
            }

            line.Append(c, $",{e.LatencyMs:F3},").Append(string.Join(';', e.Conditions.Select(ConditionName)));
            output.WriteLine(line.ToString());
        }
    }

    public static void WriteJson(RecordingAnalysis analysis, Stream output)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("source", analysis.Source);
        json.WriteNumber("durationSeconds", analysis.DurationSeconds);
        json.WriteStartArray("labels");
        foreach (var label in analysis.Labels)
        {
            json.WriteStringValue(label);
        }

        json.WriteEndArray();
        json.WriteStartArray("estimates");
        foreach (var e in analysis.Estimates)
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
        }

        json.WriteEndArray();
        json.WriteStartArray("utterances");
        foreach (var u in analysis.Utterances)
        {
            json.WriteStartObject();
            json.WriteString("kind", u.Kind == UtteranceEventKind.Start ? "start" : "end");
            json.WriteNumber("timeSeconds", u.TimeSeconds);
            json.WriteNumber("sequence", u.Sequence);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        output.WriteByte((byte)'\n');
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

    private static string Csv(string text) => text.Contains(',', StringComparison.Ordinal) || text.Contains('"', StringComparison.Ordinal)
        ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
        : text;
}
