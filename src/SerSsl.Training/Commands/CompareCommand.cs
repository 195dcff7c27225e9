using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SerSsl.Training.Evaluation;

namespace SerSsl.Training.Commands;

/// <summary>
/// <c>sers-train compare</c>: conditions of several <c>reproduce</c> runs (different recipes, pre-training data,
/// losses) side by side on the splits they share, each paired split by split with the first.
/// </summary>
internal static class CompareCommand
{
    private const char ConditionSeparator = '@';

    public static Command Build()
    {
        var runs = new Argument<string[]>("runs")
        {
            Description = "Two or more reproduce --out folders (or their results.json), each optionally followed by @CONDITION (default: the run's only condition, else 'none'). The first is the reference. A run still in progress counts with the splits it has finished.",
            Arity = new ArgumentArity(2, 16),
        };
        var names = new Option<string?>("--names") { Description = "Comma-separated names for the runs in the table, in order (default: folder@condition)." };
        var output = new Option<string?>("--out") { Description = "Also write the tables to this Markdown file." };
        var command = new Command("compare", "Compare conditions of several reproduce runs on the splits (VAVL folds or partitions) they share: macro F1, accuracy, UAR and macro precision as mean ± std, per-split macro F1, and the paired difference in macro F1 and accuracy against the first run (mean ± std, paired t-test).")
        {
            runs, names, output,
        };
        command.SetAction((result, token) => TrainingCommands.Run(result, log =>
        {
            var entries = result.GetRequiredValue(runs).Select(Load).ToArray();
            if (result.GetValue(names) is { } list)
            {
                var given = list.Split(',', StringSplitOptions.TrimEntries);
                if (given.Length != entries.Length)
                {
                    throw new ArgumentException($"--names gives {given.Length} name(s) for {entries.Length} runs.");
                }

                entries = [.. entries.Zip(given, static (e, n) => e with { Name = n })];
            }

            var markdown = Tables(entries);
            result.InvocationConfiguration.Output.Write(markdown);
            if (result.GetValue(output) is { } path)
            {
                File.WriteAllText(path, markdown);
                log.WriteLine($"wrote {path}");
            }
        }));
        return command;
    }

    /// <summary>One compared condition of one run.</summary>
    internal sealed record Entry(string Name, ConditionResult Condition);

    /// <summary>Reads <c>DIR[@CONDITION]</c>.</summary>
    /// <exception cref="ArgumentException">The folder, its results.json or the condition is missing.</exception>
    internal static Entry Load(string spec)
    {
        ArgumentException.ThrowIfNullOrEmpty(spec);
        var at = spec.LastIndexOf(ConditionSeparator);
        var path = at > 0 ? spec[..at] : spec;
        var wanted = at > 0 ? spec[(at + 1)..] : null;
        var file = Directory.Exists(path) ? Path.Combine(path, "results.json") : path;
        EvaluationReport report;
        try
        {
            report = File.Exists(file) ? ResultsJson.Read(file)
                : Directory.Exists(Path.Combine(path, "finetune")) ? Unfinished(path)
                : throw new ArgumentException($"'{path}' is not a reproduce --out folder or a results.json: neither {file} nor {Path.Combine(path, "finetune")} exists.");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{file} is not a reproduce results file: {e.Message}", e);
        }

        var condition = wanted is not null
            ? report.Conditions.FirstOrDefault(c => c.Name == wanted)
            : report.Conditions.Count == 1 ? report.Conditions[0] : report.Conditions.FirstOrDefault(c => c.Name == "none");
        if (condition is null && wanted is not null && File.Exists(file) && Directory.Exists(Path.Combine(path, "finetune", wanted)))
        {
            // A condition added to a finished run (reproduce resumed with more conditions): its splits so far.
            condition = Unfinished(path).Conditions.FirstOrDefault(c => c.Name == wanted);
        }

        if (condition is null)
        {
            throw new ArgumentException($"{file} has no condition '{wanted ?? "none"}'; it has: {string.Join(", ", report.Conditions.Select(c => c.Name))}. Choose one with {path}{ConditionSeparator}CONDITION.");
        }

        var folder = Path.GetFileName(Path.TrimEndingDirectorySeparator(Directory.Exists(path) ? Path.GetFullPath(path) : Path.GetDirectoryName(Path.GetFullPath(file))!));
        return new Entry($"{folder}{ConditionSeparator}{condition.Name}", condition);
    }

    /// <summary>
    /// The splits a reproduce run has finished so far, from <c>finetune/CONDITION/SPLIT/test-result.json</c>, when it
    /// has not written results.json yet (it still runs, or stopped): conditions and splits in ordinal order.
    /// </summary>
    private static EvaluationReport Unfinished(string directory)
    {
        var conditions = new List<ConditionResult>();
        foreach (var condition in Directory.GetDirectories(Path.Combine(directory, "finetune")).Order(StringComparer.Ordinal))
        {
            var results = Directory.GetDirectories(condition).Order(StringComparer.Ordinal)
                .Select(split => Path.Combine(split, Training.Experiment.TestResultFile))
                .Where(File.Exists)
                .Select(static f => ResultsJson.Deserialize<PartitionResult>(File.ReadAllText(f)))
                .ToArray();
            if (results.Length > 0)
            {
                conditions.Add(ConditionResult.Create(Path.GetFileName(condition), results));
            }
        }

        return conditions.Count > 0
            ? new EvaluationReport("CREMA-D", false, [], null, conditions)
            : throw new ArgumentException($"'{directory}' has no finished split yet (no finetune/*/*/{Training.Experiment.TestResultFile}).");
    }

    /// <summary>The comparison tables as Markdown.</summary>
    /// <exception cref="ArgumentException">The runs share no split.</exception>
    internal static string Tables(IReadOnlyList<Entry> entries)
    {
        var splits = entries.Select(e => e.Condition.Partitions.Select(static p => p.Partition).ToHashSet(StringComparer.Ordinal))
            .Aggregate((a, b) => { a.IntersectWith(b); return a; });
        var order = entries[0].Condition.Partitions.Select(static p => p.Partition).Where(splits.Contains).ToArray();
        if (order.Length == 0)
        {
            throw new ArgumentException($"The runs share no split: {string.Join("; ", entries.Select(e => $"{e.Name}: {string.Join(", ", e.Condition.Partitions.Select(static p => p.Partition))}"))}.");
        }

        PartitionResult[] On(Entry e) => [.. order.Select(s => e.Condition.Partitions.First(p => p.Partition == s))];
        static string Percent(double v) => (v * 100).ToString("F1", CultureInfo.InvariantCulture);
        static string MeanStd(IEnumerable<double> values)
        {
            var s = MetricSummary.FromValues(values);
            return MetricsMarkdown.FormatMeanStd(s);
        }

        static string Test(PairedComparison c) =>
            c.T is { } t ? string.Create(CultureInfo.InvariantCulture, $"t = {t:F2} ({c.DegreesOfFreedom}), p = {c.FormatP()}") : "-";

        var reference = On(entries[0]);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Test metrics in percent over {(order.Length == 1 ? "the 1 shared split" : $"the {order.Length} shared splits")} ({string.Join(", ", order)}), mean ± std; Δ is paired split by split against `{entries[0].Name}`.");
        text.AppendLine();
        text.AppendLine("| Run | Macro F1 | Accuracy | UAR | Macro precision | Δ macro F1 | paired test (F1) | Δ accuracy | paired test (accuracy) |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |");
        foreach (var entry in entries)
        {
            var results = On(entry);
            text.Append(CultureInfo.InvariantCulture, $"| {entry.Name} | {MeanStd(results.Select(static r => r.Metrics.MacroF1))} | {MeanStd(results.Select(static r => r.Metrics.Accuracy))} | {MeanStd(results.Select(static r => r.Metrics.MacroRecall))} | {MeanStd(results.Select(static r => r.Metrics.MacroPrecision))} |");
            if (ReferenceEquals(entry, entries[0]))
            {
                text.AppendLine(" reference | | reference | |");
                continue;
            }

            var f1 = PairedComparison.Of([.. results.Select(static r => r.Metrics.MacroF1)], [.. reference.Select(static r => r.Metrics.MacroF1)]);
            var accuracy = PairedComparison.Of([.. results.Select(static r => r.Metrics.Accuracy)], [.. reference.Select(static r => r.Metrics.Accuracy)]);
            text.AppendLine(CultureInfo.InvariantCulture, $" {f1.FormatMeanStd()} | {Test(f1)} | {accuracy.FormatMeanStd()} | {Test(accuracy)} |");
        }

        text.AppendLine();
        text.AppendLine("Macro F1 per split (percent):");
        text.AppendLine();
        text.AppendLine("| Run | " + string.Join(" | ", order) + " |");
        text.AppendLine("| --- |" + string.Concat(Enumerable.Repeat(" ---: |", order.Length)));
        foreach (var entry in entries)
        {
            text.AppendLine($"| {entry.Name} | " + string.Join(" | ", On(entry).Select(static r => Percent(r.Metrics.MacroF1))) + " |");
        }

        return text.ToString();
    }
}
