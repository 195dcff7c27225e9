using System.Globalization;
using System.Text;
using SerSsl.Core.Faces;
using nietras.SeparatedValues;

namespace SerSsl.Training.Data.Unlabeled;

/// <summary>
/// Reads the CSV that OpenFace 2.x <c>FeatureExtraction</c> writes into an <see cref="OpenFaceTrack"/>.
/// </summary>
/// <remarks>
/// <para>
/// Header: names are trimmed (OpenFace writes <c>", "</c> between fields), matched case-sensitively, and may come in
/// any order; unknown columns (pose, gaze, 3D landmarks, ...) are skipped without being parsed. Required:
/// <c>timestamp</c>, <c>confidence</c>, <c>success</c>, <c>x_0..x_67</c> and <c>y_0..y_67</c>. Action units are
/// optional one by one (<c>AUxx_r</c> intensity, <c>AUxx_c</c> presence), but at least one must be present.
/// </para>
/// <para>
/// Values: what <see cref="float.TryParse(ReadOnlySpan{char}, NumberStyles, IFormatProvider, out float)"/> accepts
/// with <see cref="NumberStyles.Float"/> and the invariant culture (surrounding spaces allowed), with the same values;
/// <c>success</c> is true when non-zero. The text is UTF-8 (a byte-order mark is skipped) and is split at every
/// comma: OpenFace never quotes, so quotes are not parsed. Lines end in <c>\n</c>, <c>\r\n</c> or <c>\r</c>. Every
/// row must have as many fields as the header; blank lines (nothing or only spaces) are skipped; timestamps must not
/// decrease. Every problem raises <see cref="InvalidDataException"/> naming the file, the 1-based line and, for a
/// value, the column.
/// </para>
/// <para>
/// Speed: lines and fields are split by Sep (a vectorised CSV parser) and only the columns above are converted
/// (about 180 of OpenFace's ~710), by Sep's fast float parser where it agrees with .NET's; an hour of 30 fps video
/// (~108k rows of 714 columns, ~730 MB) reads in one to two seconds on one core (docs/benchmarks.md).
/// </para>
/// </remarks>
internal static class OpenFaceCsvReader
{
    private const int TextBufferChars = 1 << 16;
    private const int SlotTimestamp = 0;
    private const int SlotConfidence = 1;
    private const int SlotSuccess = 2;
    private const int SlotX = 3;
    private const int SlotY = SlotX + OpenFaceTrack.LandmarkCount;
    private const int SlotAu = SlotY + OpenFaceTrack.LandmarkCount;

    /// <summary>Reads an OpenFace CSV file.</summary>
    /// <param name="path">The CSV file.</param>
    /// <returns>The track.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The header lacks required columns or has no AU column, a row has the
    /// wrong number of fields, a value is not a number, or timestamps decrease.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static OpenFaceTrack Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        return Read(stream, path);
    }

    /// <summary>Reads an OpenFace CSV from a stream.</summary>
    /// <param name="stream">The CSV bytes (UTF-8, optional BOM); read to the end, not disposed.</param>
    /// <param name="name">The file name used in error messages.</param>
    /// <returns>The track.</returns>
    /// <exception cref="InvalidDataException">See <see cref="Read(string)"/>.</exception>
    public static OpenFaceTrack Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        using var text = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, TextBufferChars, leaveOpen: true);

        // The header is read as a row like any other: the reader checks names and field counts with its own messages.
        using var reader = Sep.New(',')
            .Reader(static options => options with { HasHeader = false, DisableColCountCheck = true, DisableQuotesParsing = true })
            .From(text);
        return new Parser(name).Run(reader);
    }

    private sealed class Parser(string name)
    {
        private readonly string _name = name;

        private string[] _header = [];
        private int[] _slotOfColumn = [];
        private int _slotCount;
        private readonly List<(int Au, bool Presence)> _auSlots = [];

        // The columns that are converted, in column order, and the slot each fills.
        private int[] _parsedColumns = [];
        private int[] _parsedSlots = [];

        // Row-major values of every slot but the timestamp, and the timestamps separately (double precision).
        private float[] _values = [];
        private double[] _timestamps = [];
        private int _rows;

        public OpenFaceTrack Run(SepReader reader)
        {
            if (!reader.MoveNext())
            {
                throw new InvalidDataException($"{_name}: the file is empty; expected an OpenFace header row.");
            }

            ParseHeader(reader.Current);
            _timestamps = new double[1024];
            _values = new float[1024 * _slotCount];
            while (reader.MoveNext())
            {
                var row = reader.Current;
                if (row.Span.Trim(' ').IsEmpty)
                {
                    continue;
                }

                ParseRow(row);
            }

            return Build();
        }

        private void ParseHeader(SepReader.Row row)
        {
            _header = new string[row.ColCount];
            for (var c = 0; c < _header.Length; c++)
            {
                _header[c] = row[c].Span.Trim().Trim('"').Trim().ToString();
            }

            _slotOfColumn = new int[_header.Length];
            var columnOfSlot = new Dictionary<int, int>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var c = 0; c < _header.Length; c++)
            {
                var h = _header[c];
                if (h.Length > 0 && !seen.Add(h))
                {
                    throw new InvalidDataException($"{_name}: column '{h}' appears twice in the header.");
                }

                var slot = SlotOf(h);
                _slotOfColumn[c] = slot;
                if (slot >= 0)
                {
                    columnOfSlot[slot] = c;
                }
            }

            var missing = new List<string>();
            foreach (var (slot, label) in new[] { (SlotTimestamp, "timestamp"), (SlotConfidence, "confidence"), (SlotSuccess, "success") })
            {
                if (!columnOfSlot.ContainsKey(slot))
                {
                    missing.Add(label);
                }
            }

            missing.AddRange(MissingRange("x", SlotX, columnOfSlot));
            missing.AddRange(MissingRange("y", SlotY, columnOfSlot));
            if (missing.Count > 0)
            {
                throw new InvalidDataException($"{_name}: required OpenFace column(s) missing: {string.Join(", ", missing)}. Expected the output of OpenFace 2.x FeatureExtraction with 2D landmarks.");
            }

            if (_auSlots.Count == 0)
            {
                throw new InvalidDataException($"{_name}: no action-unit column (AUxx_r or AUxx_c) in the header; run OpenFace FeatureExtraction with action units enabled (-aus, or no output selection flags).");
            }

            _slotCount = SlotAu + _auSlots.Count;
            _parsedColumns = [.. Enumerable.Range(0, _header.Length).Where(c => _slotOfColumn[c] >= 0)];
            _parsedSlots = [.. _parsedColumns.Select(c => _slotOfColumn[c])];
        }

        private static IEnumerable<string> MissingRange(string prefix, int firstSlot, Dictionary<int, int> columnOfSlot)
        {
            var i = 0;
            while (i < OpenFaceTrack.LandmarkCount)
            {
                if (columnOfSlot.ContainsKey(firstSlot + i))
                {
                    i++;
                    continue;
                }

                var from = i;
                while (i < OpenFaceTrack.LandmarkCount && !columnOfSlot.ContainsKey(firstSlot + i))
                {
                    i++;
                }

                yield return i - 1 == from ? $"{prefix}_{from}" : $"{prefix}_{from}..{prefix}_{i - 1}";
            }
        }

        private int SlotOf(string h)
        {
            switch (h)
            {
                case "timestamp":
                    return SlotTimestamp;
                case "confidence":
                    return SlotConfidence;
                case "success":
                    return SlotSuccess;
            }

            if (h.Length >= 3 && (h[0] == 'x' || h[0] == 'y') && h[1] == '_'
                && int.TryParse(h.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var landmark)
                && landmark < OpenFaceTrack.LandmarkCount && h.AsSpan(2).Length == (landmark < 10 ? 1 : 2))
            {
                return (h[0] == 'x' ? SlotX : SlotY) + landmark;
            }

            if (h.Length >= 6 && h.StartsWith("AU", StringComparison.Ordinal) && h[^2] == '_' && (h[^1] == 'r' || h[^1] == 'c')
                && int.TryParse(h.AsSpan(2, h.Length - 4), NumberStyles.None, CultureInfo.InvariantCulture, out var au))
            {
                _auSlots.Add((au, h[^1] == 'c'));
                return SlotAu + _auSlots.Count - 1;
            }

            return -1;
        }

        private void ParseRow(SepReader.Row row)
        {
            if (_rows == _timestamps.Length)
            {
                Array.Resize(ref _timestamps, _rows * 2);
                Array.Resize(ref _values, _rows * 2 * _slotCount);
            }

            // Values first, in column order, then the field count: a row with both problems reports its first bad
            // value, as a reader that converts fields while splitting them would.
            var values = _values.AsSpan(_rows * _slotCount, _slotCount);
            var fields = row.ColCount;
            var columns = _parsedColumns;
            var slots = _parsedSlots;
            for (var i = 0; i < columns.Length && columns[i] < fields; i++)
            {
                var column = columns[i];
                var col = row[column];
                var slot = slots[i];
                if (slot == SlotTimestamp)
                {
                    if (!TryParse(col, out _timestamps[_rows]))
                    {
                        throw BadNumber(row, column, col.Span);
                    }
                }
                else if (!TryParse(col, out values[slot - 1]))
                {
                    throw BadNumber(row, column, col.Span);
                }
            }

            if (fields != _header.Length)
            {
                throw new InvalidDataException($"{_name}: line {row.LineNumberFrom} has {fields} fields but the header has {_header.Length}.");
            }

            if (_rows > 0 && _timestamps[_rows] < _timestamps[_rows - 1])
            {
                throw new InvalidDataException($"{_name}: line {row.LineNumberFrom}: timestamp {_timestamps[_rows].ToString(CultureInfo.InvariantCulture)} is earlier than the previous row's {_timestamps[_rows - 1].ToString(CultureInfo.InvariantCulture)}.");
            }

            _rows++;
        }

        // Sep's parser (csFastFloat, correctly rounded like .NET's) first; .NET's decides when it fails or gives a
        // value that is not finite, so exactly what NumberStyles.Float accepts is accepted (csFastFloat alone also
        // takes "inf") and with the same value.
        private static bool TryParse(SepReader.Col col, out float value) =>
            (col.TryParse(out value) && float.IsFinite(value))
            || float.TryParse(col.Span, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

        private static bool TryParse(SepReader.Col col, out double value) =>
            (col.TryParse(out value) && double.IsFinite(value))
            || double.TryParse(col.Span, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

        private InvalidDataException BadNumber(SepReader.Row row, int column, ReadOnlySpan<char> field)
        {
            var text = (field.Length > 40 ? field[..40] : field).Trim().ToString();
            return new InvalidDataException($"{_name}: line {row.LineNumberFrom}, column '{_header[column]}': '{text}' is not a number.");
        }

        private OpenFaceTrack Build()
        {
            var n = _rows;
            var timestamps = _timestamps.AsSpan(0, n).ToArray();
            var confidence = new float[n];
            var success = new bool[n];
            var xs = new float[n * OpenFaceTrack.LandmarkCount];
            var ys = new float[n * OpenFaceTrack.LandmarkCount];
            var aus = new float[_auSlots.Count][];
            for (var a = 0; a < aus.Length; a++)
            {
                aus[a] = new float[n];
            }

            for (var r = 0; r < n; r++)
            {
                var row = _values.AsSpan(r * _slotCount, _slotCount);
                confidence[r] = row[SlotConfidence - 1];
                success[r] = row[SlotSuccess - 1] != 0f;
                row.Slice(SlotX - 1, OpenFaceTrack.LandmarkCount).CopyTo(xs.AsSpan(r * OpenFaceTrack.LandmarkCount));
                row.Slice(SlotY - 1, OpenFaceTrack.LandmarkCount).CopyTo(ys.AsSpan(r * OpenFaceTrack.LandmarkCount));
                for (var a = 0; a < aus.Length; a++)
                {
                    aus[a][r] = row[SlotAu - 1 + a];
                }
            }

            var intensity = new Dictionary<int, float[]>();
            var presence = new Dictionary<int, float[]>();
            for (var a = 0; a < aus.Length; a++)
            {
                var (au, isPresence) = _auSlots[a];
                (isPresence ? presence : intensity)[au] = aus[a];
            }

            return new OpenFaceTrack(timestamps, confidence, success, xs, ys, intensity, presence);
        }
    }
}
