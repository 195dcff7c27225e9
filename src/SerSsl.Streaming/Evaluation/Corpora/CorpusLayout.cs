namespace SerSsl.Streaming.Evaluation.Corpora;

/// <summary>How a corpus names its clips' labels: a file-naming convention or a CSV list.</summary>
internal abstract class CorpusLayout
{
    /// <summary>The name users pass to <c>--layout</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The convention in one line, for help and errors.</summary>
    public abstract string Convention { get; }

    /// <summary>Finds the corpus's clips and their labels.</summary>
    /// <param name="corpus">The corpus folder (or, for CSV, the list file or its folder).</param>
    /// <returns>The labelled clips and what was left out.</returns>
    /// <exception cref="ArgumentException">The corpus is missing or cannot be read as this layout; the message says what to do.</exception>
    public abstract CorpusScan Scan(string corpus);
}

/// <summary>The layouts <c>sers evaluate --layout</c> knows.</summary>
internal static class CorpusLayouts
{
    /// <summary>The layout names, in help order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["crema-d", "ravdess", "emodb", "tess", "savee", "csv"];

    /// <summary>Creates a layout by name.</summary>
    /// <param name="name">One of <see cref="Names"/> (case-insensitive).</param>
    /// <param name="csvColumns">The CSV columns to read; only for <c>csv</c>.</param>
    /// <exception cref="ArgumentException">The name is not a layout, or CSV columns are given for another layout.</exception>
    public static CorpusLayout Create(string name, CsvColumns? csvColumns = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = name.Trim().ToLowerInvariant();
        if (key != "csv" && csvColumns is { PathColumn: not null } or { LabelColumn: not null })
        {
            throw new ArgumentException($"--path-column and --label-column apply to --layout csv only; the layout is '{name}'.");
        }

        return key switch
        {
            "crema-d" or "cremad" => new CremaDLayout(),
            "ravdess" => new RavdessLayout(),
            "emodb" or "emo-db" => new EmoDbLayout(),
            "tess" => new TessLayout(),
            "savee" => new SaveeLayout(),
            "csv" => new CsvLayout(csvColumns ?? new CsvColumns(null, null)),
            _ => throw new ArgumentException($"--layout: unknown layout '{name}'. Use one of {string.Join(", ", Names)}."),
        };
    }
}

/// <summary>Result of reading one clip name: a label (and speaker), or why not.</summary>
/// <param name="Label">The canonical corpus label, or null when the name is not usable.</param>
/// <param name="Speaker">The speaker, when the name says.</param>
/// <param name="Reason">Why the name is not usable (when <paramref name="Label"/> is null).</param>
/// <param name="Problem">What is wrong with the name (when <paramref name="Label"/> is null).</param>
internal readonly record struct ClipNameParse(string? Label, string? Speaker, SkipReason Reason, string? Problem)
{
    /// <summary>A usable name.</summary>
    public static ClipNameParse Ok(string label, string? speaker) => new(label, speaker, default, null);

    /// <summary>An unusable name.</summary>
    public static ClipNameParse Fail(string problem, SkipReason reason = SkipReason.UnparseableName) => new(null, null, reason, problem);
}

/// <summary>
/// A layout whose labels are in the file names: every audio file (<c>.wav</c>, <c>.opus</c>, <c>.ogg</c>) under the
/// corpus folder, subfolders included, is parsed by <see cref="ParseName"/>.
/// </summary>
internal abstract class FileNameLayout : CorpusLayout
{
    /// <summary>The folder to search: the corpus folder unless the layout knows a better one inside it.</summary>
    /// <param name="corpus">The corpus folder (full path, existing).</param>
    protected virtual string AudioRoot(string corpus) => corpus;

    /// <summary>Reads the label (and speaker) from a file's name.</summary>
    /// <param name="stem">The file name without folder and extension.</param>
    /// <param name="folder">The name of the folder holding the file.</param>
    protected abstract ClipNameParse ParseName(string stem, string folder);

    /// <inheritdoc />
    public override CorpusScan Scan(string corpus)
    {
        ArgumentException.ThrowIfNullOrEmpty(corpus);
        var full = Path.GetFullPath(corpus);
        if (!Directory.Exists(full))
        {
            throw new ArgumentException(File.Exists(full)
                ? $"--corpus '{full}' is a file; layout {Name} takes the corpus folder (e.g. the folder holding the audio files or their subfolders)."
                : $"--corpus '{full}': no such folder. Pass the folder of a {Name} corpus ({Convention}).");
        }

        var root = AudioRoot(full);
        var clips = new List<CorpusClip>();
        var skipped = new List<SkippedClip>();
        var files = AudioFiles.Find(root, skipped);
        foreach (var path in files)
        {
            var relative = AudioFiles.Relative(root, path);
            var folder = Path.GetFileName(Path.GetDirectoryName(path)) ?? string.Empty;
            var parsed = ParseName(Path.GetFileNameWithoutExtension(path), folder);
            if (parsed.Label is { } label)
            {
                clips.Add(new CorpusClip(path, relative, label, parsed.Speaker));
            }
            else
            {
                skipped.Add(new SkippedClip(relative, parsed.Reason, parsed.Problem ?? "unusable name"));
            }
        }

        skipped.Sort(static (a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        return new CorpusScan(root, files.Count + skipped.Count(s => s.Reason == SkipReason.Duplicate), clips, skipped);
    }
}

/// <summary>Finding audio files in a folder tree.</summary>
internal static class AudioFiles
{
    /// <summary>The extensions taken as audio, in order of preference when one clip comes in several.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".wav", ".opus", ".ogg"];

    /// <summary>True when the path ends in one of <see cref="Extensions"/> (any case).</summary>
    public static bool IsAudio(string path) => Extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Every audio file under <paramref name="root"/>, subfolders included, ordered by path. Hidden files and folders
    /// (a leading dot, such as macOS's <c>._name.wav</c> companions) and <c>__MACOSX</c> folders are not looked at.
    /// When one folder holds a clip under several audio extensions, the first of <see cref="Extensions"/> is kept and
    /// the others are added to <paramref name="duplicates"/>.
    /// </summary>
    /// <param name="root">The folder.</param>
    /// <param name="duplicates">Receives the duplicates.</param>
    public static List<string> Find(string root, List<SkippedClip> duplicates)
    {
        var found = new List<string>();
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var folder = pending.Pop();
            foreach (var sub in Directory.EnumerateDirectories(folder))
            {
                var name = Path.GetFileName(sub);
                if (!name.StartsWith('.') && name != "__MACOSX")
                {
                    pending.Push(sub);
                }
            }

            found.AddRange(Directory.EnumerateFiles(folder).Where(f => IsAudio(f) && !Path.GetFileName(f).StartsWith('.')));
        }

        var kept = new List<string>();
        foreach (var group in found.GroupBy(f => Path.Combine(Path.GetDirectoryName(f)!, Path.GetFileNameWithoutExtension(f)), StringComparer.Ordinal))
        {
            var ordered = group.OrderBy(Preference).ThenBy(f => f, StringComparer.Ordinal).ToList();
            kept.Add(ordered[0]);
            foreach (var other in ordered.Skip(1))
            {
                duplicates.Add(new SkippedClip(Relative(root, other), SkipReason.Duplicate, $"the same clip as {Path.GetFileName(ordered[0])}, which is evaluated instead"));
            }
        }

        kept.Sort(StringComparer.Ordinal);
        return kept;
    }

    /// <summary>The path relative to <paramref name="root"/> with forward slashes.</summary>
    public static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');

    private static int Preference(string path)
    {
        for (var i = 0; i < Extensions.Count; i++)
        {
            if (path.EndsWith(Extensions[i], StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return Extensions.Count;
    }
}
