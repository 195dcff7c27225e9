using System.Globalization;
using System.Text;

namespace SerSsl.Streaming.Evaluation.Corpora;

/// <summary>The columns of a CSV list to read; null finds them by header name.</summary>
/// <param name="PathColumn">The path column: a header name (any case), or a 1-based column number.</param>
/// <param name="LabelColumn">The label column: a header name (any case), or a 1-based column number.</param>
internal sealed record CsvColumns(string? PathColumn, string? LabelColumn);

/// <summary>
/// A CSV list of clips: one row per clip with a path (relative to the CSV's folder, or absolute) and a label.
/// </summary>
/// <remarks>
/// <para>The corpus is the CSV file, or a folder holding exactly one <c>.csv</c> file. The delimiter is the most frequent
/// of comma, semicolon and tab in the first line; fields may be quoted (<c>"a, b"</c>, with <c>""</c> for a quote).
/// A UTF-8 byte order mark is ignored, as are empty lines.</para>
/// <para>The first line is a header unless one of its fields is an audio file name (ends in .wav, .opus or .ogg).
/// With a header, the path column is <see cref="CsvColumns.PathColumn"/> or the first of path, file, filename,
/// file_name, filepath, file_path, wav, wav_path, audio, audio_path, audio_file, clip; the label column is
/// <see cref="CsvColumns.LabelColumn"/> or the first of label, emotion, class, category, target. Without one, the path
/// column is the field holding the audio file name and the label column the other field of a two-column file, unless
/// column numbers are given.</para>
/// <para>Labels are free text, normalised by <see cref="EmotionVocabulary"/> (<c>Angry</c> and <c>ANG</c> become
/// <c>anger</c>); unknown words are kept in lower case, for <c>--map</c> to map.</para>
/// </remarks>
internal sealed class CsvLayout : CorpusLayout
{
    private static readonly string[] s_pathNames = ["path", "file", "filename", "file_name", "filepath", "file_path", "wav", "wav_path", "audio", "audio_path", "audio_file", "clip"];
    private static readonly string[] s_labelNames = ["label", "emotion", "class", "category", "target"];

    private readonly CsvColumns _columns;

    public CsvLayout(CsvColumns columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _columns = columns;
    }

    /// <inheritdoc />
    public override string Name => "csv";

    /// <inheritdoc />
    public override string Convention => "a CSV file with a path and a label column, e.g. path,label then clips/a.wav,angry";

    /// <inheritdoc />
    public override CorpusScan Scan(string corpus)
    {
        ArgumentException.ThrowIfNullOrEmpty(corpus);
        var file = FindList(Path.GetFullPath(corpus));
        var root = Path.GetDirectoryName(file)!;
        string[] lines;
        try
        {
            lines = File.ReadAllLines(file, Encoding.UTF8);
        }
        catch (IOException ex)
        {
            throw new ArgumentException($"--corpus '{file}' cannot be read: {ex.Message}", ex);
        }

        var rows = new List<(int Line, string[] Fields)>();
        var delimiter = ',';
        for (var i = 0; i < lines.Length; i++)
        {
            var text = i == 0 ? lines[i].TrimStart('\uFEFF') : lines[i];
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            if (rows.Count == 0)
            {
                delimiter = DetectDelimiter(text);
            }

            rows.Add((i + 1, Split(text, delimiter)));
        }

        if (rows.Count == 0)
        {
            throw new ArgumentException($"--corpus '{file}' is empty; a CSV list holds a header such as path,label and one row per clip.");
        }

        var hasHeader = !rows[0].Fields.Any(AudioFiles.IsAudio);
        var (pathIndex, labelIndex) = hasHeader ? FromHeader(file, rows[0].Fields) : Headerless(file, rows[0].Fields);
        var clips = new List<CorpusClip>();
        var skipped = new List<SkippedClip>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var dataRows = hasHeader ? rows.Skip(1) : rows;
        var count = 0;
        foreach (var (line, fields) in dataRows)
        {
            count++;
            var where = string.Create(CultureInfo.InvariantCulture, $"line {line}");
            if (fields.Length <= Math.Max(pathIndex, labelIndex))
            {
                skipped.Add(new SkippedClip(where, SkipReason.UnparseableName, string.Create(CultureInfo.InvariantCulture, $"{where} of {Path.GetFileName(file)} has {fields.Length} field(s); the path and label are in columns {pathIndex + 1} and {labelIndex + 1}")));
                continue;
            }

            var listed = fields[pathIndex].Trim().Replace('\\', '/');
            var label = fields[labelIndex].Trim();
            if (listed.Length == 0 || label.Length == 0)
            {
                skipped.Add(new SkippedClip(listed.Length == 0 ? where : listed, SkipReason.UnparseableName, $"{where} of {Path.GetFileName(file)} has an empty {(listed.Length == 0 ? "path" : "label")}"));
                continue;
            }

            var path = Path.GetFullPath(Path.Combine(root, listed));
            var relative = Path.IsPathRooted(listed) ? listed : AudioFiles.Relative(root, path);
            var normalized = EmotionVocabulary.Normalize(label);
            if (!seen.Add(path))
            {
                skipped.Add(new SkippedClip(relative, SkipReason.Duplicate, $"{where} lists the file again; its first row is evaluated", normalized));
            }
            else if (!File.Exists(path))
            {
                skipped.Add(new SkippedClip(relative, SkipReason.MissingFile, $"{where} of {Path.GetFileName(file)} names '{listed}', which does not exist (paths are relative to the CSV's folder, {root})", normalized));
            }
            else
            {
                clips.Add(new CorpusClip(path, relative, normalized, null));
            }
        }

        clips.Sort(static (a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        return new CorpusScan(root, count, clips, skipped);
    }

    private static string FindList(string corpus)
    {
        if (File.Exists(corpus))
        {
            return corpus;
        }

        if (!Directory.Exists(corpus))
        {
            throw new ArgumentException($"--corpus '{corpus}': no such file or folder. For --layout csv pass the CSV list (path and label columns) or the folder holding it.");
        }

        var lists = Directory.GetFiles(corpus, "*.csv").Order(StringComparer.Ordinal).ToArray();
        return lists.Length switch
        {
            1 => lists[0],
            0 => throw new ArgumentException($"--corpus '{corpus}' holds no .csv file. For --layout csv pass the CSV list (path and label columns) or the folder holding it."),
            _ => throw new ArgumentException($"--corpus '{corpus}' holds {lists.Length} .csv files ({string.Join(", ", lists.Select(Path.GetFileName))}); pass the one to use."),
        };
    }

    private (int Path, int Label) FromHeader(string file, string[] header)
    {
        var names = header.Select(h => h.Trim()).ToArray();
        var path = Column(_columns.PathColumn, names, s_pathNames, "--path-column", file);
        var label = Column(_columns.LabelColumn, names, s_labelNames, "--label-column", file);
        if (path < 0 || label < 0)
        {
            throw new ArgumentException(
                $"--corpus '{file}': cannot tell which column holds the {(path < 0 ? "path" : "label")}: the header is '{string.Join(",", names)}'. " +
                $"Name it {(path < 0 ? "path" : "label")} or pass {(path < 0 ? "--path-column" : "--label-column")} NAME.");
        }

        if (path == label)
        {
            throw new ArgumentException($"--corpus '{file}': the path and the label are both column {path + 1} ('{names[path]}'); pass --path-column and --label-column.");
        }

        return (path, label);
    }

    private (int Path, int Label) Headerless(string file, string[] first)
    {
        var path = _columns.PathColumn is { } p ? Number(p, "--path-column", first.Length, file) : Array.FindIndex(first, AudioFiles.IsAudio);
        int label;
        if (_columns.LabelColumn is { } l)
        {
            label = Number(l, "--label-column", first.Length, file);
        }
        else if (first.Length == 2)
        {
            label = 1 - path;
        }
        else
        {
            throw new ArgumentException($"--corpus '{file}' has no header and {first.Length} columns; pass --label-column N (1-based), or add a header such as path,label.");
        }

        return (path, label);
    }

    private static int Column(string? requested, string[] names, string[] candidates, string option, string file)
    {
        if (requested is null)
        {
            return Array.FindIndex(names, n => candidates.Contains(n.ToLowerInvariant(), StringComparer.Ordinal));
        }

        var byName = Array.FindIndex(names, n => string.Equals(n, requested.Trim(), StringComparison.OrdinalIgnoreCase));
        return byName >= 0 ? byName : Number(requested, option, names.Length, file);
    }

    private static int Number(string requested, string option, int columns, string file)
    {
        if (int.TryParse(requested, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= 1 && number <= columns)
        {
            return number - 1;
        }

        throw new ArgumentException($"{option} '{requested}' is neither a column name of '{file}' nor a column number from 1 to {columns}.");
    }

    private static char DetectDelimiter(string line)
    {
        // The most frequent of the three; a comma when none occurs (a one-column line) or on a tie.
        return new[] { ',', ';', '\t' }.MaxBy(candidate => line.Count(c => c == candidate));
    }

    /// <summary>Splits one CSV line, honouring double quotes (RFC 4180 within a line).</summary>
    internal static string[] Split(string line, char delimiter)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == delimiter)
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return [.. fields];
    }
}
