using System.Text.Json;
using SerSsl.Streaming.Evaluation;

namespace SerSsl.Streaming.Tests.Evaluation;

public sealed class CorpusEvaluationTests
{
    private const double Tolerance = 1e-12;
    private static readonly string[] s_labels = ["A", "B", "C"];

    [Fact]
    public void Create_HandMadePredictions_MetricsEqualHandComputedValues()
    {
        var evaluation = HandMade();

        // Rows true A, B, C; columns predicted: A [2 1 0], B [0 1 1], C [0 1 3]. Column totals 2, 3, 4.
        Assert.Equal([[2L, 1, 0], [0, 1, 1], [0, 1, 3]], evaluation.Matrix.ToRows());
        var m = evaluation.Metrics;
        Assert.Equal(6.0 / 9, m.Accuracy, Tolerance);
        Assert.Equal([1.0, 1.0 / 3, 3.0 / 4], m.Precision);
        Assert.Equal([2.0 / 3, 1.0 / 2, 3.0 / 4], m.Recall);
        Assert.Equal(4.0 / 5, m.F1[0], Tolerance); // 2TP / (2TP + FP + FN) = 4 / (4 + 0 + 1)
        Assert.Equal(2.0 / 5, m.F1[1], Tolerance); // 2 / (2 + 2 + 1)
        Assert.Equal(3.0 / 4, m.F1[2], Tolerance); // 6 / (6 + 1 + 1)
        Assert.Equal([3L, 2, 4], m.Support);
        Assert.Equal(25.0 / 36, m.MacroPrecision, Tolerance);
        Assert.Equal(23.0 / 36, m.UnweightedAverageRecall, Tolerance);
        Assert.Equal(0.65, m.MacroF1, Tolerance);
    }

    [Fact]
    public void Create_HandMadePredictions_CountsSkipsAndFallbacks()
    {
        var evaluation = HandMade();

        Assert.Equal(9, evaluation.Predictions.Count);
        Assert.Equal(1, evaluation.AllEstimatesFallbacks);
        Assert.Equal(1, evaluation.SkippedByReason[SkipReason.LabelNotInModel]);
        Assert.Equal(1, evaluation.SkippedByReason[SkipReason.UnreadableAudio]);
        Assert.Equal(2, evaluation.Skipped.Count);
        Assert.Equal(11, evaluation.Plan.Scan.Clips.Count);
        Assert.Null(evaluation.Plan.LabelMap["calm"]);
        Assert.Equal("C", evaluation.Plan.LabelMap["c"]);
    }

    [Fact]
    public void WriteJson_HandMadePredictions_HoldsMetricsCountsPredictionsAndSkips()
    {
        var evaluation = HandMade();
        using var stream = new MemoryStream();

        EvaluationWriter.WriteJson(evaluation, stream);

        using var json = JsonDocument.Parse(stream.ToArray());
        var root = json.RootElement;
        Assert.Equal(6.0 / 9, root.GetProperty("metrics").GetProperty("accuracy").GetDouble(), Tolerance);
        Assert.Equal(23.0 / 36, root.GetProperty("metrics").GetProperty("unweightedAverageRecall").GetDouble(), Tolerance);
        Assert.Equal(0.4, root.GetProperty("metrics").GetProperty("perClass")[1].GetProperty("f1").GetDouble(), Tolerance);
        Assert.Equal(3, root.GetProperty("confusionMatrix").GetProperty("rows")[2].GetArrayLength());
        Assert.Equal(9, root.GetProperty("predictions").GetArrayLength());
        Assert.Equal(2, root.GetProperty("skipped").GetArrayLength());
        Assert.Equal(1, root.GetProperty("counts").GetProperty("skipped").GetProperty("label-not-in-model").GetInt32());
        Assert.Equal(1, root.GetProperty("counts").GetProperty("allEstimatesFallback").GetInt32());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("corpus").GetProperty("labelMap").GetProperty("calm").ValueKind);
    }

    [Fact]
    public void WritePredictionsCsv_HandMadePredictions_OneRowPerClipWithProbabilities()
    {
        var evaluation = HandMade();
        using var writer = new StringWriter();

        EvaluationWriter.WritePredictionsCsv(evaluation, writer);

        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("path,corpus_label,speaker,target,predicted,correct,duration_seconds,estimates,speech_estimates,decided_from,p_A,p_B,p_C", lines[0]);
        Assert.Equal(10, lines.Length);
        Assert.StartsWith("a1.wav,a,s1,A,A,1,", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("a3.wav,a,s1,A,B,0,", lines[3], StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_Limit_DrawsTheSameClipsForTheSameSeed()
    {
        var scan = Scan(Enumerable.Range(0, 40).Select(i => ($"x{i:D2}.wav", "a")).ToArray());
        var mapping = LabelMapping.Create(s_labels, []);

        var first = EvaluationPlan.Create(scan, mapping, limit: 10, seed: 7);
        var again = EvaluationPlan.Create(scan, mapping, limit: 10, seed: 7);
        var other = EvaluationPlan.Create(scan, mapping, limit: 10, seed: 8);
        var all = EvaluationPlan.Create(scan, mapping, limit: 100, seed: 7);

        Assert.Equal(10, first.Clips.Count);
        Assert.Equal(first.Clips.Select(c => c.Clip.RelativePath), again.Clips.Select(c => c.Clip.RelativePath));
        Assert.NotEqual(first.Clips.Select(c => c.Clip.RelativePath), other.Clips.Select(c => c.Clip.RelativePath));
        Assert.Equal(first.Clips.Select(c => c.Clip.RelativePath).Order(StringComparer.Ordinal), first.Clips.Select(c => c.Clip.RelativePath));
        Assert.Equal(30, first.NotSampled);
        Assert.Equal(40, all.Clips.Count);
    }

    private static CorpusEvaluation HandMade()
    {
        // (file, corpus label, predicted label index); "calm" has no model label; u1 is unreadable.
        (string Name, string Label, int Predicted)[] clips =
        [
            ("a1.wav", "a", 0), ("a2.wav", "a", 0), ("a3.wav", "a", 1),
            ("b1.wav", "b", 1), ("b2.wav", "b", 2),
            ("c1.wav", "c", 2), ("c2.wav", "c", 1), ("c3.wav", "c", 2), ("c4.wav", "c", 2),
            ("calm1.wav", "calm", 0), ("u1.wav", "a", -1),
        ];
        var scan = Scan([.. clips.Select(c => (c.Name, c.Label))]);
        var plan = EvaluationPlan.Create(scan, LabelMapping.Create(s_labels, []), limit: null, seed: 1);
        var outcomes = plan.Clips.Select(clip =>
        {
            var predicted = clips.Single(c => c.Name == clip.Clip.RelativePath).Predicted;
            if (predicted < 0)
            {
                return new ClipOutcome(clip, null, 0, SkipReason.UnreadableAudio, "not a WAV file");
            }

            var probabilities = new double[3];
            probabilities[predicted] = 0.6;
            probabilities[(predicted + 1) % 3] = 0.3;
            probabilities[(predicted + 2) % 3] = 0.1;
            var speech = clip.Clip.RelativePath == "c4.wav" ? 0 : 3;
            return new ClipOutcome(clip, new ClipDecision(predicted, probabilities, 4, speech, Math.Max(speech, 1)), 1.5, null, null);
        }).ToArray();
        var settings = new EvaluationSettings(250, 0, "energy", -45, 8, null, 1, []);
        return CorpusEvaluation.Create("test-model", "/models/test", s_labels, "/corpus", "csv", settings, plan, outcomes);
    }

    private static CorpusScan Scan((string Name, string Label)[] clips) =>
        new("/corpus", clips.Length, [.. clips.Select(c => new CorpusClip($"/corpus/{c.Name}", c.Name, EmotionVocabulary.Normalize(c.Label), "s1"))], []);
}
