using System.Globalization;
using SerSsl.Core.Labels;

namespace SerSsl.Streaming.Evaluation;

/// <summary>
/// What <c>--fold-list</c> kept of a CREMA-D scan: the clips of one set of a VAVL fold, relabelled with their consensus
/// label (the label <c>sers-train --folds vavl:</c> trains and tests against).
/// </summary>
/// <param name="FoldList">The fold file (full path).</param>
/// <param name="Split">The set evaluated.</param>
/// <param name="Listed">Rows of the fold file in that set.</param>
/// <param name="Selected">Of those, clips found in the corpus (and kept).</param>
/// <param name="Missing">Rows of the set with no audio in the corpus (reported as missing files).</param>
/// <param name="OutsideSplit">Clips of the corpus not in that set of the fold (not evaluated).</param>
/// <param name="Speakers">Distinct speakers of the kept clips.</param>
/// <param name="RelabelledFromIntended">Kept clips whose consensus label differs from the emotion in their file name.</param>
internal sealed record FoldSelection(string FoldList, VavlSplit Split, int Listed, int Selected, int Missing, int OutsideSplit, int Speakers, int RelabelledFromIntended)
{
    /// <summary>The set's name as the fold file writes it.</summary>
    public string SplitName => Split.ToString();

    /// <summary>One line for the report.</summary>
    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Path.GetFileName(FoldList)}, {SplitName} set: {Selected} of its {Listed} clips found ({Speakers} speakers, consensus labels; {RelabelledFromIntended} differ from the file name's emotion), {Missing} missing, {OutsideSplit} clips of the corpus outside the set not evaluated");

    /// <summary>Keeps the clips of <paramref name="scan"/> that are in <paramref name="split"/> of the fold file, labelled by its consensus.</summary>
    /// <param name="scan">A CREMA-D scan (clip ids are the file names without extension).</param>
    /// <param name="foldList">The fold file.</param>
    /// <param name="split">The set to keep.</param>
    /// <returns>The filtered scan, with <see cref="CorpusScan.Selection"/> set.</returns>
    /// <exception cref="ArgumentException">The fold file is missing or malformed, or none of the set's clips is in the corpus.</exception>
    public static CorpusScan Apply(CorpusScan scan, string foldList, VavlSplit split)
    {
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentException.ThrowIfNullOrEmpty(foldList);
        var full = Path.GetFullPath(foldList);
        IReadOnlyList<VavlFoldClip> rows;
        try
        {
            rows = VavlFoldFile.Read(full);
        }
        catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException)
        {
            throw new ArgumentException($"--fold-list: {ex.Message} Pass a VAVL fold file such as folds/vavl/label_consensus_1.csv.", ex);
        }

        var inSplit = rows.Where(r => r.Split == split).ToDictionary(r => r.Name, StringComparer.Ordinal);
        var kept = new List<CorpusClip>();
        var found = new Dictionary<string, CorpusClip>(StringComparer.Ordinal);
        var skipped = new List<SkippedClip>(scan.Skipped);
        var relabelled = 0;
        var outside = 0;
        foreach (var clip in scan.Clips)
        {
            var id = Path.GetFileNameWithoutExtension(clip.Path);
            if (!inSplit.TryGetValue(id, out var row))
            {
                outside++;
                continue;
            }

            var label = CremaDEmotion.Names[row.Label];
            if (!found.TryAdd(id, clip))
            {
                // The same clip in another folder of the corpus: scored once, like a second extension in one folder.
                skipped.Add(new SkippedClip(clip.RelativePath, SkipReason.Duplicate, $"the same clip as {found[id].RelativePath}, which is evaluated instead", label));
                continue;
            }

            relabelled += label == clip.Label ? 0 : 1;
            kept.Add(clip with { Label = label, Speaker = row.Speaker.ToString(CultureInfo.InvariantCulture) });
        }

        foreach (var row in inSplit.Values.Where(r => !found.ContainsKey(r.Name)))
        {
            skipped.Add(new SkippedClip(
                row.Name,
                SkipReason.MissingFile,
                string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(full)} line {row.Line} lists it in the {split} set, but {scan.Root} has no audio file of that name"),
                CremaDEmotion.Names[row.Label]));
        }

        if (kept.Count == 0)
        {
            throw new ArgumentException(inSplit.Count == 0
                ? $"--fold-list '{full}' has no clip in the {split} set."
                : string.Create(CultureInfo.InvariantCulture, $"--fold-list '{full}': none of the {inSplit.Count} clips of its {split} set (e.g. {inSplit.Keys.First()}) is in the corpus {scan.Root}; pass the CREMA-D copy the fold file describes."));
        }

        skipped.Sort(static (a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        var selection = new FoldSelection(
            full,
            split,
            inSplit.Count,
            kept.Count,
            inSplit.Count - kept.Count,
            outside,
            kept.Select(c => c.Speaker).Distinct(StringComparer.Ordinal).Count(),
            relabelled);
        return scan with { Clips = kept, Skipped = skipped, Selection = selection };
    }
}
