using System.Diagnostics;
using System.Globalization;
using SerSsl.Core.Audio;

namespace SerSsl.Streaming.Sources;

/// <summary>A clip of a playlist: an audio file and the line of the list that names it.</summary>
/// <param name="Path">The file's full path (a relative line resolved against the list's folder).</param>
/// <param name="Line">The line of the list, counted from 1.</param>
public sealed record PlaylistEntry(string Path, int Line)
{
    /// <summary>The file name without its folder, for messages.</summary>
    public string Name => System.IO.Path.GetFileName(Path);
}

/// <summary>Says that a playlist's clip has started: its first samples are being delivered.</summary>
/// <param name="entry">The clip.</param>
/// <param name="number">Its position in the playlist, from 1.</param>
/// <param name="count">The number of clips in the playlist.</param>
public sealed class PlaylistClipEventArgs(PlaylistEntry entry, int number, int count) : EventArgs
{
    /// <summary>The clip.</summary>
    public PlaylistEntry Entry { get; } = entry;

    /// <summary>Its position in the playlist, from 1.</summary>
    public int Number { get; } = number;

    /// <summary>The number of clips in the playlist.</summary>
    public int Count { get; } = count;

    /// <summary>The notice shown to the user, e.g. <c>playing 3/6: 1001_IEO_ANG_HI.opus</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"playing {Number}/{Count}: {Entry.Name}");
}

/// <summary>
/// A playlist as a source: a text file that lists audio files (WAV or Ogg Opus, one per line; blank lines and lines starting
/// with '#' skipped; paths relative to the list's folder or absolute), played one after another with a gap of digital
/// silence between clips, as fast as the pipeline consumes or paced to real time like <see cref="WavFileSource"/>.
/// </summary>
/// <remarks>
/// Clips may differ in rate and channel count, so the source delivers one fixed format, mono at
/// <see cref="AudioFormat.SampleRate"/> (the model's rate): each clip is opened and decoded as the file source opens it
/// (<see cref="AudioFileAccess"/>), downmixed by its Core reader and resampled by Core's <see cref="Resampler"/>, the
/// same steps by which training reads a clip, so a clip played here reaches the features exactly as it does in
/// training. The list and every clip are checked when the source is opened, before any audio plays; errors name the
/// list and the line.
/// </remarks>
public sealed class PlaylistSource : IAudioSource
{
    /// <summary>The default silence between clips, in seconds.</summary>
    public const double DefaultGapSeconds = 1.5;

    /// <summary>The longest allowed silence between clips, in seconds.</summary>
    public const double MaxGapSeconds = 30;

    private const int InputBlockFrames = 4096;

    private readonly string _listPath;
    private readonly bool _paced;
    private readonly long _gapFrames;
    private IReadOnlyList<PlaylistEntry> _entries = [];
    private bool _opened;
    private int _next;
    private ClipReader? _clip;
    private long _silenceLeft;
    private long _startTimestamp;
    private long _framesDelivered;

    /// <summary>Creates the source; nothing is read until <see cref="OpenAsync"/>.</summary>
    /// <param name="listPath">The list file.</param>
    /// <param name="paced">True to deliver audio no faster than real time.</param>
    /// <param name="gapSeconds">Silence between clips, 0 to <see cref="MaxGapSeconds"/> seconds.</param>
    /// <param name="sampleRate">The rate clips are resampled to: the model's feature rate (16 kHz by default).</param>
    /// <exception cref="ArgumentOutOfRangeException">The gap or the rate is out of range.</exception>
    public PlaylistSource(string listPath, bool paced, double gapSeconds = DefaultGapSeconds, int sampleRate = Resampler.DefaultOutputRate)
    {
        ArgumentException.ThrowIfNullOrEmpty(listPath);
        if (!(gapSeconds >= 0 && gapSeconds <= MaxGapSeconds))
        {
            throw new ArgumentOutOfRangeException(nameof(gapSeconds), gapSeconds, string.Create(CultureInfo.InvariantCulture, $"The gap between clips must be 0 to {MaxGapSeconds} seconds; got {gapSeconds}."));
        }

        if (sampleRate is < Resampler.MinSampleRate or > Resampler.MaxSampleRate)
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, $"The output rate must be {Resampler.MinSampleRate} to {Resampler.MaxSampleRate} Hz.");
        }

        _listPath = listPath;
        _paced = paced;
        _gapFrames = (long)Math.Round(gapSeconds * sampleRate);
        Format = new AudioFormat(sampleRate, 1);
    }

    /// <summary>Raised on the reading thread when a clip's first samples are delivered.</summary>
    public event EventHandler<PlaylistClipEventArgs>? ClipStarted;

    /// <inheritdoc />
    public string Description => _paced ? $"playlist (real time): {_listPath}" : $"playlist: {_listPath}";

    /// <inheritdoc />
    public AudioFormat Format { get; }

    /// <inheritdoc />
    public bool IsLive => false;

    /// <summary>The clips, in order; empty until <see cref="OpenAsync"/>.</summary>
    public IReadOnlyList<PlaylistEntry> Entries => _entries;

    /// <summary>The silence between clips, in sample frames at <see cref="Format"/>.</summary>
    public long GapFrames => _gapFrames;

    /// <summary>Reads a list file: one audio file per line, blank lines and lines starting with '#' skipped.</summary>
    /// <param name="listPath">The list.</param>
    /// <returns>The clips in order, with their paths resolved against the list's folder.</returns>
    /// <exception cref="AudioSourceException">The list is missing, unreadable, or names no clip.</exception>
    public static IReadOnlyList<PlaylistEntry> ReadList(string listPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(listPath);
        if (!File.Exists(listPath))
        {
            throw new AudioSourceException($"No such playlist: '{listPath}'. A playlist is a text file naming one WAV or Ogg Opus file per line.");
        }

        string[] lines;
        try
        {
            lines = File.ReadAllLines(listPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AudioSourceException($"Cannot read playlist '{listPath}': {ex.Message}", ex);
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(listPath))!;
        var entries = new List<PlaylistEntry>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            {
                throw new AudioSourceException(string.Create(CultureInfo.InvariantCulture, $"'{listPath}' line {i + 1}: '{line}' is not a file path."));
            }

            entries.Add(new PlaylistEntry(Path.GetFullPath(Path.Combine(folder, line)), i + 1));
        }

        if (entries.Count == 0)
        {
            throw new AudioSourceException(string.Create(
                CultureInfo.InvariantCulture,
                $"Playlist '{listPath}' lists no audio files: its {lines.Length} lines are all blank or comments ('#'). Write one WAV or Ogg Opus file per line, relative to the list's folder or absolute."));
        }

        return entries;
    }

    /// <inheritdoc />
    public ValueTask OpenAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_opened)
        {
            throw new InvalidOperationException("The source is already open.");
        }

        var entries = ReadList(_listPath);
        foreach (var entry in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            OpenClip(entry).Dispose();
        }

        _entries = entries;
        _opened = true;
        _startTimestamp = Stopwatch.GetTimestamp();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask<int> ReadAsync(Memory<float> destination, CancellationToken cancellationToken)
    {
        if (!_opened)
        {
            throw new InvalidOperationException("Open the source before reading.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (_paced)
        {
            var due = TimeSpan.FromSeconds((double)_framesDelivered / Format.SampleRate) - Stopwatch.GetElapsedTime(_startTimestamp);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken).ConfigureAwait(false);
            }
        }

        var written = Fill(destination.Span);
        _framesDelivered += written;
        return written;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _clip?.Dispose();
        _clip = null;
        return ValueTask.CompletedTask;
    }

    private int Fill(Span<float> destination)
    {
        var written = 0;
        while (written < destination.Length)
        {
            if (_silenceLeft > 0)
            {
                var n = (int)Math.Min(_silenceLeft, destination.Length - written);
                destination.Slice(written, n).Clear();
                _silenceLeft -= n;
                written += n;
                continue;
            }

            if (_clip is null)
            {
                if (_next >= _entries.Count)
                {
                    break;
                }

                var entry = _entries[_next++];
                _clip = OpenClip(entry);
                ClipStarted?.Invoke(this, new PlaylistClipEventArgs(entry, _next, _entries.Count));
            }

            var read = _clip.Read(destination[written..]);
            if (read > 0)
            {
                written += read;
                continue;
            }

            _clip.Dispose();
            _clip = null;
            if (_next < _entries.Count)
            {
                _silenceLeft = _gapFrames;
            }
        }

        return written;
    }

    private ClipReader OpenClip(PlaylistEntry entry)
    {
        IAudioReader reader;
        try
        {
            reader = AudioFileAccess.Open(entry.Path, "Paths in a playlist are relative to the list's folder or absolute.");
        }
        catch (AudioSourceException ex)
        {
            throw new AudioSourceException($"{Where(entry)}: {ex.Message}", ex);
        }

        return new ClipReader(reader, entry, Where(entry), Format.SampleRate);
    }

    private string Where(PlaylistEntry entry) => string.Create(CultureInfo.InvariantCulture, $"playlist '{_listPath}' line {entry.Line}");

    /// <summary>One clip decoded to mono by its Core reader and resampled to the playlist's rate block by block.</summary>
    private sealed class ClipReader : IDisposable
    {
        private readonly IAudioReader _reader;
        private readonly PlaylistEntry _entry;
        private readonly string _where;
        private readonly Resampler? _resampler;
        private readonly float[] _input = [];
        private readonly float[] _output = [];
        private int _outputStart;
        private int _outputCount;
        private bool _flushed;

        public ClipReader(IAudioReader reader, PlaylistEntry entry, string where, int rate)
        {
            _reader = reader;
            _entry = entry;
            _where = where;
            if (reader.SampleRate != rate)
            {
                _resampler = new Resampler(reader.SampleRate, rate);
                _input = new float[InputBlockFrames];
                _output = new float[Math.Max(_resampler.GetMaxOutputLength(InputBlockFrames), _resampler.MaxFlushLength)];
            }
        }

        /// <summary>Writes the clip's next samples; 0 at its end.</summary>
        public int Read(Span<float> destination)
        {
            if (_resampler is null)
            {
                return ReadMono(destination);
            }

            while (_outputCount == 0)
            {
                if (_flushed)
                {
                    return 0;
                }

                var got = ReadMono(_input);
                _outputStart = 0;
                if (got == 0)
                {
                    _outputCount = _resampler.Flush(_output);
                    _flushed = true;
                }
                else
                {
                    _outputCount = _resampler.Process(_input.AsSpan(0, got), _output);
                }
            }

            var n = Math.Min(_outputCount, destination.Length);
            _output.AsSpan(_outputStart, n).CopyTo(destination);
            _outputStart += n;
            _outputCount -= n;
            return n;
        }

        public void Dispose() => _reader.Dispose();

        private int ReadMono(Span<float> destination)
        {
            try
            {
                return AudioFileAccess.Read(_reader, destination, _entry.Path, mono: true);
            }
            catch (AudioSourceException ex)
            {
                throw new AudioSourceException($"{_where}: {ex.Message}", ex);
            }
        }
    }
}
