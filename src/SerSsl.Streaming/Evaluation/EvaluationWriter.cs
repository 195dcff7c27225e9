using System.Globalization;
using System.Text;
using System.Text.Json;
using SerSsl.Plots;

namespace SerSsl.Streaming.Evaluation;

/// <summary>Writes a <see cref="CorpusEvaluation"/>: a text report, metrics.json, predictions.csv, skipped.csv and confusion.png.</summary>
internal static class EvaluationWriter
{
    /// <summary>The file names written into <c>--out</c>.</summary>
    public const string MetricsFile = "metrics.json";

    /// <summary>Per-clip predictions.</summary>
    public const string PredictionsFile = "predictions.csv";

    /// <summary>Every estimate of every evaluated clip (<c>--estimates</c>).</summary>
    public const string EstimatesFile = "estimates.csv";

    /// <summary>Skipped files and why.</summary>
    public const string SkippedFile = "skipped.csv";

    /// <summary>The confusion matrix heat map.</summary>
    public const string ConfusionFile = "confusion.png";

    /// <summary>How many skipped files the text report lists before it refers to the files.</summary>
    public const int SkippedListed = 20;

    private static readonly CultureInfo s_c = CultureInfo.InvariantCulture;

    /// <summary>Writes every output file into <paramref name="directory"/> (created when missing).</summary>
    /// <returns>The paths written.</returns>
    /// <param name="evaluation">The evaluation.</param>
    /// <param name="directory">The output folder.</param>
    /// <param name="estimates">Also write <see cref="EstimatesFile"/>, every estimate of every clip.</param>
    public static IReadOnlyList<string> WriteAll(CorpusEvaluation evaluation, string directory, bool estimates = false)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        Directory.CreateDirectory(directory);
        var metrics = Path.Combine(directory, MetricsFile);
        using (var stream = File.Create(metrics))
        {
            WriteJson(evaluation, stream);
        }

        var predictions = Path.Combine(directory, PredictionsFile);
        using (var writer = new StreamWriter(predictions, append: false, new UTF8Encoding(false)))
        {
            WritePredictionsCsv(evaluation, writer);
        }

        var skipped = Path.Combine(directory, SkippedFile);
        using (var writer = new StreamWriter(skipped, append: false, new UTF8Encoding(false)))
        {
            WriteSkippedCsv(evaluation, writer);
        }

        var png = Path.Combine(directory, ConfusionFile);
        var m = evaluation.Metrics;
        ConfusionMatrixPlot.Save(
            png,
            evaluation.Matrix,
            evaluation.Labels,
            string.Create(s_c, $"{evaluation.ModelName} on {Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(evaluation.Corpus)))} ({evaluation.Layout}): accuracy {m.Accuracy:F3}, UAR {m.UnweightedAverageRecall:F3}, {evaluation.Predictions.Count} clips"),
            width: 900,
            height: 760);
        if (!estimates)
        {
            return [metrics, predictions, skipped, png];
        }

        var timeline = Path.Combine(directory, EstimatesFile);
        using (var writer = new StreamWriter(timeline, append: false, new UTF8Encoding(false)))
        {
            WriteEstimatesCsv(evaluation, writer);
        }

        return [metrics, predictions, skipped, png, timeline];
    }

    /// <summary>
    /// estimates.csv: one row per estimate of each evaluated clip, in sequence order: the chunk's time span, the
    /// speech decision the clip rule uses, and the probabilities (smoothed when <c>--smoothing</c> is on).
    /// </summary>
    public static void WriteEstimatesCsv(CorpusEvaluation e, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine("path,sequence,start_seconds,end_seconds,speech,speech_probability," + string.Join(',', e.Labels.Select(l => Csv("p_" + l))));
        foreach (var p in e.Predictions)
        {
            foreach (var estimate in p.Estimates ?? [])
            {
                var line = new StringBuilder();
                line.Append(s_c, $"{Csv(p.Clip.Clip.RelativePath)},{estimate.Sequence},{estimate.StartSeconds:R},{estimate.EndSeconds:R},{(estimate.Speech ? 1 : 0)},{estimate.SpeechProbability:R}");
                foreach (var probability in estimate.Probabilities)
                {
                    line.Append(s_c, $",{probability.Probability:R}");
                }

                output.WriteLine(line.ToString());
            }
        }
    }

    /// <summary>The report a person reads: counts, label map, metrics, per-class table, confusion matrix, skipped files.</summary>
    public static void WriteText(CorpusEvaluation e, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(output);
        var plan = e.Plan;
        var m = e.Metrics;
        output.WriteLine($"model      {e.ModelName} ({e.ModelDirectory}); labels {string.Join(' ', e.Labels)}");
        output.WriteLine($"corpus     {plan.Scan.Root} (layout {e.Layout}): {plan.Scan.FilesFound} file(s), {plan.Scan.Clips.Count} labelled, {plan.Mapped} mapped onto the model{(plan.NotSampled > 0 ? string.Create(s_c, $", {plan.Clips.Count} drawn by --limit (seed {e.Settings.Seed})") : string.Empty)}, {e.Predictions.Count} evaluated");
        if (plan.Scan.Selection is { } selection)
        {
            output.WriteLine($"fold       {selection.Describe()}");
        }

        output.WriteLine($"labels     {string.Join(", ", plan.LabelMap.Select(kv => string.Create(s_c, $"{kv.Key} {plan.CorpusLabels[kv.Key]} -> {kv.Value ?? "left out"}")))}");
        var skippedCounts = e.SkippedByReason.Where(kv => kv.Value > 0).Select(kv => string.Create(s_c, $"{kv.Value} {kv.Key.Name()}")).ToArray();
        output.WriteLine($"skipped    {(skippedCounts.Length == 0 ? "none" : string.Join(", ", skippedCounts))}");
        output.WriteLine($"decision   {CorpusEvaluation.DecisionRule}; {e.AllEstimatesFallbacks} clip(s) had no speech estimate");
        output.WriteLine();
        output.WriteLine(string.Create(s_c, $"accuracy {m.Accuracy:F4}   UAR {m.UnweightedAverageRecall:F4}   macro precision {m.MacroPrecision:F4}   macro recall {m.MacroRecall:F4}   macro F1 {m.MacroF1:F4}"));
        output.WriteLine();
        var width = Math.Max(8, e.Labels.Max(l => l.Length) + 2);
        output.WriteLine($"{"class".PadRight(width)} precision    recall        F1   support");
        for (var k = 0; k < e.Labels.Count; k++)
        {
            output.WriteLine(string.Create(s_c, $"{e.Labels[k].PadRight(width)} {m.Precision[k],9:F4} {m.Recall[k],9:F4} {m.F1[k],9:F4} {m.Support[k],9}"));
        }

        output.WriteLine(string.Create(s_c, $"{"macro".PadRight(width)} {m.MacroPrecision,9:F4} {m.MacroRecall,9:F4} {m.MacroF1,9:F4} {m.Support.Sum(),9}"));
        output.WriteLine();
        output.WriteLine("confusion matrix (rows: true label, columns: predicted label)");
        var cell = Math.Max(6, Math.Max(e.Labels.Max(l => l.Length), e.Matrix.Total.ToString(s_c).Length) + 1);
        output.WriteLine(new string(' ', width) + string.Concat(e.Labels.Select(l => l.PadLeft(cell))));
        for (var t = 0; t < e.Labels.Count; t++)
        {
            output.WriteLine(e.Labels[t].PadRight(width) + string.Concat(Enumerable.Range(0, e.Labels.Count).Select(p => e.Matrix[t, p].ToString(s_c).PadLeft(cell))));
        }

        if (e.Skipped.Count > 0)
        {
            output.WriteLine();
            output.WriteLine($"skipped files{(e.Skipped.Count > SkippedListed ? string.Create(s_c, $" (the first {SkippedListed} of {e.Skipped.Count}; all are in {MetricsFile} and {SkippedFile} with --out)") : string.Empty)}");
            foreach (var s in e.Skipped.Take(SkippedListed))
            {
                output.WriteLine($"  {s.Reason.Name(),-18} {s.RelativePath}: {s.Detail}");
            }
        }
    }

    /// <summary>metrics.json: everything the text report says, plus every prediction and every skipped file.</summary>
    public static void WriteJson(CorpusEvaluation e, Stream output)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(output);
        var plan = e.Plan;
        var m = e.Metrics;
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartObject("model");
        json.WriteString("name", e.ModelName);
        json.WriteString("directory", e.ModelDirectory);
        WriteStrings(json, "labels", e.Labels);
        json.WriteEndObject();

        json.WriteStartObject("corpus");
        json.WriteString("path", e.Corpus);
        json.WriteString("root", plan.Scan.Root);
        json.WriteString("layout", e.Layout);
        if (plan.Scan.Selection is { } selection)
        {
            json.WriteStartObject("foldList");
            json.WriteString("path", selection.FoldList);
            json.WriteString("split", selection.SplitName);
            json.WriteString("labels", "consensus");
            json.WriteNumber("listed", selection.Listed);
            json.WriteNumber("selected", selection.Selected);
            json.WriteNumber("missing", selection.Missing);
            json.WriteNumber("outsideSplit", selection.OutsideSplit);
            json.WriteNumber("speakers", selection.Speakers);
            json.WriteNumber("relabelledFromIntended", selection.RelabelledFromIntended);
            json.WriteEndObject();
        }

        json.WriteStartObject("labelMap");
        foreach (var (label, target) in plan.LabelMap)
        {
            json.WriteString(label, target);
        }

        json.WriteEndObject();
        json.WriteEndObject();

        json.WriteStartObject("settings");
        json.WriteString("decisionRule", CorpusEvaluation.DecisionRule);
        json.WriteNumber("hopMs", e.Settings.HopMs);
        json.WriteNumber("smoothing", e.Settings.Smoothing);
        json.WriteString("vad", e.Settings.Vad);
        json.WriteNumber("vadThresholdDb", e.Settings.VadThresholdDb);
        json.WriteNumber("jobs", e.Settings.Jobs);
        if (e.Settings.Limit is { } limit)
        {
            json.WriteNumber("limit", limit);
        }
        else
        {
            json.WriteNull("limit");
        }

        json.WriteNumber("seed", e.Settings.Seed);
        WriteStrings(json, "map", e.Settings.Map);
        json.WriteEndObject();

        json.WriteStartObject("counts");
        json.WriteNumber("filesFound", plan.Scan.FilesFound);
        json.WriteNumber("labelled", plan.Scan.Clips.Count);
        json.WriteNumber("mapped", plan.Mapped);
        json.WriteNumber("notSampled", plan.NotSampled);
        json.WriteNumber("evaluated", e.Predictions.Count);
        json.WriteNumber("allEstimatesFallback", e.AllEstimatesFallbacks);
        json.WriteStartObject("skipped");
        foreach (var (reason, count) in e.SkippedByReason)
        {
            json.WriteNumber(reason.Name(), count);
        }

        json.WriteEndObject();
        json.WriteStartObject("corpusLabels");
        foreach (var (label, count) in plan.CorpusLabels)
        {
            json.WriteNumber(label, count);
        }

        json.WriteEndObject();
        json.WriteEndObject();

        json.WriteStartObject("metrics");
        json.WriteNumber("accuracy", m.Accuracy);
        json.WriteNumber("unweightedAverageRecall", m.UnweightedAverageRecall);
        json.WriteNumber("macroPrecision", m.MacroPrecision);
        json.WriteNumber("macroRecall", m.MacroRecall);
        json.WriteNumber("macroF1", m.MacroF1);
        json.WriteStartArray("perClass");
        for (var k = 0; k < e.Labels.Count; k++)
        {
            json.WriteStartObject();
            json.WriteString("label", e.Labels[k]);
            json.WriteNumber("precision", m.Precision[k]);
            json.WriteNumber("recall", m.Recall[k]);
            json.WriteNumber("f1", m.F1[k]);
            json.WriteNumber("support", m.Support[k]);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();

        json.WriteStartObject("confusionMatrix");
        WriteStrings(json, "labels", e.Labels);
        json.WriteStartArray("rows");
        foreach (var row in e.Matrix.ToRows())
        {
            json.WriteStartArray();
            foreach (var count in row)
            {
                json.WriteNumberValue(count);
            }

            json.WriteEndArray();
        }

        json.WriteEndArray();
        json.WriteEndObject();

        json.WriteStartArray("predictions");
        foreach (var p in e.Predictions)
        {
            json.WriteStartObject();
            json.WriteString("path", p.Clip.Clip.RelativePath);
            json.WriteString("corpusLabel", p.Clip.Clip.Label);
            json.WriteString("speaker", p.Clip.Clip.Speaker);
            json.WriteString("target", e.Labels[p.Clip.Target]);
            json.WriteString("predicted", e.Labels[p.Decision.Predicted]);
            json.WriteBoolean("correct", p.Correct);
            json.WriteNumber("durationSeconds", p.DurationSeconds);
            json.WriteNumber("estimates", p.Decision.Estimates);
            json.WriteNumber("speechEstimates", p.Decision.SpeechEstimates);
            json.WriteNumber("decidedFrom", p.Decision.DecidedFrom);
            json.WriteStartObject("probabilities");
            for (var k = 0; k < e.Labels.Count; k++)
            {
                json.WriteNumber(e.Labels[k], p.Decision.Probabilities[k]);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("skipped");
        foreach (var s in e.Skipped)
        {
            json.WriteStartObject();
            json.WriteString("path", s.RelativePath);
            json.WriteString("reason", s.Reason.Name());
            json.WriteString("detail", s.Detail);
            json.WriteString("corpusLabel", s.Label);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        output.WriteByte((byte)'\n');
    }

    /// <summary>predictions.csv: one row per evaluated clip with its mean probabilities.</summary>
    public static void WritePredictionsCsv(CorpusEvaluation e, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine("path,corpus_label,speaker,target,predicted,correct,duration_seconds,estimates,speech_estimates,decided_from," + string.Join(',', e.Labels.Select(l => Csv("p_" + l))));
        foreach (var p in e.Predictions)
        {
            var line = new StringBuilder();
            line.Append(s_c, $"{Csv(p.Clip.Clip.RelativePath)},{Csv(p.Clip.Clip.Label)},{Csv(p.Clip.Clip.Speaker ?? string.Empty)},{Csv(e.Labels[p.Clip.Target])},{Csv(e.Labels[p.Decision.Predicted])},{(p.Correct ? 1 : 0)},{p.DurationSeconds:R},{p.Decision.Estimates},{p.Decision.SpeechEstimates},{p.Decision.DecidedFrom}");
            foreach (var probability in p.Decision.Probabilities)
            {
                line.Append(s_c, $",{probability:R}");
            }

            output.WriteLine(line.ToString());
        }
    }

    /// <summary>skipped.csv: one row per file left out, with the reason and what was wrong.</summary>
    public static void WriteSkippedCsv(CorpusEvaluation e, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine("path,reason,corpus_label,detail");
        foreach (var s in e.Skipped)
        {
            output.WriteLine($"{Csv(s.RelativePath)},{s.Reason.Name()},{Csv(s.Label ?? string.Empty)},{Csv(s.Detail)}");
        }
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    private static string Csv(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
}
