using System.Globalization;
using System.Text;
using SerSsl.Core.Faces;
using SerSsl.Training.Data;

namespace SerSsl.Benchmarks;

/// <summary>
/// The OpenFace CSV reader as it was before it moved to Sep, kept as the baseline of <see cref="OpenFaceCsvBenchmarks"/>:
/// a byte buffer scanned for line ends and commas with <c>IndexOf</c>, values parsed from UTF-8 with
/// <see cref="NumberStyles.Float"/>. Same columns, checks and messages as <c>OpenFaceCsvReader</c>.
/// </summary>
internal static class ByteScanOpenFaceCsvReader
{
    private const int InitialBufferBytes = 1 << 20;
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
        var parser = new Parser(stream, name);
        return parser.Run();
    }

    private sealed class Parser(Stream stream, string name)
    {
        private readonly Stream _stream = stream;
        private readonly string _name = name;
        private byte[] _buffer = new byte[InitialBufferBytes];
        private int _start;
        private int _end;
        private bool _eof;
        private int _lineNumber;

        private string[] _header = [];
        private int[] _slotOfColumn = [];
        private int _slotCount;
        private readonly List<(int Au, bool Presence)> _auSlots = [];

        // Row-major values of every slot but the timestamp, and the timestamps separately (double precision).
        private float[] _values = [];
        private double[] _timestamps = [];
        private int _rows;

        public OpenFaceTrack Run()
        {
            if (!TryReadLine(out var headerLine))
            {
                throw new InvalidDataException($"{_name}: the file is empty; expected an OpenFace header row.");
            }

            ParseHeader(headerLine);
            _timestamps = new double[1024];
            _values = new float[1024 * _slotCount];
            while (TryReadLine(out var line))
            {
                if (line.Trim((byte)' ').IsEmpty)
                {
                    continue;
                }

                ParseRow(line);
            }

            return Build();
        }

        private void ParseHeader(ReadOnlySpan<byte> line)
        {
            if (line.StartsWith("\uFEFF"u8))
            {
                line = line[3..];
            }

            _header = Encoding.UTF8.GetString(line).Split(',').Select(static h => h.Trim().Trim('"').Trim()).ToArray();
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

        private void ParseRow(ReadOnlySpan<byte> line)
        {
            if (_rows == _timestamps.Length)
            {
                Array.Resize(ref _timestamps, _rows * 2);
                Array.Resize(ref _values, _rows * 2 * _slotCount);
            }

            var row = _values.AsSpan(_rows * _slotCount, _slotCount);
            var slots = _slotOfColumn;
            var column = 0;
            var rest = line;
            while (true)
            {
                var comma = rest.IndexOf((byte)',');
                var field = comma < 0 ? rest : rest[..comma];
                if (column < slots.Length)
                {
                    var slot = slots[column];
                    if (slot == SlotTimestamp)
                    {
                        if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out _timestamps[_rows]))
                        {
                            throw BadNumber(column, field);
                        }
                    }
                    else if (slot > 0)
                    {
                        if (!float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out row[slot - 1]))
                        {
                            throw BadNumber(column, field);
                        }
                    }
                }

                column++;
                if (comma < 0)
                {
                    break;
                }

                rest = rest[(comma + 1)..];
            }

            if (column != slots.Length)
            {
                throw new InvalidDataException($"{_name}: line {_lineNumber} has {column} fields but the header has {slots.Length}.");
            }

            if (_rows > 0 && _timestamps[_rows] < _timestamps[_rows - 1])
            {
                throw new InvalidDataException($"{_name}: line {_lineNumber}: timestamp {_timestamps[_rows].ToString(CultureInfo.InvariantCulture)} is earlier than the previous row's {_timestamps[_rows - 1].ToString(CultureInfo.InvariantCulture)}.");
            }

            _rows++;
        }

        private InvalidDataException BadNumber(int column, ReadOnlySpan<byte> field)
        {
            var text = Encoding.UTF8.GetString(field.Length > 40 ? field[..40] : field).Trim();
            return new InvalidDataException($"{_name}: line {_lineNumber}, column '{_header[column]}': '{text}' is not a number.");
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

        /// <summary>The next line without its terminator (and without a trailing CR); false at the end of the stream.</summary>
        private bool TryReadLine(out ReadOnlySpan<byte> line)
        {
            while (true)
            {
                var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
                if (newline >= 0)
                {
                    line = TrimCr(_buffer.AsSpan(_start, newline));
                    _start += newline + 1;
                    _lineNumber++;
                    return true;
                }

                if (_eof)
                {
                    if (_start == _end)
                    {
                        line = default;
                        return false;
                    }

                    line = TrimCr(_buffer.AsSpan(_start, _end - _start));
                    _start = _end;
                    _lineNumber++;
                    return true;
                }

                Fill();
            }
        }

        private void Fill()
        {
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                _eof = true;
            }

            _end += read;
        }

        private static ReadOnlySpan<byte> TrimCr(ReadOnlySpan<byte> line) =>
            line.Length > 0 && line[^1] == (byte)'\r' ? line[..^1] : line;
    }
}
