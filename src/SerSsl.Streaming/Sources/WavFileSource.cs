using System.Diagnostics;
using SerSsl.Core.Audio;

namespace SerSsl.Streaming.Sources;

/// <summary>
/// An audio file (WAV or Ogg Opus, recognised by content) as a source: read as fast as the pipeline consumes (offline analysis), or paced to real time as a
/// recording played back live. Either way the file is lossless: the pipeline waits for it rather than dropping audio.
/// </summary>
public sealed class WavFileSource : IAudioSource
{
    private readonly string _path;
    private readonly bool _paced;
    private IAudioReader? _reader;
    private long _startTimestamp;
    private long _framesDelivered;

    /// <summary>Creates the source; nothing is opened until <see cref="OpenAsync"/>.</summary>
    /// <param name="path">The file: WAV (PCM 8/16/24/32-bit or float 32/64, any rate from 8 to 192 kHz, any channels up to 32) or Ogg Opus.</param>
    /// <param name="paced">True to deliver audio no faster than real time.</param>
    public WavFileSource(string path, bool paced)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _path = path;
        _paced = paced;
        Format = new AudioFormat(16_000, 1);
    }

    /// <inheritdoc />
    public string Description => _paced ? $"file (real time): {_path}" : $"file: {_path}";

    /// <inheritdoc />
    public AudioFormat Format { get; private set; }

    /// <inheritdoc />
    public bool IsLive => false;

    /// <inheritdoc />
    public async ValueTask OpenAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_reader is not null)
        {
            throw new InvalidOperationException("The source is already open.");
        }

        // Opening a FIFO blocks until a writer comes, and reading its header until the writer sends one: open on the
        // thread pool, so that a stop (Ctrl+C) does not wait for either. A reader opened after the stop is closed.
        var open = Task.Run(() => AudioFileAccess.Open(_path, "Check the path; `sers analyze` and `--source file:PATH` read WAV and Ogg Opus files."), CancellationToken.None);
        try
        {
            _reader = await open.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _ = open.ContinueWith(t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            throw;
        }

        Format = new AudioFormat(_reader.SampleRate, _reader.Channels);
        _startTimestamp = Stopwatch.GetTimestamp();
    }

    /// <inheritdoc />
    public async ValueTask<int> ReadAsync(Memory<float> destination, CancellationToken cancellationToken)
    {
        var reader = _reader ?? throw new InvalidOperationException("Open the source before reading.");
        cancellationToken.ThrowIfCancellationRequested();
        if (_paced)
        {
            var due = TimeSpan.FromSeconds((double)_framesDelivered / Format.SampleRate) - Stopwatch.GetElapsedTime(_startTimestamp);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken).ConfigureAwait(false);
            }
        }

        var read = AudioFileAccess.Read(reader, destination.Span, _path, mono: false);
        _framesDelivered += read / Format.Channels;
        return read;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _reader?.Dispose();
        _reader = null;
        return ValueTask.CompletedTask;
    }
}
