using System.Text;

namespace SerSsl.Core.Tables;

/// <summary>
/// A small RFC 4180 reader for metadata tables (CREMA-D's CSVs, corpus manifests): a header row, then records.
/// Fields may be quoted (<c>"a,b"</c>, doubled quotes inside); header names are trimmed; blank lines are skipped.
/// Not meant for large numeric tables (see the OpenFace reader for those).
/// </summary>
public sealed class MetadataCsv
{
    private readonly Dictionary<string, int> _columns;

    private MetadataCsv(string path, string[] header, List<MetadataCsvRow> rows)
    {
        Path = path;
        Header = header;
        Rows = rows;
        _columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < header.Length; i++)
        {
            _columns.TryAdd(header[i], i);
        }
    }

    /// <summary>The file the table was read from.</summary>
    public string Path { get; }

    /// <summary>The trimmed header names, in file order.</summary>
    public IReadOnlyList<string> Header { get; }

    /// <summary>The records after the header, in file order.</summary>
    public IReadOnlyList<MetadataCsvRow> Rows { get; }

    /// <summary>Reads a whole table.</summary>
    /// <param name="path">The CSV file (UTF-8, optional BOM).</param>
    /// <returns>The table.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is empty, has an unterminated quote, or a record has the wrong number of fields.</exception>
    public static MetadataCsv Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var text = File.ReadAllText(path, Encoding.UTF8);
        var records = Parse(text, path);
        if (records.Count == 0)
        {
            throw new InvalidDataException($"{path}: the file is empty; expected a header row.");
        }

        var header = records[0].Fields.Select(static f => f.Trim()).ToArray();
        for (var r = 1; r < records.Count; r++)
        {
            if (records[r].Fields.Length != header.Length)
            {
                throw new InvalidDataException($"{path}: line {records[r].Line} has {records[r].Fields.Length} fields but the header has {header.Length}.");
            }
        }

        return new MetadataCsv(path, header, records.GetRange(1, records.Count - 1));
    }

    /// <summary>The index of a column by name (case-insensitive), or -1.</summary>
    /// <param name="name">The header name.</param>
    public int IndexOf(string name) => _columns.TryGetValue(name, out var index) ? index : -1;

    /// <summary>The index of a required column.</summary>
    /// <param name="name">The header name (case-insensitive).</param>
    /// <exception cref="InvalidDataException">The column is missing; the message names the file and the columns found.</exception>
    public int Require(string name)
    {
        var index = IndexOf(name);
        if (index < 0)
        {
            throw new InvalidDataException($"{Path}: required column '{name}' is missing (columns: {string.Join(", ", Header.Select(static h => $"'{h}'"))}).");
        }

        return index;
    }

    private static List<MetadataCsvRow> Parse(string text, string path)
    {
        var records = new List<MetadataCsvRow>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var line = 1;
        var recordLine = 1;
        var i = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0;
        var inQuotes = false;
        var fieldStarted = false;

        void EndRecord()
        {
            fields.Add(field.ToString());
            field.Clear();
            var blank = fields.Count == 1 && fields[0].Length == 0 && !fieldStarted;
            if (!blank)
            {
                records.Add(new MetadataCsvRow(recordLine, [.. fields]));
            }

            fields.Clear();
            fieldStarted = false;
        }

        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (inQuotes)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i++;
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }
                else
                {
                    if (c == '\n')
                    {
                        line++;
                    }

                    field.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inQuotes = true;
                    fieldStarted = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    fieldStarted = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    EndRecord();
                    line++;
                    recordLine = line;
                    break;
                default:
                    field.Append(c);
                    fieldStarted = true;
                    break;
            }
        }

        if (inQuotes)
        {
            throw new InvalidDataException($"{path}: line {recordLine} has a quoted field that is never closed.");
        }

        if (fieldStarted || field.Length > 0 || fields.Count > 0)
        {
            EndRecord();
        }

        return records;
    }
}

/// <summary>One record of a <see cref="MetadataCsv"/>.</summary>
/// <param name="Line">The 1-based line the record starts on.</param>
/// <param name="Fields">The unquoted field values, untrimmed.</param>
public sealed record MetadataCsvRow(int Line, string[] Fields)
{
    /// <summary>The trimmed value of field <paramref name="index"/>.</summary>
    /// <param name="index">A column index from <see cref="MetadataCsv.IndexOf"/> or <see cref="MetadataCsv.Require"/>.</param>
    public string this[int index] => Fields[index].Trim();
}
