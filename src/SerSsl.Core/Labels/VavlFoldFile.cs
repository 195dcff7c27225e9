using System.Globalization;
using SerSsl.Core.Tables;

namespace SerSsl.Core.Labels;

/// <summary>The set a clip belongs to in one VAVL fold.</summary>
public enum VavlSplit
{
    /// <summary><c>Train</c>: fine-tuning speakers.</summary>
    Train,

    /// <summary><c>Development</c>: model selection and early stopping.</summary>
    Development,

    /// <summary><c>Test</c>: reported results only.</summary>
    Test,
}

/// <summary>One row of a VAVL fold file.</summary>
/// <param name="Name">The clip id (the file name without extension, e.g. <c>1001_DFA_ANG_XX</c>).</param>
/// <param name="Split">Its set in this fold.</param>
/// <param name="Speaker">The actor id.</param>
/// <param name="Distribution">The consensus label distribution in <see cref="CremaDEmotion"/> order, normalised to sum to 1.</param>
/// <param name="Label">The hard (consensus) label: the distribution's top class, the first in <see cref="CremaDEmotion"/> order on a tie.</param>
/// <param name="Line">The 1-based line of the row in its file.</param>
public sealed record VavlFoldClip(string Name, VavlSplit Split, int Speaker, float[] Distribution, int Label, int Line);

/// <summary>
/// The five speaker-disjoint folds of CREMA-D's six-class consensus labels published by the authors' group (VAVL, MIT
/// licence): <c>label_consensus_N.csv</c> with columns <c>FileName</c>, the distribution
/// <c>angry,sad,disgust,fear,neutral,happy</c>, <c>SpkrID</c>, <c>Gender</c> and <c>Split_Set</c>
/// (<c>Train</c>, <c>Development</c>, <c>Test</c>). Training (<c>sers-train --folds vavl:</c>) and evaluation
/// (<c>sers evaluate --fold-list</c>) read them here, so both score a clip against the same label.
/// </summary>
public static class VavlFoldFile
{
    /// <summary>How many folds the group publishes.</summary>
    public const int FoldCount = 5;

    private static readonly (string Column, string Code)[] s_columns =
        [("angry", "ANG"), ("sad", "SAD"), ("disgust", "DIS"), ("fear", "FEA"), ("neutral", "NEU"), ("happy", "HAP")];

    /// <summary>The file name of fold <paramref name="number"/>, <c>label_consensus_N.csv</c>.</summary>
    /// <param name="number">1 to <see cref="FoldCount"/>.</param>
    public static string FileName(int number) => string.Create(CultureInfo.InvariantCulture, $"label_consensus_{number}.csv");

    /// <summary>Parses a <c>Split_Set</c> value or a user's split name (train, dev, development, test; any case).</summary>
    /// <param name="text">The name.</param>
    /// <param name="split">The split, when the name is one.</param>
    /// <returns>Whether it is one.</returns>
    public static bool TryParseSplit(string text, out VavlSplit split)
    {
        ArgumentNullException.ThrowIfNull(text);
        switch (text.Trim().ToLowerInvariant())
        {
            case "train":
                split = VavlSplit.Train;
                return true;
            case "development" or "dev":
                split = VavlSplit.Development;
                return true;
            case "test":
                split = VavlSplit.Test;
                return true;
            default:
                split = default;
                return false;
        }
    }

    /// <summary>Reads a fold file.</summary>
    /// <param name="path">The CSV.</param>
    /// <returns>Its clips in file order.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A column is missing, a value is malformed, or a clip is listed twice; the message names file and line.</exception>
    public static IReadOnlyList<VavlFoldClip> Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"VAVL fold file '{path}' does not exist.", path);
        }

        var table = MetadataCsv.Read(path);
        var name = table.Require("FileName");
        var speaker = table.Require("SpkrID");
        var split = table.Require("Split_Set");
        var columns = s_columns.Select(c => (Column: table.Require(c.Column), Index: CremaDEmotion.IndexOfCode(c.Code))).ToArray();
        var clips = new List<VavlFoldClip>(table.Rows.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in table.Rows)
        {
            var where = $"{path}, line {row.Line}";
            var id = Path.GetFileNameWithoutExtension(row[name]);
            if (id.Length == 0)
            {
                throw new InvalidDataException($"{where}: FileName is empty.");
            }

            var distribution = new float[CremaDEmotion.Count];
            foreach (var (column, index) in columns)
            {
                if (!float.TryParse(row[column], NumberStyles.Float, CultureInfo.InvariantCulture, out var p) || !(p >= 0 && p <= 1))
                {
                    throw new InvalidDataException($"{where}, column '{table.Header[column]}': '{row[column]}' is not a probability in [0, 1].");
                }

                distribution[index] = p;
            }

            var sum = distribution.Sum();
            if (Math.Abs(sum - 1) > 0.02)
            {
                throw new InvalidDataException($"{where}: the label distribution of '{id}' sums to {sum.ToString("F3", CultureInfo.InvariantCulture)}, not 1.");
            }

            for (var k = 0; k < distribution.Length; k++)
            {
                distribution[k] /= sum;
            }

            var set = row[split] switch
            {
                "Train" => VavlSplit.Train,
                "Development" => VavlSplit.Development,
                "Test" => VavlSplit.Test,
                var other => throw new InvalidDataException($"{where}: Split_Set '{other}' is not Train, Development or Test."),
            };
            if (!int.TryParse(row[speaker], NumberStyles.None, CultureInfo.InvariantCulture, out var actor))
            {
                throw new InvalidDataException($"{where}: SpkrID '{row[speaker]}' is not an actor id.");
            }

            var label = 0;
            for (var k = 1; k < distribution.Length; k++)
            {
                label = distribution[k] > distribution[label] ? k : label;
            }

            if (!seen.Add(id))
            {
                throw new InvalidDataException($"{where}: clip '{id}' is listed a second time.");
            }

            clips.Add(new VavlFoldClip(id, set, actor, distribution, label, row.Line));
        }

        return clips;
    }
}
